"""The staff dashboard over real HTTP: login, sessions, CSRF, rate limit, every page with data."""

from __future__ import annotations

import io
import re

import pytest
from aiohttp import web
from openpyxl import load_workbook
from sqlalchemy import select, update

from bot.channels.web import WebChannel
from bot.models.core import Subscriber
from bot.models.outbox import Broadcast, OutboxMessage
from bot.models.staff import Alert, StaffMember
from bot.outbox.audience import Audience
from bot.outbox.broadcasts import create_broadcast
from bot.staff import add_staff, remove_staff
from bot.web.dashboard.app import dashboard_app
from bot.web.public import public_routes
from tests.helpers import ChatDriver

PASSWORD = "mat-khau-rat-dai"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
async def admin(aiohttp_client, services, database, dispatcher):
    """The bot's whole web site: web chat, public pages, the dashboard at /admin."""
    async with database.sessions() as session:
        await add_staff(session, "lan", "staff", password=PASSWORD)
        await add_staff(session, "minh", "admin", password=PASSWORD)
    web_chat = WebChannel(database.sessions)
    await web_chat.start(dispatcher.dispatch)
    app = web.Application()
    app.add_routes(web_chat.web_routes())
    app.add_routes(public_routes(database.sessions))
    app.add_subapp("/admin", await dashboard_app(services))
    return await aiohttp_client(app)


async def login(client, name="lan", password=PASSWORD):
    return await client.post(
        "/admin/login", data={"name": name, "password": password, "next": "/admin/"}
    )


async def csrf_of(client, path="/admin/alerts") -> str:
    page = await (await client.get(path)).text()
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


async def test_pages_need_login(admin):
    response = await admin.get("/admin/alerts", allow_redirects=False)
    assert response.status == 302 and "/admin/login" in response.headers["Location"]


async def test_wrong_password_then_right_one(admin):
    page = await (await login(admin, password="sai")).text()
    assert "Sai tên đăng nhập hoặc mật khẩu" in page
    response = await login(admin)
    assert response.status == 200 and "Tổng quan" in await response.text()


async def test_failed_logins_are_limited(admin):
    for _ in range(5):
        await login(admin, password="sai")
    page = await (await login(admin)).text()
    assert "Sai quá nhiều lần" in page


async def test_post_without_csrf_is_refused(admin):
    await login(admin)
    response = await admin.post("/admin/alerts", data={"text": "Khẩn"})
    assert response.status == 403


async def test_logout_ends_the_session(admin):
    await login(admin)
    await admin.post("/admin/logout", data={"csrf": await csrf_of(admin)})
    response = await admin.get("/admin/", allow_redirects=False)
    assert response.status == 302


async def test_alert_from_the_dashboard_reaches_one_area(admin, dispatcher, database):
    for user, area in (("a", "Tổ 3"), ("b", "Tổ 4")):
        resident = ChatDriver(dispatcher, user_id=user)
        await resident.send("/start")
        await resident.press("sub:done")
        await resident.press(f"area:{area}")
    await login(admin)
    csrf = await csrf_of(admin)
    page = await (
        await admin.post(
            "/admin/alerts",
            data={"csrf": csrf, "text": "Mất nước Tổ 3 từ 14h", "areas": "Tổ 3", "urgent": "1"},
        )
    ).text()
    assert "Đã lưu bản nháp số 1" in page and "CẢNH BÁO KHẨN" in page
    assert "cần một cán bộ khác duyệt" in page

    await admin.post("/admin/logout", data={"csrf": csrf})
    await login(admin, "minh")
    page = await (
        await admin.post("/admin/alerts/1/approve", data={"csrf": await csrf_of(admin)})
    ).text()
    assert "Đã duyệt cảnh báo số 1" in page
    progress = await (await admin.get("/admin/broadcasts/1/progress")).json()
    assert progress["total"] == 1 and progress["pending"] == 1


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/calendar",
        "/admin/broadcasts",
        "/admin/alerts",
        "/admin/screening",
        "/admin/rumors",
        "/admin/faq",
        "/admin/audit",
    ],
)
async def test_every_page_renders_for_a_phone(admin, dispatcher, path):
    await ChatDriver(dispatcher, user_id="a").send("/start")
    await login(admin)
    response = await admin.get(path)
    page = await response.text()
    assert response.status == 200
    assert 'name="viewport"' in page and 'lang="vi"' in page
    fetched = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert all(url.startswith(("/", "#", "?")) for url in fetched), fetched


async def outbox_texts(database, chat_id: str) -> list[str]:
    async with database.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.text, Broadcast.text)
            .join(Broadcast, Broadcast.id == OutboxMessage.broadcast_id)
            .where(OutboxMessage.chat_id == chat_id)
        )
        return [row_text or text for row_text, text in rows]


async def test_staff_answer_to_a_handed_off_question_reaches_the_resident(
    admin, dispatcher, database
):
    resident = ChatDriver(dispatcher, user_id="hoa")
    await resident.send("tôi muốn hỏi về chế độ thai sản cho chồng")
    await resident.press(resident.button_data("Hỏi cán bộ y tế"))
    await login(admin)
    page = await (await admin.get("/admin/faq")).text()
    assert "chế độ thai sản cho chồng" in page
    handoff_id = re.search(r"/admin/faq/handoffs/(\d+)/answer", page).group(1)

    page = await (
        await admin.post(
            f"/admin/faq/handoffs/{handoff_id}/answer",
            data={
                "csrf": await csrf_of(admin, "/admin/faq"),
                "answer": "Bà con hỏi bảo hiểm xã hội quận.",
            },
        )
    ).text()
    assert "Đã gửi câu trả lời" in page and "chế độ thai sản" not in page.split("<h1>")[1]
    [sent] = await outbox_texts(database, "hoa")
    assert "Bà con hỏi bảo hiểm xã hội quận." in sent and "chế độ thai sản cho chồng" in sent
    again = await (
        await admin.post(
            f"/admin/faq/handoffs/{handoff_id}/answer",
            data={"csrf": await csrf_of(admin, "/admin/faq"), "answer": "Lần hai"},
        )
    ).text()
    assert "đã được trả lời" in again and len(await outbox_texts(database, "hoa")) == 1


async def test_rumor_answered_false_tells_every_reporter_and_drafts_a_correction(
    admin, dispatcher, database
):
    for user in ("an", "binh"):
        reporter = ChatDriver(dispatcher, user_id=user)
        await reporter.send("/start")
        await reporter.send("/baotin")
        await reporter.send("Uống nước chanh nóng chữa khỏi sốt xuất huyết, chia sẻ ngay!")
    await login(admin)
    page = await (await admin.get("/admin/rumors")).text()
    assert "2 người báo" in page
    report_id = re.search(r"/admin/rumors/(\d+)/answer", page).group(1)
    page = await (
        await admin.post(
            f"/admin/rumors/{report_id}/answer",
            data={
                "csrf": await csrf_of(admin, "/admin/rumors"),
                "verdict": "false",
                "correction": "Sốt xuất huyết chưa có thuốc đặc trị; đến trạm y tế khi sốt cao.",
                "alert": "1",
            },
        )
    ).text()
    assert "nhắn cho 2/2 người báo" in page and "Đính chính" in page  # now on the alerts page
    for user in ("an", "binh"):
        [told] = await outbox_texts(database, user)
        assert told.startswith("**Sự thật:** Sốt xuất huyết chưa có thuốc đặc trị")
    assert "Không có tin báo nào đang chờ" in await (await admin.get("/admin/rumors")).text()


async def test_calendar_shows_upcoming_days_with_their_reach(admin, dispatcher):
    await ChatDriver(dispatcher, user_id="a").send("/start")
    await login(admin)
    page = await (await admin.get("/admin/calendar")).text()
    rows = re.findall(r"<tr><td>(.*?)</td><td>(\d\d:\d\d)</td>.*?<td>(\d+)</td>", page, re.S)
    assert rows, "no planned sends in the next 60 days"
    assert all(time >= "07:00" and time < "21:00" for _day, time, _reach in rows)
    assert all(reach == "1" for _day, _time, reach in rows)  # `chung` receives every day


async def test_broadcast_cancel_withdraws_what_is_not_sent(admin, dispatcher, database):
    for user in ("a", "b", "c"):
        await ChatDriver(dispatcher, user_id=user).send("/start")
    async with database.sessions() as session:
        broadcast = await create_broadcast(session, text="Tin thử", audience=Audience())
        await session.commit()
    await login(admin)
    page = await (await admin.get("/admin/broadcasts")).text()
    assert f"broadcast-{broadcast.id}" in page and "Đã gửi 0/3" in page
    page = await (
        await admin.post(
            f"/admin/broadcasts/{broadcast.id}/cancel",
            data={"csrf": await csrf_of(admin, "/admin/broadcasts")},
        )
    ).text()
    assert "3 tin chưa gửi được rút lại" in page
    progress = await (await admin.get(f"/admin/broadcasts/{broadcast.id}/progress")).json()
    assert progress["cancelled"] == 3 and progress["pending"] == 0
    assert "broadcast.cancel" in await (await admin.get("/admin/audit")).text()


async def test_screening_page_adds_a_session_and_exports_with_an_audit_row(admin):
    await login(admin)
    csrf = await csrf_of(admin, "/admin/screening")
    page = await (
        await admin.post(
            "/admin/screening/sessions",
            data={
                "csrf": csrf,
                "day": "2099-03-02",
                "start": "07:30",
                "place": "Nhà văn hóa Tổ 3",
                "areas": ["Tổ 3", "Tổ 4"],
                "capacity": "40",
            },
        )
    ).text()
    assert "Đã thêm buổi khám số 1 (02/03/2099)" in page
    assert "Nhà văn hóa Tổ 3" in page and "40/40" in page
    wrong = await (
        await admin.post(
            "/admin/screening/sessions",
            data={
                "csrf": csrf,
                "day": "2099-03-02",
                "start": "25:00",
                "place": "x",
                "capacity": "1",
            },
        )
    ).text()
    assert "Lỗi: giờ &#39;25:00&#39; không hợp lệ" in wrong

    response = await admin.get("/admin/screening/export.xlsx", params={"to": "Tổ 3"})
    assert response.status == 200 and "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(await response.read()))
    assert book.sheetnames == ["Tổ 3"]
    report = await admin.get("/admin/screening/report.xlsx", params={"month": "2099-03"})
    assert report.status == 200
    audit = await (await admin.get("/admin/audit")).text()
    assert "screening.export" in audit and "screening.session_add" in audit


async def test_rows_outside_the_zalo_window_come_with_a_forward_kit(admin, database):
    async with database.sessions() as session:
        session.add(Subscriber(channel="zalo_oa", chat_id="oa-1"))
        session.add(Subscriber(channel="zalo_oa", chat_id="oa-2"))
        await session.commit()
        broadcast = await create_broadcast(
            session, text="Phun thuốc diệt muỗi sáng Chủ Nhật ở Tổ 3.", audience=Audience()
        )
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == "oa-1")
            .values(status="outside_window", last_error="ngoài khung 48 giờ")
        )
        await session.commit()
    await login(admin)
    page = await (await admin.get("/admin/broadcasts")).text()
    assert "<b>1 người dùng Zalo OA</b> ngoài khung 48 giờ" in page
    assert "Phun thuốc diệt muỗi sáng Chủ Nhật ở Tổ 3." in page
    assert f"/b/{broadcast.id}" in page
