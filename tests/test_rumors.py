"""Rumor reports: a resident reports, staff see similar reports grouped, reporters are told."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.models.core import Subscriber
from bot.models.outbox import OutboxMessage
from bot.models.staff import Alert, RumorReport
from tests.helpers import ChatDriver


@pytest.fixture
def staff_chat(dispatcher) -> ChatDriver:
    """A staff member on Telegram (STAFF_IDS in tests/conftest.py)."""
    return ChatDriver(dispatcher, user_id="9001", channel="telegram")


async def subscribed(dispatcher, user_id: str) -> ChatDriver:
    resident = ChatDriver(dispatcher, user_id=user_id)
    await resident.send("/start")
    return resident


async def test_report_then_false_verdict_then_alert(dispatcher, staff_chat, database):
    first = await subscribed(dispatcher, "r1")
    second = await subscribed(dispatcher, "r2")
    await first.send("/baotin")
    await first.send("Uống nước lá tía tô chữa khỏi sốt xuất huyết, không cần đi viện!")
    assert "mã TD-" in first.text
    await second.send("/baotin uong nuoc la tia to chua khoi sot xuat huyet khong can di vien")
    await ChatDriver(dispatcher, user_id="r3").send(
        "/baotin Trạm phát khẩu trang miễn phí ngày mai"
    )

    await staff_chat.send("/tindon")
    assert len(staff_chat.last) == 2
    assert "(2 người báo)" in staff_chat.last[0].text
    await staff_chat.press(staff_chat.last[0].buttons[1].data)
    await staff_chat.send("Sốt xuất huyết cần được khám và theo dõi tại cơ sở y tế (Bộ Y tế).")
    assert "nhắn cho 2/2 người báo" in staff_chat.text

    async with database.sessions() as session:
        told = list(await session.scalars(select(OutboxMessage)))
        reports = list(await session.scalars(select(RumorReport).order_by(RumorReport.id)))
    assert sorted(row.chat_id for row in told) == ["r1", "r2"]
    assert [r.verdict for r in reports] == ["false", "false", None]

    make_alert = staff_chat.button_data("đính chính cho cả phường")
    await staff_chat.press(make_alert)
    assert "Đính chính" in staff_chat.last[0].text
    assert "Duyệt và gửi" in staff_chat.buttons  # the same approval step as /canhbao
    await staff_chat.press(make_alert)  # pressed again: the same draft, not a second one
    async with database.sessions() as session:
        [alert] = list(await session.scalars(select(Alert)))
    assert alert.status == "draft" and "cơ sở y tế" in alert.text
    assert f"Bản nháp số {alert.id}" in staff_chat.text


async def test_a_blank_correction_is_asked_again(dispatcher, staff_chat):
    await ChatDriver(dispatcher, user_id="r1").send("/baotin tin lạ")
    await staff_chat.send("/tindon")
    await staff_chat.press(staff_chat.last[0].buttons[1].data)
    await staff_chat.send("   ")
    assert "Nội dung đính chính đang trống" in staff_chat.text
    assert "Gửi đính chính cho cả phường" not in staff_chat.buttons
    await staff_chat.send("Trạm không phát thuốc tại nhà (Trạm Y tế phường).")
    assert "Đã ghi kết luận" in staff_chat.text
    assert "Gửi đính chính cho cả phường" in staff_chat.buttons


async def test_an_unknown_report_is_not_found(staff_chat):
    await staff_chat.press("rumor:true:999")
    assert staff_chat.text == "Không có tin báo số 999."
    await staff_chat.press("rumor:checking:99999999999999999999999")
    assert staff_chat.text == "Không tìm thấy tin báo này."
    await staff_chat.press("rumor:false:99999999999999999999999")
    assert staff_chat.text == "Không tìm thấy tin báo này."


async def test_staff_hear_who_could_not_be_told(dispatcher, staff_chat, database):
    stays = await subscribed(dispatcher, "r1")
    leaves = await subscribed(dispatcher, "r2")
    await stays.send("/baotin Ăn tỏi sống phòng được cúm gia cầm")
    await leaves.send("/baotin an toi song phong duoc cum gia cam")
    await leaves.send("/dungnhan")
    await staff_chat.send("/tindon")
    await staff_chat.press(staff_chat.last[0].buttons[2].data)  # checking
    assert "nhắn cho 1/2 người báo" in staff_chat.text
    assert "1 người không nhắn được" in staff_chat.text
    async with database.sessions() as session:
        assert [row.chat_id for row in await session.scalars(select(OutboxMessage))] == ["r1"]


async def test_reporting_does_not_subscribe_anyone(dispatcher, database):
    stranger = ChatDriver(dispatcher, user_id="passer-by")
    await stranger.send("/baotin Uống nước muối chữa khỏi cúm")
    assert "mã TD-" in stranger.text and "/start" in stranger.text
    async with database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Subscriber)) == 0


async def test_only_staff_see_the_queue(chat):
    await chat.send("/tindon")
    assert "chỉ dành cho cán bộ" in chat.text


async def test_empty_report_is_asked_again(chat):
    await chat.send("/baotin")
    await chat.send("   ")
    assert "trống" in chat.text
