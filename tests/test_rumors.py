"""Rumor reports: a resident reports, staff see similar reports grouped, reporters are told."""

from __future__ import annotations

from sqlalchemy import select

from bot.models.outbox import OutboxMessage
from bot.models.staff import Alert, RumorReport
from tests.helpers import ChatDriver


async def test_report_then_false_verdict_then_alert(dispatcher, staff_chat, database):
    first = ChatDriver(dispatcher, user_id="r1")
    second = ChatDriver(dispatcher, user_id="r2")
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
    assert "2 người báo" in staff_chat.text

    async with database.sessions() as session:
        told = list(await session.scalars(select(OutboxMessage)))
        reports = list(await session.scalars(select(RumorReport).order_by(RumorReport.id)))
    assert sorted(row.chat_id for row in told) == ["r1", "r2"]
    assert [r.verdict for r in reports] == ["false", "false", None]

    await staff_chat.press(staff_chat.button_data("đính chính cho cả phường"))
    assert "Đính chính" in staff_chat.last[0].text
    async with database.sessions() as session:
        alert = await session.scalar(select(Alert))
    assert alert.status == "draft" and "cơ sở y tế" in alert.text


async def test_false_verdict_needs_a_correction(dispatcher, staff_chat):
    await ChatDriver(dispatcher, user_id="r1").send("/baotin tin lạ")
    await staff_chat.send("/tindon")
    await staff_chat.press(staff_chat.last[0].buttons[1].data)
    await staff_chat.send("   ")
    assert "đính chính" in staff_chat.text


async def test_only_staff_see_the_queue(chat):
    await chat.send("/tindon")
    assert "chỉ dành cho cán bộ" in chat.text


async def test_empty_report_is_asked_again(chat):
    await chat.send("/baotin")
    await chat.send("   ")
    assert "trống" in chat.text
