"""Staff alerts: the /canhbao dialogue, second approval for urgent ones, outbox rows, cancel."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.alerts import AlertError, AlertTarget, approve_alert, cancel_alert, draft_alert
from bot.models.outbox import OutboxMessage
from bot.models.staff import Alert
from tests.helpers import ChatDriver


async def residents(dispatcher, *areas: str) -> None:
    for number, area in enumerate(areas):
        resident = ChatDriver(dispatcher, user_id=f"resident-{number}")
        await resident.send("/start")
        await resident.press("sub:done")
        await resident.press(f"area:{area}")


async def outbox_rows(database) -> list[OutboxMessage]:
    async with database.sessions() as session:
        return list(await session.scalars(select(OutboxMessage)))


async def test_resident_cannot_start_an_alert(chat):
    await chat.send("/canhbao Có dịch")
    assert "chỉ dành cho cán bộ" in chat.text


async def test_normal_alert_to_one_area_goes_to_that_area_only(dispatcher, staff_chat, database):
    await residents(dispatcher, "Tổ 1", "Tổ 3", "Tổ 3")
    await staff_chat.send("/canhbao")
    await staff_chat.send("Nước máy Tổ 3 bị đục, bà con đun sôi trước khi uống.")
    await staff_chat.press("alert:target:areas")
    await staff_chat.press("alert:area:Tổ 3")
    await staff_chat.press("alert:urgent:0")
    preview, approval = staff_chat.last
    assert "📢 **Thông báo**" in preview.text and "đun sôi" in preview.text
    assert "Tổ 3" in approval.text
    await staff_chat.press(staff_chat.button_data("Duyệt và gửi"))
    assert "đang gửi" in staff_chat.text
    rows = await outbox_rows(database)
    assert sorted(row.chat_id for row in rows) == ["resident-1", "resident-2"]
    await staff_chat.press(staff_chat.button_data("Xem tiến độ"))
    assert "0/2" in staff_chat.text


async def test_urgent_alert_needs_a_second_staff_member(dispatcher, staff_chat, database):
    await residents(dispatcher, "Tổ 1")
    await staff_chat.send("/canhbao Sốt xuất huyết tăng mạnh, diệt lăng quăng ngay.")
    await staff_chat.press("alert:target:all")
    await staff_chat.press("alert:urgent:1")
    assert "cán bộ khác duyệt" in staff_chat.text
    assert "Duyệt và gửi" not in staff_chat.buttons
    async with database.sessions() as session:
        alert_id = await session.scalar(select(Alert.id))
    colleague = ChatDriver(dispatcher, user_id="9001", channel="telegram")
    await colleague.send(f"/duyet {alert_id}")
    assert "🚨 **CẢNH BÁO KHẨN**" in colleague.last[0].text
    await colleague.press(f"alert:approve:{alert_id}")
    rows = await outbox_rows(database)
    assert len(rows) == 1 and rows[0].priority > 0
    async with database.sessions() as session:
        alert = await session.get(Alert, alert_id)
    assert (alert.status, alert.drafted_by, alert.approved_by) == (
        "sent",
        "web:staff-1",
        "telegram:9001",
    )


async def test_drafter_cannot_approve_own_urgent_alert(database, settings):
    async with database.sessions() as session:
        alert = await draft_alert(
            session, text="Khẩn", target=AlertTarget(), urgent=True, drafted_by="lan"
        )
        with pytest.raises(AlertError):
            await approve_alert(session, alert.id, "lan", settings)
        await approve_alert(session, alert.id, "minh", settings)
        with pytest.raises(AlertError):
            await approve_alert(session, alert.id, "minh", settings)


async def test_cancel_withdraws_what_is_not_yet_sent(dispatcher, database, settings):
    await residents(dispatcher, "Tổ 1", "Tổ 2")
    async with database.sessions() as session:
        alert = await draft_alert(
            session, text="Tin thường", target=AlertTarget(), urgent=False, drafted_by="lan"
        )
        await approve_alert(session, alert.id, "lan", settings)
        assert await cancel_alert(session, alert.id, "lan") == 2
        pending = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
        )
    assert pending == 0


async def test_empty_alert_text_is_refused(database):
    async with database.sessions() as session:
        with pytest.raises(AlertError):
            await draft_alert(
                session, text="  ", target=AlertTarget(), urgent=False, drafted_by="lan"
            )
