"""Every dialogue answered by typing only, in Vietnamese without diacritics; words instead
of slash commands; old buttons; the role re-checked at every step of a staff flow."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.core import Button
from bot.flows import Flow, Step, Typed, read_answer
from bot.models.core import Subscriber
from bot.models.screening import Registration
from bot.models.staff import Alert, RumorReport
from bot.staff import remove_staff
from tests.screening_rows import add_session_row

MENU = {"Đăng ký khám", "Hủy lịch khám", "Chọn chủ đề", "Báo tin đồn", "Xóa dữ liệu"}


@pytest.fixture
async def session_in_to_3(database):
    async with database.sessions() as session:
        return await add_session_row(
            session, date.today() + timedelta(days=7), ["Tổ 3"], capacity=5
        )


async def only(database, model):
    async with database.sessions() as session:
        return list(await session.scalars(select(model)))


async def test_screening_by_typing_only(chat, database, session_in_to_3):
    for typed in ("dang ky kham", "dong y", "cho ban than", "to 3", "nguyen thi hoa", "1950"):
        await chat.send(typed)
    assert "✅ Người cao tuổi" in chat.buttons
    for typed in ("xong", "0912 345 678", "1"):
        await chat.send(typed)
    assert "kiểm tra lại thông tin" in chat.text and "Nguyen Thi Hoa" in chat.text
    await chat.send("xac nhan")
    assert "Đã đăng ký xong" in chat.text
    [row] = await only(database, Registration)
    assert (row.full_name, row.area, row.session_id) == (
        "Nguyen Thi Hoa",
        "Tổ 3",
        session_in_to_3.id,
    )


async def test_typos_numbers_and_yes_words_act_as_buttons(chat, session_in_to_3):
    await chat.send("/dangky")
    await chat.send("ok")
    assert "cho ai" in chat.text
    await chat.send("2")  # the second button: a relative
    assert "Người thân của bà con" in chat.text
    await chat.send("quay lai")
    await chat.send("Cho ban thân")
    await chat.send("tổ 3")
    assert "Họ và tên đầy đủ của bà con" in chat.text


@pytest.mark.parametrize("typed", ["đăng kí khám", "dang ki", "Đăng Ký Khám ạ"])
async def test_both_spellings_of_dang_ky_start_registration(chat, typed):
    await chat.send(typed)
    assert "Bà con có đồng ý không?" in chat.text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("đc", "cho ai"), ("hok", "không lưu"), ("👍", "cho ai"), ("Đồng ý ạ 🙏", "cho ai")],
)
async def test_chat_shorthand_answers_yes_or_no(chat, typed, expected):
    await chat.send("/dangky")
    await chat.send(typed)
    assert expected in chat.text


@pytest.mark.parametrize(
    "typed", ["tre em, tiem chung", "3 7", "Trẻ em và tiêm chủng", "tre con, chich ngua"]
)
async def test_several_topics_typed_at_once_are_each_chosen(chat, database, typed):
    await chat.send("/chude")
    await chat.send(typed)
    assert {"✅ Trẻ em", "✅ Tiêm chủng", "✅ Tin chung"} <= set(chat.buttons)
    assert len(chat.last) == 1 and "Đang chọn: Tin chung, Trẻ em, Tiêm chủng" in chat.text


async def test_several_groups_typed_at_once_in_registration(chat, session_in_to_3):
    for typed in ("/dangky", "dong y", "cho ban than", "to 3", "nguyen thi hoa", "1950"):
        await chat.send(typed)
    await chat.send("ho ngheo, nguoi khuyet tat")
    assert {"✅ Người cao tuổi", "✅ Hộ nghèo", "✅ Người khuyết tật"} <= set(chat.buttons)


async def test_a_list_naming_more_than_toggles_is_read_as_one_answer(chat):
    await chat.send("/chude")
    await chat.send("tre em, xong")  # "Xong" is no toggle: the list is not pressed through
    assert "tổ dân phố nào" not in chat.text and "✅ Trẻ em" in chat.buttons


async def test_an_answer_matching_two_buttons_asks_which(chat):
    await chat.send("/dangky")
    await chat.send("dong y")
    await chat.send("than")
    assert "“Cho bản thân” hay “Cho người thân”" in chat.text
    assert set(chat.buttons) == {"Cho bản thân", "Cho người thân"}


async def test_an_answer_matching_no_button_re_asks_briefly(chat):
    await chat.send("/dangky")
    await chat.send("de toi nghi da")
    assert "chưa hiểu" in chat.text and "1. Đồng ý" in chat.text
    assert "/xoadulieu" not in chat.text  # the consent text is not repeated
    assert set(chat.buttons) == {"Đồng ý", "Không"}


async def test_a_question_is_not_taken_for_a_name_and_names_are_title_cased(chat, session_in_to_3):
    await chat.send("/dangky")
    await chat.send("dong y")
    await chat.send("cho ban than")
    await chat.send("to 3")
    await chat.send("trạm mở cửa mấy giờ vậy")
    assert "chỉ gồm chữ" in chat.text
    await chat.send("tran  van   binh")
    assert "Năm sinh" in chat.text


async def test_subscribe_and_language_by_typing_only(chat, database):
    await chat.send("/start")
    await chat.send("chu de")
    await chat.send("tre em")
    assert "✅ Trẻ em" in chat.buttons
    for typed in ("xong", "to 3", "tieng viet"):
        await chat.send(typed)
    assert "Đã lưu" in chat.text and "Tổ dân phố: Tổ 3" in chat.text
    [subscriber] = await only(database, Subscriber)
    assert (subscriber.area, subscriber.language) == ("Tổ 3", "vi")


async def test_english_from_the_greeting_goes_on_to_the_area_question(chat, database):
    await chat.send("/start")
    await chat.send("english")
    assert "Which neighbourhood" in chat.text and "Tổ 3" in chat.buttons
    await chat.send("to 3")
    assert "Neighbourhood: Tổ 3" in chat.text
    [subscriber] = await only(database, Subscriber)
    assert (subscriber.area, subscriber.language) == ("Tổ 3", "en")


async def test_a_poster_link_preselects_the_area(chat, database):
    await chat.send("/start to3")
    assert "Tổ 3" in chat.text
    [subscriber] = await only(database, Subscriber)
    assert subscriber.area == "Tổ 3"


async def test_rumour_and_privacy_by_typing_only(chat, database):
    await chat.send("/start")
    await chat.send("bao tin don")
    await chat.send("uong nuoc la chua khoi lao")
    assert "đã nhận tin báo" in chat.text
    assert len(await only(database, RumorReport)) == 1
    await chat.send("xoa du lieu")
    assert "không hoàn tác" in chat.text
    await chat.send("dong y")
    assert "Đã xóa dữ liệu" in chat.text
    assert await only(database, Subscriber) == []


async def test_typed_no_keeps_the_data(chat, database):
    await chat.send("/start")
    await chat.send("xoa du lieu")
    await chat.send("khong")
    assert "không xóa gì" in chat.text
    assert len(await only(database, Subscriber)) == 1


def test_free_text_containing_a_label_is_free_text_where_text_is_asked():
    async def ask(_ctx):  # pragma: no cover - only read, never asked
        raise AssertionError

    back = Button("Quay lại", "demo:back")
    flow = Flow("demo", steps={}, started_by={}, back_data="demo:back")
    typing = Step(ask, typed=Typed(ask))
    choosing = Step(ask)
    said = "Bà con quay lại trạm vào thứ Hai"
    assert read_answer(said, typing, flow, [back]) == []
    assert read_answer(said, choosing, flow, [back]) == [back]
    assert read_answer("quay lai", typing, flow, [back]) == [back]


async def test_an_alert_by_typing_only(staff_chat, database):
    await staff_chat.send("/canhbao")
    await staff_chat.send("Phun thuốc muỗi Tổ 3 sáng mai")
    for typed in ("mot to dan pho", "to 3", "thuong"):
        await staff_chat.send(typed)
    assert "Duyệt và gửi" in staff_chat.buttons
    [alert] = await only(database, Alert)
    assert '"Tổ 3"' in alert.target


async def test_a_staff_member_removed_mid_dialogue_cannot_finish_it(staff_chat, database):
    await staff_chat.send("/canhbao Phun thuốc muỗi")
    await staff_chat.press("alert:target:all")
    async with database.sessions() as session:
        assert await remove_staff(session, "lan")
        await session.commit()
    await staff_chat.press("alert:urgent:0")
    assert "chỉ dành cho cán bộ" in staff_chat.text
    await staff_chat.send("thuong")
    assert await only(database, Alert) == []


async def test_a_button_of_a_finished_flow_is_old_and_shows_the_menu(chat):
    await chat.send("/xoadulieu")
    await chat.send("khong")
    await chat.press("privacy:erase")
    assert "Nút này đã cũ" in chat.text and set(chat.buttons) == MENU


async def test_greetings_thanks_and_help_offer_the_menu(chat):
    for typed in ("chào bạn", "cảm ơn nhiều nhé", "/trogiup", "tro giup"):
        await chat.send(typed)
        assert set(chat.buttons) >= MENU, typed
    await chat.press(chat.button_data("Đăng ký khám"))
    assert "Bà con có đồng ý không?" in chat.text


async def test_an_faq_answer_carries_the_button_it_mentions(chat):
    await chat.send("làm sao để đăng ký khám sức khỏe miễn phí cho người già")
    assert "/dangky" in chat.text and "Đăng ký khám" in chat.buttons


async def test_the_topics_offered_under_an_unsure_answer_can_be_typed(chat):
    await chat.send("/start")
    await chat.send("ko hieu")
    offered = list(chat.buttons)
    assert "Hỏi cán bộ y tế" in offered
    await chat.send("2")
    assert "Mình chưa chắc" not in chat.text and len(chat.text) > 80  # the second topic
    await chat.send("ko hieu")
    await chat.send("hoi can bo y te")
    assert "Đã chuyển câu hỏi cho cán bộ" in chat.text
    await chat.send("tram y te mo cua may gio")  # not an offered button: a new question
    assert "mở cửa" in chat.text


async def test_residents_words_for_a_topic_choose_it(chat):
    await chat.send("/chude")
    await chat.send("nguoi gia")
    assert "✅ Người cao tuổi" in chat.buttons
