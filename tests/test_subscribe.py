"""The subscription dialogue, driven through the real dispatcher and a real SQLite file."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bot.app import build_dispatcher
from bot.channels.telegram import _menu as telegram_menu
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


async def test_a_topic_that_is_gone_is_named_so(chat):
    await chat.send("/chude")
    await chat.press("topic:khong_co")
    assert "Chủ đề này không còn" in chat.text


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
    [stopped] = await subscribers(database)
    assert (stopped.active, stopped.stopped_at is not None) == (False, True)
    await chat.send("/start")
    [started] = await subscribers(database)
    assert (started.active, started.stopped_at) == (True, None)


async def test_finishing_topics_after_stopping_resumes_and_says_so(chat, database):
    await chat.send("/start")
    await chat.send("/dungnhan")
    await chat.send("/chude")
    await chat.press("sub:done")
    await chat.press("area:Tổ 2")
    await chat.press("lang:vi")
    assert "Đã lưu" in chat.text and "gửi tin lại" in chat.text
    [subscriber] = await subscribers(database)
    assert (subscriber.active, subscriber.stopped_at) == (True, None)
    await chat.send("/chude")
    await chat.press("sub:done")
    await chat.press("area:Tổ 2")
    await chat.press("lang:vi")
    assert "gửi tin lại" not in chat.text  # said once, when it changed


async def test_help_lists_the_commands(chat):
    await chat.send("/trogiup")
    for command in ("/start", "/chude", "/dangky", "/sdt", "/dungnhan", "/xoadulieu", "115"):
        assert command in chat.text
    assert len(chat.last) == 1 and "/canhbao" not in chat.text


async def test_help_and_the_telegram_menu_name_the_same_commands(chat):
    await chat.send("/trogiup")
    in_help = set(re.findall(r"^- /(\w+)", chat.text, flags=re.MULTILINE))
    assert {"diemtin", "khaosat"} <= in_help
    assert {entry.command for entry in telegram_menu(None)} == in_help | {"trogiup"}


async def test_staff_help_adds_the_staff_commands(staff_chat):
    await staff_chat.send("/trogiup")
    residents, staff = staff_chat.last
    assert "/dangky" in residents.text
    for command in ("/canhbao", "/duyet", "/tindon", "/thongke", "/chuyentiep"):
        assert command in staff.text


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


GROUP_CHAT = "-100777"


class GroupAdmins:
    """Stands in for the platform: "admin-7" administers every group."""

    async def group_admin_ids(self, _chat_id: str) -> set[str]:
        return {"admin-7"}


@pytest.fixture
def in_group(services):
    services.channels = {"telegram": GroupAdmins()}
    dispatcher = build_dispatcher(services)

    def member(user_id: str, locale: str | None = None) -> ChatDriver:
        return ChatDriver(
            dispatcher,
            user_id=user_id,
            channel="telegram",
            chat_id=GROUP_CHAT,
            chat_kind=ChatKind.GROUP,
            locale=locale,
        )

    return member


async def test_only_group_admins_stop_and_resume_a_group(in_group, database):
    admin, member = in_group("admin-7"), in_group("member-8")
    await admin.event("bot_added")
    await member.send("/dungnhan")
    assert "quản trị viên của nhóm" in member.text and "cán bộ" not in member.text
    assert [s.active for s in await subscribers(database)] == [True]

    await admin.send("/dungnhan")
    assert admin.text.startswith("Đã dừng gửi tin vào nhóm này.")
    [stopped] = await subscribers(database)
    assert (stopped.active, stopped.stopped_at is not None) == (False, True)
    await member.send("/start")
    assert "tạm dừng" in member.text
    assert [s.active for s in await subscribers(database)] == [False]
    await admin.send("/start")
    [resumed] = await subscribers(database)
    assert (resumed.active, resumed.stopped_at) == (True, None)


@pytest.mark.parametrize("data", ["topic:chung", "sub:topics", "sub:done", "area:Tổ 3", "lang:en"])
async def test_residents_buttons_change_nothing_in_a_group(in_group, database, data):
    await in_group("admin-7").event("bot_added")
    member = in_group("member-8")
    await member.press(data)
    assert not member.buttons  # no resident dialogue started in the group
    [group] = await subscribers(database)
    assert (group.active, group.area, group.language) == (True, None, "vi")
    assert await topics(database) == {"chung"}


async def test_a_group_speaks_vietnamese_until_its_admins_choose(in_group, database):
    admin = in_group("admin-7", locale="en")  # the admin's own app is in English
    await admin.event("bot_added")
    assert "Chào cả nhóm" in admin.text
    await admin.send("/chude")
    await admin.press("gsub:done")
    await admin.press("garea:Tổ 3")
    assert set(admin.buttons.values()) == {"glang:vi", "glang:en"}
    await admin.press("glang:en")
    assert "Saved for the group" in admin.text and "Tổ 3" in admin.text
    [group] = await subscribers(database)
    assert (group.area, group.language) == ("Tổ 3", "en")
    member = in_group("member-8")
    await member.send("/trogiup")
    assert "Group admins" in member.text


async def test_members_asking_an_admin_command_are_told_who_can(in_group):
    member = in_group("member-8")
    await member.send("/chude")
    assert "quản trị viên của nhóm" in member.text and "nhắn riêng" in member.text


async def test_group_help_is_about_the_group(in_group):
    member = in_group("member-8")
    await member.send("/trogiup")
    assert "Loa phường trong nhóm" in member.text and "/dungnhan" in member.text


async def test_group_chatter_not_addressed_to_the_bot_is_ignored(dispatcher):
    group = ChatDriver(dispatcher, user_id="u9", chat_id="-100555", chat_kind=ChatKind.GROUP)
    assert await group.send("mai đi chợ không", addressed=False) == []


async def test_english_speakers_see_the_station_in_english(dispatcher):
    resident = ChatDriver(dispatcher, user_id="visitor", locale="en")
    await resident.send("/start")
    assert "Hoa Binh Ward Health Station" in resident.text
    assert "Trạm Y tế" not in resident.text
