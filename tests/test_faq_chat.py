"""The FAQ in chat: plain text and /hoi, groups, low confidence, hand-off to staff, the log."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from bot.app import LoaPhuong, build_dispatcher
from bot.buttons import FaqTopicChoice
from bot.config import load_settings
from bot.core import ChatKind, Incoming
from bot.db import Database
from bot.fakes.processes import free_port
from bot.faq import ask, get_guesser, get_index
from bot.faq.signing import button_secret, sign_question, signed_question
from bot.models.faq import FaqHandoff, FaqQuestion
from bot.routing import Dispatcher, Services
from content.faq import LANGUAGES, MAX_ID_CHARS, load_faq
from handlers import ROUTERS, faq
from tests.helpers import ChatDriver


@pytest.fixture
def dispatcher(services: Services) -> Dispatcher:
    routers = ROUTERS if faq.router in ROUTERS else [*ROUTERS, faq.router]
    return build_dispatcher(services, routers)


@pytest.fixture
def chat(dispatcher: Dispatcher) -> ChatDriver:
    return ChatDriver(dispatcher)


async def logged(database: Database) -> list[FaqQuestion]:
    async with database.sessions() as session:
        return list(await session.scalars(select(FaqQuestion).order_by(FaqQuestion.id)))


async def handoffs(database: Database) -> list[FaqHandoff]:
    async with database.sessions() as session:
        return list(await session.scalars(select(FaqHandoff)))


async def test_plain_text_gets_the_answer_and_is_logged_without_identity(chat, database):
    await chat.send("giờ mở cửa trạm y tế ạ")
    assert "mở cửa" in chat.text and "7:00" in chat.text
    [row] = await logged(database)
    assert (row.topic, row.outcome, row.text) == (
        "station.hours",
        "answered",
        "giờ mở cửa trạm y tế ạ",
    )
    assert not {"user_id", "chat_id", "channel"} & set(FaqQuestion.model_fields)


async def test_hoi_command_and_empty_hoi(chat):
    await chat.send("/hoi bi cho can phai lam gi")
    assert "115" in chat.text and "phòng dại" in chat.text
    await chat.send("/hoi")
    assert "/hoi" in chat.text


async def test_emergency_words_answer_115_first(chat, database):
    await chat.send("ông tôi đau ngực khó thở quá")
    assert chat.text.startswith("**Gọi 115 ngay**")
    [row] = await logged(database)
    assert row.outcome == "emergency"


async def test_off_topic_gets_a_friendly_health_only_reply(chat):
    await chat.send("kết quả xổ số hôm nay")
    assert "sức khỏe" in chat.text and not chat.buttons


async def test_unsure_offers_topics_then_answers_the_one_picked(chat, database):
    await chat.send("con nhà tôi hay khóc đêm")
    assert chat.text.startswith("Mình chưa chắc câu trả lời")
    topics = [data for data in chat.buttons.values() if data.startswith("faq:t:")]
    assert 2 <= len(topics) <= 3 and "Hỏi cán bộ y tế" in chat.buttons
    picked = topics[0].rsplit(":", 1)[1]
    await chat.press(topics[0])
    assert chat.text == faq.get_index("vi").entries[picked].answer
    [row] = await logged(database)
    assert (row.outcome, row.chosen_topic) == ("unsure", picked)


async def test_ask_staff_stores_the_handoff_once_with_whom_to_answer(chat, database):
    await chat.send("con nhà tôi hay khóc đêm")
    staff_button = chat.buttons["Hỏi cán bộ y tế"]
    await chat.press(staff_button)
    assert "cán bộ" in chat.text and "115" in chat.text
    await chat.press(staff_button)
    [handoff] = await handoffs(database)
    assert (handoff.channel, handoff.chat_id, handoff.user_id, handoff.status) == (
        "web",
        "resident-1",
        "resident-1",
        "open",
    )
    assert handoff.text == (await logged(database))[-1].text


async def test_in_groups_only_when_addressed(dispatcher, database):
    group = ChatDriver(dispatcher, chat_id="group-1", chat_kind=ChatKind.GROUP)
    assert await group.send("giờ mở cửa trạm y tế", addressed=False) == []
    await group.send("@LoaPhuongBot giờ mở cửa trạm y tế", addressed=True)
    assert "mở cửa" in group.text
    await group.send("/hoi số điện thoại trạm", addressed=False)
    assert "0225 3 123 456" in group.text
    assert [row.text for row in await logged(database)] == [
        "giờ mở cửa trạm y tế",
        "số điện thoại trạm",
    ]


async def test_english_speaker_gets_english(dispatcher):
    english = ChatDriver(dispatcher, locale="en")
    await english.send("when is the health station open")
    assert "open" in english.text
    await english.send("my kid cries at night a lot")
    assert "Ask a health worker" in english.buttons


async def test_phone_numbers_are_not_logged(chat, database):
    await chat.send("gọi lại cho tôi số 0912 345 678 về lịch khám")
    [row] = await logged(database)
    assert "0912" not in row.text and "[số điện thoại]" in row.text


async def test_another_chat_cannot_hand_off_or_relabel_someone_elses_question(
    chat, dispatcher, database
):
    await chat.send("con nhà tôi hay khóc đêm")
    staff_button = chat.buttons["Hỏi cán bộ y tế"]
    topic_button = next(data for data in chat.buttons.values() if data.startswith("faq:t:"))
    other = ChatDriver(dispatcher, user_id="resident-2")
    await other.press(staff_button)
    assert "Không tìm thấy câu hỏi" in other.text
    question_id = staff_button.removeprefix("faq:staff:").partition(":")[0]
    await other.press(f"faq:staff:{question_id}:AAAAAAAAAAA")  # a made-up signature
    await other.press(f"faq:staff:{question_id}")  # the old, unsigned form
    assert await handoffs(database) == []
    await other.press(topic_button)
    picked = topic_button.rsplit(":", 1)[1]
    assert other.text == faq.get_index("vi").entries[picked].answer  # the answer is public
    [row] = await logged(database)
    assert row.chosen_topic is None  # but not recorded against someone else's question


async def test_signed_buttons_fit_telegrams_64_bytes(database):
    async with database.sessions() as session:
        secret = await button_secret(session)
        assert await button_secret(session) == secret  # made once, then kept
    incoming = Incoming(channel="telegram", chat_id="-1001234567890", user_id="1")
    question = 999_999_999  # the largest record number a button carries
    signature = sign_question(secret, question, incoming)
    longest = max((e.id for lang in LANGUAGES for e in load_faq(lang)), key=len)
    for topic in (longest, "x" * MAX_ID_CHARS):
        packed = FaqTopicChoice(question, signature, topic).pack()  # refuses > 64 bytes
        assert FaqTopicChoice.parse(packed) == FaqTopicChoice(question, signature, topic)
    assert signed_question(secret, question, signature, incoming) == question


async def test_english_typed_in_a_vietnamese_chat_is_answered_in_english(chat, database):
    await chat.send("what time does the health station open")
    assert chat.text == faq.get_index("en").entries["station.hours"].answer
    await chat.send("tram y te mo cua may gio")  # and the chat stays Vietnamese
    assert chat.text == faq.get_index("vi").entries["station.hours"].answer
    first, second = await logged(database)
    assert (first.language, second.language) == ("en", "vi")


async def test_english_suggestion_picked_in_a_vietnamese_chat_answers_in_english(chat):
    await chat.send("my baby cries every night")
    assert "Ask a health worker" in chat.buttons
    topic = next(data for data in chat.buttons.values() if data.startswith("faq:t:"))
    await chat.press(topic)
    assert chat.text == faq.get_index("en").entries[topic.rsplit(":", 1)[1]].answer


async def test_a_dose_question_is_handed_off_with_a_safe_line_not_a_topic(chat, database):
    await chat.send("bé 2 tuổi tiêu chảy uống oresol mấy gói một ngày")
    assert "115" in chat.text and "cán bộ y tế" in chat.text
    assert list(chat.buttons) == ["Hỏi cán bộ y tế"]
    [row] = await logged(database)
    assert (row.outcome, row.topic) == ("advice", None)
    await chat.press(chat.buttons["Hỏi cán bộ y tế"])
    [handoff] = await handoffs(database)
    assert handoff.text == row.text


async def test_an_english_question_handed_off_is_confirmed_and_kept_in_english(chat, database):
    await chat.send("how many paracetamol tablets can my dad take")
    await chat.press(chat.buttons["Ask a health worker"])
    assert chat.text.startswith("Your question has been passed")
    [handoff] = await handoffs(database)
    assert handoff.language == "en"


async def test_the_faq_is_built_before_the_bot_serves(tmp_path, migrated_sqlite):
    """Built by the first question instead, it held the event loop ~0.3 s: every chat waited."""
    for built_once in (get_guesser, get_index, ask):
        built_once.cache_clear()
    shutil.copyfile(migrated_sqlite, tmp_path / "bot.db")
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    app = LoaPhuong(load_settings(database_url=database_url, web_port=free_port(), _env_file=None))
    try:
        await app.start()
        assert get_guesser.cache_info().currsize == 1
        assert get_index.cache_info().currsize == len(LANGUAGES)
    finally:
        await app.stop()
