"""Staff alerts: the /canhbao dialogue, second approval for urgent ones, outbox rows, cancel,
targets checked against the station's content, bad input answered in Vietnamese."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from bot.alerts import AlertError, AlertTarget, approve_alert, cancel_alert, draft_alert
from bot.models.outbox import Broadcast, OutboxMessage
from bot.models.staff import Alert
from tests.helpers import ChatDriver

FAILED = "trục trặc"  # the dispatcher's answer to an exception


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
    assert (alert.status, alert.drafted_by, alert.approved_by) == ("sent", "lan", "telegram:9001")


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
        _alert, withdrawn = await cancel_alert(session, alert.id, "lan")
        assert withdrawn == 2
        pending = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
        )
    assert pending == 0


@pytest.mark.parametrize("text", ["  ", "***", "---", "- "])
async def test_an_alert_with_nothing_to_read_is_refused(database, text):
    async with database.sessions() as session:
        with pytest.raises(AlertError, match="trống"):
            await draft_alert(
                session, text=text, target=AlertTarget(), urgent=False, drafted_by="lan"
            )


async def test_a_browser_naming_itself_staff_is_not_staff(dispatcher):
    """A browser may call itself anything: only a signed-in account's identity is staff."""
    stranger = ChatDriver(dispatcher, user_id="staff:99")  # no such account
    await stranger.send("/canhbao Có dịch")
    assert "chỉ dành cho cán bộ" in stranger.text


@pytest.mark.parametrize(
    ("action", "answer"),
    [
        ("alert:progress:999", "Không có cảnh báo số 999."),
        ("alert:progress:abc", "Không có cảnh báo số 0."),
        ("alert:progress:99999999999999999999999", "Không có cảnh báo số 0."),
        ("alert:approve:99999999999999999999999", "Không có cảnh báo số 0."),
        ("alert:cancel:12345", "Không có cảnh báo số 12345."),
        ("/duyet 99999999999999999999999", "Không có cảnh báo số 99999999999999999999999."),
        ("/duyet abc", "Gõ /duyet kèm số bản nháp"),
    ],
)
async def test_bad_alert_numbers_are_answered_not_crashed(staff_chat, action, answer):
    if action.startswith("/"):
        await staff_chat.send(action)
    else:
        await staff_chat.press(action)
    assert answer in staff_chat.text and FAILED not in staff_chat.text


async def test_unknown_targets_are_refused(staff_chat, database):
    await staff_chat.send("/canhbao Mất nước")
    await staff_chat.press("alert:target:areas")
    await staff_chat.press("alert:area:Tổ 99")
    assert "Không có tổ dân phố 'Tổ 99'" in staff_chat.text and "Tổ 1" in staff_chat.text
    await staff_chat.send("/canhbao Mất nước")
    await staff_chat.press("alert:target:topics")
    await staff_chat.press("alert:topic:khong_co")
    assert "Không có chủ đề khong_co" in staff_chat.text
    async with database.sessions() as session:
        for target in (AlertTarget(areas=["Tổ 99"]), AlertTarget(topics=["khong_co"])):
            with pytest.raises(AlertError, match=r"^Không có"):
                await draft_alert(session, text="x", target=target, urgent=False, drafted_by="a")
        assert await session.scalar(select(func.count()).select_from(Alert)) == 0


async def test_the_draft_names_topics_in_words_and_warns_when_nobody_would_get_it(staff_chat):
    await staff_chat.send("/canhbao Tiêm nhắc cho người cao tuổi")
    await staff_chat.press("alert:target:topics")
    await staff_chat.press("alert:topic:nguoi_cao_tuoi")
    await staff_chat.press("alert:urgent:0")
    approval = staff_chat.last[1].text
    assert "chủ đề Người cao tuổi" in approval and "nguoi_cao_tuoi" not in approval
    assert "hiện có 0 người nhận" in approval and "không ai nhận được" in approval
    await staff_chat.press(staff_chat.button_data("Duyệt và gửi"))
    assert "đang gửi tới 0 người nhận" in staff_chat.text


async def test_stop_is_offered_only_while_messages_wait(dispatcher, staff_chat, database):
    await residents(dispatcher, "Tổ 1", "Tổ 2")
    await staff_chat.send("/canhbao Tin thường")
    await staff_chat.press("alert:target:all")
    await staff_chat.press("alert:urgent:0")
    await staff_chat.press(staff_chat.button_data("Duyệt và gửi"))
    await staff_chat.press(staff_chat.button_data("Xem tiến độ"))
    assert "Dừng phần chưa gửi" in staff_chat.buttons
    async with database.sessions() as session:
        await session.execute(update(OutboxMessage).values(status="sent"))
        await session.commit()
    await staff_chat.press(staff_chat.button_data("Cập nhật"))
    assert "đã gửi 2/2" in staff_chat.text and "Dừng phần chưa gửi" not in staff_chat.buttons

    await staff_chat.press("alert:cancel:1")  # an old button still on screen
    assert staff_chat.text == "Cảnh báo số 1 đã gửi xong; không còn tin nào để dừng."
    async with database.sessions() as session:
        assert await session.scalar(select(Broadcast.status)) != "cancelled"
        assert (await session.get(Alert, 1)).status == "sent"


async def test_refusals_are_sentences_with_the_status_in_words(database, settings):
    async with database.sessions() as session:
        alert = await draft_alert(
            session, text="Tin", target=AlertTarget(), urgent=False, drafted_by="lan"
        )
        await cancel_alert(session, alert.id, "lan")
        with pytest.raises(AlertError) as refused:
            await approve_alert(session, alert.id, "minh", settings)
    assert str(refused.value) == "Cảnh báo số 1 đã ở trạng thái đã hủy."
