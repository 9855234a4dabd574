"""/dangky and /huy over the web chat, through the real dispatcher and a real SQLite file."""

from __future__ import annotations

import logging
import unicodedata
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bot.app import build_dispatcher
from bot.config import load_settings
from bot.db import Database
from bot.logs import setup_logging
from bot.models.core import DialogueStateRow, Subscriber
from bot.models.screening import Registration, ScreeningSession
from bot.routing import Services
from bot.state import SqlStateStorage
from tests.helpers import ChatDriver
from tests.screening_rows import add_session_row

NAME = "Nguyễn Thị Mai"
PHONE_TYPED = "0912 345 678"
PHONE = "0912345678"
IN_A_WEEK = date.today() + timedelta(days=7)

# The question each step asks, by a phrase only it contains: the tổ comes first, so a
# resident learns at once whether it has a session.
QUESTIONS = [
    "Bà con có đồng ý không?",
    "đăng ký khám cho ai",
    "tổ dân phố nào",
    "Họ và tên đầy đủ",
    "Năm sinh? Ví dụ",
    "thuộc đối tượng nào",
    "Số điện thoại di động",
    "Các buổi khám cho Tổ 3",
    "kiểm tra lại thông tin",
]


async def answer(chat: ChatDriver, step: int) -> None:
    """Give the valid answer to question number `step` (0 = consent)."""
    if step == 0:
        await chat.press("screening:consent:yes")
    elif step == 1:
        await chat.press("screening:who:self")
    elif step == 2:
        await chat.send("to 3")
    elif step == 3:
        await chat.send(NAME)
    elif step == 4:
        await chat.send("1950")
    elif step == 5:
        await chat.press("screening:group:ho_ngheo")
        await chat.press("screening:groups_done")
    elif step == 6:
        await chat.send(PHONE_TYPED)
    elif step == 7:
        await chat.press(chat.button_data("1."))


async def reach(chat: ChatDriver, step: int) -> None:
    await chat.send("/dangky")
    for done in range(step):
        await answer(chat, done)
    assert QUESTIONS[step] in chat.text


@pytest.fixture
async def sessions(database: Database) -> list[ScreeningSession]:
    async with database.sessions() as session:
        return [
            await add_session_row(
                session, IN_A_WEEK, ["Tổ 3", "Tổ 4"], capacity=20, place="Nhà văn hóa tổ 3"
            ),
            await add_session_row(session, IN_A_WEEK + timedelta(days=1), ["Tổ 3"], capacity=1),
            await add_session_row(session, IN_A_WEEK, ["Tổ 5"], capacity=20),
        ]


async def registrations(database: Database) -> list[Registration]:
    async with database.sessions() as session:
        return list(await session.scalars(select(Registration)))


async def seats_taken(database: Database, session_id: int | None) -> int:
    async with database.sessions() as session:
        held = await session.get(ScreeningSession, session_id)
        assert held is not None
        return held.seats_taken


async def dialogue_rows(database: Database) -> int:
    async with database.sessions() as session:
        return await session.scalar(select(func.count()).select_from(DialogueStateRow)) or 0


async def test_happy_path_gives_a_code_and_stores_one_normal_registration(chat, database, sessions):
    await chat.send("/start")
    await chat.press("screening:start")
    assert "/xoadulieu" in chat.text and set(chat.buttons) == {"Đồng ý", "Không"}
    await chat.press("screening:consent:yes")
    await chat.press("screening:who:self")
    await chat.send("to 3")
    assert "Tổ 3 có 2 buổi khám còn chỗ" in chat.text  # said before any personal question
    await chat.send(NAME)
    await chat.send("1950")
    age = date.today().year - 1950
    assert f"({age} tuổi)" in chat.text
    assert "✅ Người cao tuổi" in chat.buttons  # pre-ticked from the age
    await chat.press("screening:group:ho_ngheo")
    assert "✅ Hộ nghèo" in chat.buttons
    await chat.press("screening:groups_done")
    await chat.send(PHONE_TYPED)
    assert "Nhà văn hóa tổ 3" in chat.text and "còn 20 chỗ" in chat.text
    assert "còn 1 chỗ" in chat.text
    assert not any("Tổ 5" in label for label in chat.buttons)
    await chat.press(f"screening:session:{sessions[0].id}")
    for shown in (NAME, "1950", "Người cao tuổi, Hộ nghèo", "Tổ 3", PHONE, "07:30"):
        assert shown in chat.text
    await chat.press("screening:confirm")

    [row] = await registrations(database)
    assert f"Mã đăng ký: **{row.code}**" in chat.text and "/huy" in chat.text
    # a 07:30 session: the evening reminder only (tests/test_screening_when.py has the rest)
    assert "nhắc vào tối hôm trước" in chat.text and "sáng hôm khám" not in chat.text
    assert (row.full_name, row.birth_year, row.phone, row.area) == (NAME, 1950, PHONE, "Tổ 3")
    assert row.groups == ["nguoi_cao_tuoi", "ho_ngheo"]
    assert (row.status, row.for_relative, row.session_id) == ("registered", False, sessions[0].id)
    assert row.consent_at <= row.created_at
    assert await seats_taken(database, sessions[0].id) == 1
    assert await dialogue_rows(database) == 0
    async with database.sessions() as session:
        [subscriber] = await session.scalars(select(Subscriber))
    assert subscriber.phone == PHONE


async def test_saying_no_to_consent_stores_nothing(chat, database, sessions):
    await chat.send("/dangky")
    await chat.press("screening:consent:no")
    assert "không lưu" in chat.text
    assert await registrations(database) == []
    assert await dialogue_rows(database) == 0
    async with database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Subscriber)) == 0


async def test_a_relative_is_registered_from_the_same_account(chat, database, sessions):
    await reach(chat, 1)
    await chat.press("screening:who:relative")
    assert "Người thân" in chat.text
    for step in range(2, 9):
        await answer(chat, step)
    await chat.press("screening:confirm")
    [row] = await registrations(database)
    assert row.for_relative and row.code in chat.text


@pytest.mark.parametrize("step", range(1, 9))
async def test_back_shows_the_previous_question(chat, sessions, step):
    await reach(chat, step)
    await chat.press("screening:back")
    assert QUESTIONS[step - 1] in chat.text


@pytest.mark.parametrize("step", range(1, 9))
async def test_cancel_forgets_the_answers_at_every_step(chat, database, sessions, step):
    await reach(chat, step)
    await chat.press("screening:cancel")
    assert "Đã hủy" in chat.text
    assert await dialogue_rows(database) == 0
    assert await registrations(database) == []


async def test_back_keeps_earlier_answers_and_the_dialogue_finishes(chat, database, sessions):
    await reach(chat, 8)
    await chat.press("screening:back")
    await chat.press("screening:back")
    assert QUESTIONS[6] in chat.text
    await chat.send("+84987654321")
    await chat.press(f"screening:session:{sessions[1].id}")
    await chat.press("screening:confirm")
    [row] = await registrations(database)
    assert (row.full_name, row.phone, row.session_id) == (NAME, "0987654321", sessions[1].id)


@pytest.mark.parametrize("typed", ["năm ngoái", "1850", "2999", "19 50", "1950 hoặc 1951"])
async def test_an_impossible_birth_year_is_asked_again(chat, sessions, typed):
    await reach(chat, 4)
    await chat.send(typed)
    assert "4 chữ số" in chat.text and QUESTIONS[4] in chat.text
    await chat.send("năm 1948")
    assert "thuộc đối tượng nào" in chat.text


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("12345", "chưa đúng"),
        ("0243 826 1234", "không phải số di động"),
        ("+1 650 253 0000", "chưa đúng"),
        ("số của tôi", "chưa đúng"),
    ],
)
async def test_a_wrong_phone_is_asked_again(chat, sessions, typed, said):
    await reach(chat, 6)
    await chat.send(typed)
    assert said in chat.text and QUESTIONS[6] in chat.text


@pytest.mark.parametrize("typed", ["0912 345 678", "+84912345678", "84912345678", "0912.345.678"])
async def test_every_phone_form_is_stored_in_one_normal_form(chat, database, sessions, typed):
    await reach(chat, 6)
    await chat.send(typed)
    await answer(chat, 7)
    await chat.press("screening:confirm")
    [row] = await registrations(database)
    assert row.phone == PHONE


async def test_a_name_with_digits_is_asked_again(chat, sessions):
    await reach(chat, 3)
    await chat.send("Mai 123")
    assert "chỉ gồm chữ" in chat.text


async def test_a_name_typed_with_decomposed_accents_is_kept_composed(chat, database, sessions):
    await reach(chat, 3)
    await chat.send(unicodedata.normalize("NFD", NAME))
    assert QUESTIONS[4] in chat.text
    for step in range(4, 8):
        await answer(chat, step)
    await chat.press("screening:confirm")
    [row] = await registrations(database)
    assert row.full_name == NAME


@pytest.mark.parametrize(("step", "typed"), [(2, "hủy"), (3, "Huy"), (5, "thôi"), (6, "HỦY")])
async def test_typed_cancel_words_cancel_like_the_button(chat, database, sessions, step, typed):
    await reach(chat, step)
    await chat.send(typed)
    assert "Đã hủy" in chat.text
    assert await dialogue_rows(database) == 0


@pytest.mark.parametrize("step", [2, 3, 5, 6])
async def test_typed_back_goes_back_like_the_button(chat, sessions, step):
    await reach(chat, step)
    await chat.send("Quay lại")
    assert QUESTIONS[step - 1] in chat.text


async def test_the_area_question_names_the_relative(chat, sessions):
    await reach(chat, 1)
    await chat.press("screening:who:relative")
    assert "Người thân của bà con ở tổ dân phố nào" in chat.text
    assert "Tổ 3" in chat.buttons


@pytest.mark.parametrize(
    ("typed", "relative"),
    [("cho mẹ tôi", True), ("Bố em ạ", True), ("ông bà nội", True), ("cho minh", False)],
)
async def test_who_is_registered_can_be_typed(chat, sessions, typed, relative):
    await reach(chat, 1)
    await chat.send(typed)
    assert "tổ dân phố nào" in chat.text  # understood: the next question
    assert ("Người thân của bà con" in chat.text) is relative


async def test_typed_text_where_buttons_are_expected_shows_them_again(chat, sessions):
    await reach(chat, 1)
    await chat.send("hôm nay")
    assert "bấm một nút" in chat.text and "Cho bản thân" in chat.buttons


async def test_an_old_button_re_asks_the_current_question(chat, sessions):
    await reach(chat, 3)
    await chat.press("screening:who:relative")
    assert QUESTIONS[3] in chat.text
    await chat.send("/huy")
    await chat.press("screening:confirm")
    assert QUESTIONS[3] in chat.text  # the dialogue is still where it was


async def test_a_restart_mid_dialogue_resumes_at_the_same_step(settings, database, sessions):
    first = ChatDriver(
        build_dispatcher(Services(settings, database.sessions, SqlStateStorage(database.sessions)))
    )
    await reach(first, 2)
    await database.close()

    restarted = Database(settings.database_url)
    try:
        services = Services(settings, restarted.sessions, SqlStateStorage(restarted.sessions))
        chat = ChatDriver(build_dispatcher(services))
        await chat.send("Tổ 3")
        assert QUESTIONS[3] in chat.text
        for step in range(3, 8):
            await answer(chat, step)
        await chat.press("screening:confirm")
        async with restarted.sessions() as session:
            [row] = await session.scalars(select(Registration))
        assert (row.full_name, row.area) == (NAME, "Tổ 3") and row.code in chat.text
    finally:
        await restarted.close()


async def register_mai_again(chat: ChatDriver) -> None:
    """Mai once more, typed differently, up to the phone (where a repeat is recognised)."""
    await reach(chat, 2)
    await chat.send("Tổ 3")
    await chat.send("nguyen thi  MAI")
    await chat.send("1950")
    await chat.press("screening:groups_done")
    await chat.send("+84912345678")


async def test_registering_the_same_person_again_is_recognised(dispatcher, database, sessions):
    first = ChatDriver(dispatcher, user_id="mai")
    await reach(first, 8)
    await first.press("screening:confirm")
    [row] = await registrations(database)

    await register_mai_again(first)
    assert "đã đăng ký" in first.text and row.code in first.text and "/huy" in first.text
    assert len(await registrations(database)) == 1
    assert await seats_taken(database, sessions[0].id) == 1


async def test_another_account_learns_only_that_the_person_is_registered(
    dispatcher, database, sessions
):
    first = ChatDriver(dispatcher, user_id="mai")
    await reach(first, 8)
    await first.press("screening:confirm")
    [row] = await registrations(database)

    # A grandchild registers her again from another account: no code, date or place for them.
    again = ChatDriver(dispatcher, user_id="chau")
    await register_mai_again(again)
    assert "đã có tên trong đợt khám này" in again.text and "0225 3 123 456" in again.text
    for private in (row.code, "Nhà văn hóa", "/huy", f"{IN_A_WEEK:%Y}"):
        assert private not in again.text
    assert len(await registrations(database)) == 1 and await dialogue_rows(database) == 0


async def test_full_sessions_are_not_offered(chat, database, sessions):
    async with database.sessions() as session:
        held = await session.get(ScreeningSession, sessions[1].id)
        assert held is not None
        held.seats_taken = held.capacity
        await session.commit()
    await reach(chat, 7)
    assert f"screening:session:{sessions[1].id}" not in chat.buttons.values()
    assert f"screening:session:{sessions[0].id}" in chat.buttons.values()


async def test_no_open_session_for_the_area_says_so_at_once_and_offers_the_list(
    chat, database, sessions
):
    await reach(chat, 2)
    await chat.send("Tổ 9")
    assert "chưa có buổi khám nào còn chỗ cho Tổ 9" in chat.text  # before any personal data
    assert "0225 3 123 456" in chat.text
    assert set(chat.buttons) == {"Nhắn tôi khi có lịch", "Chọn tổ khác", "Hủy"}
    await chat.send("chon to khac")
    assert QUESTIONS[2] in chat.text
    await chat.send("to 9")
    await chat.send("nhan toi khi co lich")
    assert "Khi trạm mở buổi khám cho Tổ 9" in chat.text
    assert await dialogue_rows(database) == 0


async def test_huy_lists_upcoming_registrations_and_frees_the_seat(chat, database, sessions):
    await reach(chat, 8)
    await chat.press("screening:confirm")
    [row] = await registrations(database)
    await chat.send("/huy")
    assert row.code in chat.text and NAME in chat.text
    await chat.press(chat.button_data(f"{NAME}, ngày {IN_A_WEEK:%d/%m}"))
    assert "Hủy lịch khám mã" in chat.text and NAME in chat.text  # asks first
    assert await seats_taken(database, sessions[0].id) == 1
    await chat.press(chat.button_data("Hủy lịch này"))
    assert "Đã hủy lịch khám" in chat.text
    [row] = await registrations(database)
    assert row.status == "cancelled"
    assert await seats_taken(database, sessions[0].id) == 0
    await chat.send("/huy")
    assert "chưa có lịch khám" in chat.text


@pytest.mark.parametrize(("pick", "answer", "status"), [("1", "có", "cancelled"),
                         (NAME.lower(), "khong", "registered"), ("1", "1", "cancelled")])  # fmt: skip
async def test_huy_by_typing_only(chat, database, sessions, pick, answer, status):
    await reach(chat, 8)
    await chat.press("screening:confirm")
    await chat.send("huy lich")
    await chat.send(pick)
    assert "Hủy lịch khám mã" in chat.text
    await chat.send(answer)
    [row] = await registrations(database)
    assert row.status == status
    await chat.send("tram y te mo cua may gio")  # the dialogue is over: a question again
    assert "mở cửa" in chat.text


async def test_another_account_cannot_cancel_my_registration(dispatcher, database, sessions):
    mine = ChatDriver(dispatcher, user_id="mai")
    await reach(mine, 8)
    await mine.press("screening:confirm")
    [row] = await registrations(database)
    other = ChatDriver(dispatcher, user_id="someone")
    await other.send("/start")
    await other.press(f"screening:drop:{row.id}")
    assert "đã được hủy hoặc đã qua" in other.text and NAME not in other.text
    await other.press(f"screening:dropok:{row.id}")
    assert "đã được hủy hoặc đã qua" in other.text
    assert (await registrations(database))[0].status == "registered"


async def test_english_speaking_residents_get_the_dialogue_in_english(chat, sessions):
    chat.locale = "en"
    await chat.send("/dangky")
    assert "Agree" in chat.buttons and "/xoadulieu" in chat.text


@pytest.fixture
def production_logging():
    """The bot's own logging set-up at DEBUG (database loggers pinned as in production)."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    setup_logging(load_settings(log_level="DEBUG", _env_file=None))
    yield
    root.handlers[:], root.level = saved


async def test_a_full_registration_logs_no_name_or_phone(
    chat, sessions, production_logging, caplog
):
    caplog.set_level(logging.DEBUG)
    await reach(chat, 8)
    await chat.press("screening:confirm")
    await chat.send("/huy")
    await chat.press(chat.button_data(NAME))
    await chat.press(chat.button_data("Hủy lịch này"))
    assert "Đã hủy lịch khám" in chat.text
    assert "screening: registration" in caplog.text  # something was logged
    for private in (NAME, "Mai", PHONE, PHONE_TYPED, "912345678"):
        assert private not in caplog.text
