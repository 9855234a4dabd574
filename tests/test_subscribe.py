"""The subscription dialogue, driven through the real dispatcher and a real SQLite file."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import build_dispatcher
from bot.core import ChatKind
from bot.db import Database
from bot.models.core import Subscriber, SubscriberTopic
from bot.routing import Services
from bot.state import SqlStateStorage
from tests.helpers import ChatDriver


async def subscribers(database: Database) -> list[Subscriber]:
    async with database.sessions() as session:
        return list(await session.scalars(select(Subscriber)))


async def topics(database: Database) -> set[str]:
    async with database.sessions() as session:
        return set(await session.scalars(select(SubscriberTopic.topic)))


async def test_start_welcomes_in_vietnamese_and_creates_one_subscriber(chat, database):
    await chat.send("/start")
    assert "Loa phường" in chat.text and "/dungnhan" in chat.text
    assert chat.buttons["Đăng ký khám sàng lọc miễn phí"] == "screening:start"
    await chat.send("/start")
    assert "quay lại" in chat.text
    [subscriber] = await subscribers(database)
    assert (subscriber.channel, subscriber.chat_id, subscriber.active) == (
        "web",
        "resident-1",
        True,
    )
    assert await topics(database) == {"chung"}


async def test_topics_toggle_then_area_then_language(chat, database):
    await chat.send("/start")
    await chat.send("/chude")
    assert "✅ Tin chung" in chat.buttons
    await chat.press("topic:tre_em")
    assert "✅ Trẻ em" in chat.buttons and "Trẻ em" in chat.text
    await chat.press("topic:chung")
    assert "⬜ Tin chung" in chat.buttons
    await chat.press(chat.button_data("Xong"))
    assert "tổ dân phố" in chat.text and "Tổ 3" in chat.buttons
    await chat.send("to 3")
    assert set(chat.buttons) == {"Tiếng Việt", "English"}
    await chat.press("lang:en")
    assert "Children" in chat.text and "Tổ 3" in chat.text
    [subscriber] = await subscribers(database)
    assert (subscriber.area, subscriber.language) == ("Tổ 3", "en")
    assert await topics(database) == {"tre_em"}


async def test_unknown_area_gets_the_list_back(chat):
    await chat.send("/chude")
    await chat.press("sub:done")
    await chat.send("Tổ 99")
    assert "không tìm thấy" in chat.text and "Tổ 12" in chat.text
    await chat.send("tdp 12")
    assert "ngôn ngữ" in chat.text


async def test_stop_then_start_again(chat, database):
    await chat.send("/start")
    await chat.send("/dungnhan")
    assert "/start" in chat.text
    assert [s.active for s in await subscribers(database)] == [False]
    await chat.send("/start")
    assert [s.active for s in await subscribers(database)] == [True]


async def test_help_lists_the_commands(chat):
    await chat.send("/trogiup")
    for command in ("/start", "/chude", "/dangky", "/dungnhan", "/xoadulieu", "115"):
        assert command in chat.text


async def test_dialogue_survives_a_restart(settings, database):
    first = ChatDriver(
        build_dispatcher(Services(settings, database.sessions, SqlStateStorage(database.sessions)))
    )
    await first.send("/chude")
    await first.press("sub:done")
    await database.close()

    reopened = Database(settings.database_url)
    await reopened.migrate()
    second = ChatDriver(
        build_dispatcher(Services(settings, reopened.sessions, SqlStateStorage(reopened.sessions)))
    )
    await second.send("tổ 5")
    assert "ngôn ngữ" in second.text
    await reopened.close()


async def test_second_start_mid_dialogue_keeps_the_dialogue(chat):
    await chat.send("/chude")
    await chat.press("sub:done")
    await chat.send("/start")
    assert "làm dở" in chat.text
    await chat.send("Tổ 2")
    assert "ngôn ngữ" in chat.text


async def test_english_speaker_gets_english_after_choosing_it(chat):
    await chat.send("/start")
    await chat.press("sub:done")
    await chat.press("area:Tổ 1")
    await chat.press("lang:en")
    await chat.send("/trogiup")
    assert "Commands" in chat.text


async def test_group_is_registered_when_the_bot_is_added(dispatcher, database):
    group = ChatDriver(dispatcher, user_id="admin-7", chat_id="-100123", chat_kind=ChatKind.GROUP)
    await group.event("bot_added")
    assert "cả nhóm" in group.text
    await group.send("/start")
    async with database.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(Subscriber))
        kind = await session.scalar(select(Subscriber.kind))
    assert (count, kind) == (1, "group")
    await group.event("bot_removed")
    assert [s.active for s in await subscribers(database)] == [False]


async def test_group_chatter_not_addressed_to_the_bot_is_ignored(dispatcher):
    group = ChatDriver(dispatcher, user_id="u9", chat_id="-100555", chat_kind=ChatKind.GROUP)
    assert await group.send("mai đi chợ không", addressed=False) == []


async def test_english_speakers_see_the_station_in_english(dispatcher):
    resident = ChatDriver(dispatcher, user_id="visitor", locale="en")
    await resident.send("/start")
    assert "Hoa Binh Ward Health Station" in resident.text
    assert "Trạm Y tế" not in resident.text
