"""The staff dashboard over real HTTP: login, sessions, CSRF, rate limit, every page with data."""

from __future__ import annotations

import io
import re
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import pytest
from aiohttp import web
from openpyxl import load_workbook
from sqlalchemy import select, update
from yarl import URL

from bot import staff
from bot.channels.web import WebChannel, render_reply
from bot.core import Reply
from bot.models.core import Subscriber
from bot.models.faq import FaqQuestion
from bot.models.outbox import Broadcast, OutboxMessage
from bot.models.staff import Alert, StaffMember
from bot.outbox.audience import Audience
from bot.outbox.broadcasts import BroadcastRequest, create_broadcast
from bot.staff import add_staff, remove_staff, set_password
from bot.web.dashboard.app import dashboard_app
from bot.web.dashboard.pages import PAGES
from bot.web.dashboard.pages import login as login_page
from bot.web.public import public_routes
from bot.web.site import HEADERS, secure_site
from tests.helpers import ChatDriver

PASSWORD = "mat-khau-rat-dai"
NAV = [(page.TITLE, page.PATH) for page in PAGES]
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
    secure_site(app)
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


async def test_the_readme_address_leads_to_the_dashboard_before_and_after_sign_in(admin):
    """http://…/admin, as the README writes it: no slash."""
    page = await admin.get("/admin")
    assert page.status == 200 and 'name="password"' in await page.text()
    response = await admin.post(
        "/admin/login", data={"name": "lan", "password": PASSWORD, "next": "/admin"}
    )
    assert response.status == 200 and "Tổng quan" in await response.text()
    assert "Tổng quan" in await (await admin.get("/admin")).text()


@pytest.mark.parametrize("path", ["/", "/admin/login", "/b/1", "/khong-co", "/api/inbox"])
async def test_every_page_sends_the_security_headers(admin, path):
    response = await admin.get(path)
    for name, value in HEADERS.items():
        assert response.headers[name] == value, (path, name)
    assert "unsafe-inline" not in HEADERS["Content-Security-Policy"].split("script-src")[1][:20]


async def test_no_page_has_an_inline_script(admin):
    """What the Content-Security-Policy would refuse: every script is a file."""
    await login(admin)
    for path in ["/", "/admin/login", *(href for _, href in NAV)]:
        html = await (await admin.get(path)).text()
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert all(" src=" in tag for tag in scripts), (path, scripts)
        assert not re.search(r"\son[a-z]+\s*=", html), path


async def test_public_addresses_that_lead_nowhere_answer_in_vietnamese(admin):
    for path in ("/khong-co", "/b/", "/b/1/x"):
        response = await admin.get(path)
        page = await response.text()
        assert response.status == 404 and "Không tìm thấy" in page and "Not Found" not in page
    response = await admin.get("/api/khong-co")
    assert response.status == 404 and "API" in (await response.json())["error"]
    response = await admin.get("/api/chat")
    assert response.status == 405 and "error" in await response.json()


async def test_wrong_password_then_right_one(admin):
    page = await (await login(admin, password="sai")).text()
    assert "Sai tên đăng nhập hoặc mật khẩu" in page
    response = await login(admin)
    assert response.status == 200 and "Tổng quan" in await response.text()


@pytest.fixture
def delays(monkeypatch) -> list[float]:
    """The waits a slowed-down login would make, recorded instead of slept."""
    waited: list[float] = []

    async def record(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(login_page, "pause", record)
    return waited


async def test_guesses_at_a_name_slow_it_down_but_never_lock_the_owner_out(admin, delays):
    for _ in range(6):
        await login(admin, password="sai")
    response = await login(admin)
    assert "Tổng quan" in await response.text()
    assert delays == [0, 0, 0, 1, 2, 4, 8]
    await login(admin, "lan", password="sai")  # a success forgets the name's failures
    assert delays[-1] == 0


async def test_one_address_guessing_many_names_is_refused_even_after_a_restart(
    admin, delays, services, aiohttp_client, monkeypatch
):
    monkeypatch.setattr(login_page, "FAILURES_PER_ADDRESS", 4)
    for n in range(login_page.FAILURES_PER_ADDRESS):
        await login(admin, f"ten-{n}", password="sai")
    assert "quá nhiều lần đăng nhập sai" in await (await login(admin, "minh")).text()
    restarted = web.Application()
    restarted.add_subapp("/admin", await dashboard_app(services))
    again = await aiohttp_client(restarted)
    assert "quá nhiều lần đăng nhập sai" in await (await login(again, "minh")).text()
    assert delays == [0] * login_page.FAILURES_PER_ADDRESS  # each name tried once


async def test_a_login_flood_waits_its_turn_and_then_is_told_to_retry(admin, monkeypatch):
    monkeypatch.setattr(staff, "MAX_WAITING_HASHES", 0)
    assert "Máy chủ đang bận" in await (await login(admin)).text()
    monkeypatch.setattr(staff, "MAX_WAITING_HASHES", 32)
    assert "Tổng quan" in await (await login(admin)).text()


async def test_a_copied_cookie_stops_working_at_logout(admin, aiohttp_client):
    await login(admin)
    copy = await aiohttp_client(admin.app)
    copy.session.cookie_jar.update_cookies(
        {c.key: c.value for c in admin.session.cookie_jar}, URL(str(admin.make_url("/")))
    )
    assert (await copy.get("/admin/", allow_redirects=False)).status == 200
    await admin.post("/admin/logout", data={"csrf": await csrf_of(admin)})
    assert (await copy.get("/admin/", allow_redirects=False)).status == 302


async def test_a_password_change_and_sign_out_everywhere_end_every_session(
    admin, database, aiohttp_client
):
    await login(admin)
    other = await aiohttp_client(admin.app)
    await login(other)
    page = await (await admin.get("/admin/sessions")).text()
    assert page.count("<tr><td>") == 2 and "trình duyệt này" in page
    assert "<title>Phiên đăng nhập — Loa phường</title>" in page  # the form is not in the title
    assert page.count('action="/admin/sessions/password"') == 1
    await admin.post("/admin/sessions/end-all", data={"csrf": await csrf_of(admin)})
    for browser in (admin, other):
        assert (await browser.get("/admin/", allow_redirects=False)).status == 302
    await login(admin)
    async with database.sessions() as session:
        await set_password(session, "lan", "mot-mat-khau-moi-hon", actor="cli")
    assert (await admin.get("/admin/", allow_redirects=False)).status == 302
    assert "Tổng quan" in await (await login(admin, password="mot-mat-khau-moi-hon")).text()


async def test_staff_change_their_own_password_on_the_dashboard(admin):
    await login(admin)
    csrf = await csrf_of(admin, "/admin/sessions")
    for current, new, complaint in (
        ("sai", "mot-cau-moi-dai-hon", "mật khẩu hiện tại không đúng"),
        (PASSWORD, "1234567890", "quá dễ đoán"),
    ):
        form = {"csrf": csrf, "current": current, "new": new}
        page = await (await admin.post("/admin/sessions/password", data=form)).text()
        assert complaint in page
    form = {"csrf": csrf, "current": PASSWORD, "new": "mot-cau-moi-dai-hon"}
    page = await (await admin.post("/admin/sessions/password", data=form)).text()
    assert "Đã đổi mật khẩu" in page and 'name="password"' in page
    assert "Tổng quan" in await (await login(admin, password="mot-cau-moi-dai-hon")).text()


async def test_session_cookies_are_secure_behind_https(admin, services):
    response = await login(admin, password=PASSWORD)
    [cookie] = [c for c in response.history[0].cookies.values()]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and not cookie["secure"]
    services.settings.public_url = "https://loa.phuong.example"
    response = await login(admin)
    assert response.history[0].cookies["loaphuong_admin"]["secure"]


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
    assert 'class="status status-draft">Bản nháp</span>' in page
    assert "cần một cán bộ khác duyệt" in page

    await admin.post("/admin/logout", data={"csrf": csrf})
    await login(admin, "minh")
    csrf = await csrf_of(admin)
    page = await (await admin.post("/admin/alerts/1/approve", data={"csrf": csrf})).text()
    assert "Gửi tới 1 người?" in page and "Mất nước Tổ 3" in page
    assert (await admin.get("/admin/broadcasts/1/progress")).status == 404  # nothing sent yet
    page = await (
        await admin.post("/admin/alerts/1/approve", data={"csrf": csrf, "confirmed": "1"})
    ).text()
    assert "Đã duyệt cảnh báo số 1" in page
    assert 'class="status status-sent">Đã duyệt</span>' in page
    progress = await (await admin.get("/admin/broadcasts/1/progress")).json()
    assert progress["total"] == 1 and progress["pending"] == 1
    audit = await (await admin.get("/admin/audit")).text()
    assert "cảnh báo số 1" in audit and "alert 1" not in audit


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
    await resident.send("trạm có khám răng cho trẻ em không")
    await resident.press(resident.button_data("Hỏi cán bộ y tế"))
    await login(admin)
    page = await (await admin.get("/admin/faq")).text()
    assert "khám răng cho trẻ em" in page
    handoff_id = re.search(r"/admin/faq/handoffs/(\d+)/answer", page).group(1)

    page = await (
        await admin.post(
            f"/admin/faq/handoffs/{handoff_id}/answer",
            data={
                "csrf": await csrf_of(admin, "/admin/faq"),
                "answer": "Trạm chưa khám răng; bà con đưa cháu đến bệnh viện quận.",
            },
        )
    ).text()
    assert "Đã gửi câu trả lời" in page and "khám răng cho trẻ em" not in page.split("<h1>")[1]
    [sent] = await outbox_texts(database, "hoa")
    assert (
        "Trạm chưa khám răng; bà con đưa cháu đến bệnh viện quận." in sent
        and "khám răng cho trẻ em" in sent
    )
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
    assert 'name="verdict" value="false" required' in page
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
    rows = re.findall(
        r'<tr><td class="head">(.*?)</td><td data-label="Giờ">(\d\d:\d\d)</td>'
        r'.*?<td data-label="Dự kiến nhận">(\d+)</td>',
        page,
        re.S,
    )
    assert rows, "no planned sends in the next 60 days"
    assert all(time >= "07:00" and time < "21:00" for _day, time, _reach in rows)
    assert all(reach == "1" for _day, _time, reach in rows)  # `chung` receives every day


async def test_broadcast_cancel_withdraws_what_is_not_sent(admin, dispatcher, database):
    for user in ("a", "b", "c"):
        await ChatDriver(dispatcher, user_id=user).send("/start")
    async with database.sessions() as session:
        broadcast = await create_broadcast(
            session, BroadcastRequest(text="Tin thử", audience=Audience())
        )
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
    assert progress["summary"].startswith("đã gửi 0/3") and "đã hủy 3" in progress["summary"]
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
            session,
            BroadcastRequest(
                text="Phun thuốc diệt muỗi sáng Chủ Nhật ở Tổ 3.", audience=Audience()
            ),
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


async def chat_api(client, **body) -> tuple[int, dict]:
    response = await client.post("/api/chat", json=body)
    return response.status, await response.json()


async def test_web_chat_is_staff_only_with_a_dashboard_session(admin, database):
    """No proof, no role; signed in, the chat identity is the account, whatever user_id says."""
    status, body = await chat_api(admin, user_id="staff-1", text="/canhbao Mất nước")
    assert status == 200 and "chỉ dành cho cán bộ" in body["replies"][0]["text"]
    status, body = await chat_api(admin, user_id="staff:1", text="/canhbao Mất nước")
    assert status == 200 and "chỉ dành cho cán bộ" in body["replies"][0]["text"]
    inbox = await admin.get("/api/inbox", params={"user_id": "staff:1"})
    assert (await inbox.json())["messages"] == []

    await login(admin, "lan")
    await chat_api(admin, user_id="staff-1", text="/canhbao Mất nước Tổ 3 từ 14 giờ")
    await chat_api(admin, user_id="staff-1", button="alert:target:all")
    status, body = await chat_api(admin, user_id="staff-2", button="alert:urgent:1")
    assert "cần một cán bộ khác duyệt" in body["replies"][1]["text"]
    # Same person, another user_id: still lan, still not a second approver.
    _, body = await chat_api(admin, user_id="staff-2", button="alert:approve:1")
    assert body["replies"][0]["text"] == "Cảnh báo khẩn cần một cán bộ khác duyệt."
    async with database.sessions() as session:
        alert = await session.get(Alert, 1)
    assert (alert.drafted_by, alert.status) == ("lan", "draft")


async def test_a_removed_or_re_roled_member_is_signed_out_at_once(admin, database):
    await login(admin, "minh")
    assert (await admin.get("/admin/alerts", allow_redirects=False)).status == 200
    async with database.sessions() as session:
        await session.execute(
            update(StaffMember).where(StaffMember.name == "minh").values(role="staff")
        )
        await session.commit()
    assert (await admin.get("/admin/alerts", allow_redirects=False)).status == 302
    await login(admin, "lan")
    async with database.sessions() as session:
        await remove_staff(session, "lan")
    response = await admin.get("/admin/", allow_redirects=False)
    assert response.status == 302 and "/admin/login" in response.headers["Location"]
    _, body = await chat_api(admin, user_id="web-9", text="/thongke")
    assert "chỉ dành cho cán bộ" in body["replies"][0]["text"]


MISSING = [
    ("post", "/admin/alerts/99999999999999999999999/approve"),
    ("post", "/admin/alerts/999/approve"),
    ("get", "/admin/broadcasts/99999999999999999999999/progress"),
    ("get", "/admin/broadcasts/999/progress"),
    ("get", "/admin/khong-co-trang-nay"),
    ("get", "/b/99999999999999999999999"),
    ("get", "/b/abc"),
    ("get", "/b/999"),
    ("get", "/anh/khong-co.png"),
]


async def test_what_does_not_exist_is_a_vietnamese_page(admin):
    """One login for every case: each signs in again would cost a password hash."""
    await login(admin)
    csrf = await csrf_of(admin)
    for method, path in MISSING:
        data = {"csrf": csrf} if method == "post" else None
        response = await admin.request(method, path, data=data)
        page = await response.text()
        if response.status == 404:
            assert "Không" in page and "Not Found" not in page, path
        else:  # the alert routes answer on the alerts page
            assert response.status == 200 and "Không có cảnh báo số 999." in page, path


async def test_unknown_targets_are_refused_and_a_draft_for_nobody_is_flagged(admin, database):
    await login(admin)
    csrf = await csrf_of(admin)
    page = await (
        await admin.post("/admin/alerts", data={"csrf": csrf, "text": "Mất nước", "areas": "Tổ 99"})
    ).text()
    assert "Lỗi: Không có tổ dân phố &#39;Tổ 99&#39;" in page
    page = await (
        await admin.post("/admin/alerts", data={"csrf": csrf, "text": "x", "topics": "khong_co"})
    ).text()
    assert "Lỗi: Không có chủ đề khong_co" in page
    page = await (
        await admin.post(
            "/admin/alerts", data={"csrf": csrf, "text": "Tiêm nhắc", "topics": "nguoi_cao_tuoi"}
        )
    ).text()
    assert "Gửi tới: chủ đề Người cao tuổi" in page and "duyệt bây giờ thì không ai nhận" in page


async def test_an_alert_photo_is_uploaded_checked_and_sent_with_the_alert(
    admin, dispatcher, database, monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)
    await ChatDriver(dispatcher, user_id="a").send("/start")
    await login(admin, "minh")
    csrf = await csrf_of(admin)

    async def draft(photo: bytes, name: str = "anh.png") -> str:
        form = aiohttp.FormData({"csrf": csrf, "text": "Ngập nước đường Tổ 3"})
        form.add_field("photo", photo, filename=name, content_type="image/png")
        return await (await admin.post("/admin/alerts", data=form)).text()

    assert "Chỉ nhận ảnh JPEG hoặc PNG" in await draft(b"GIF89a" + b"\0" * 10, "a.gif")
    too_big = await draft(PNG + b"\0" * (900 * 1024 - len(PNG) + 1))
    assert "Ảnh nặng 901 KB, quá giới hạn 900 KB" in too_big
    form = aiohttp.FormData({"csrf": csrf, "text": "***"})  # a draft refused for its text
    form.add_field("photo", PNG, filename="anh.png", content_type="image/png")
    assert "đang trống" in await (await admin.post("/admin/alerts", data=form)).text()
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())
    page = await draft(PNG)
    [src] = re.findall(r'<img class="photo" src="([^"]+)"', page)
    served = await admin.get(URL(src).path)
    assert served.status == 200 and await served.read() == PNG
    await admin.post("/admin/alerts/1/approve", data={"csrf": csrf, "confirmed": "1"})
    async with database.sessions() as session:
        broadcast = await session.scalar(select(Broadcast))
    assert broadcast.photo == src
    public = await (await admin.get(f"/b/{broadcast.id}")).text()
    assert f'src="{src}"' in public


async def test_every_public_broadcast_has_a_forward_kit(admin, dispatcher, database):
    await ChatDriver(dispatcher, user_id="a").send("/start")
    async with database.sessions() as session:
        public = await create_broadcast(
            session,
            BroadcastRequest(
                text="Tiêm chủng sáng thứ Bảy tại trạm.", audience=Audience(), kind="staff"
            ),
        )
        private = await create_broadcast(
            session, BroadcastRequest(text="Trả lời riêng", audience=Audience(), kind="faq_reply")
        )
        await session.commit()
    await login(admin)
    page = await (await admin.get("/admin/broadcasts")).text()
    public_card = page.split(f'id="broadcast-{public.id}"')[1].split("</section>")[0]
    private_card = page.split(f'id="broadcast-{private.id}"')[1].split("</section>")[0]
    assert "Bản chuyển tiếp" in public_card and f"/b/{public.id}" in public_card
    assert "Tiêm chủng sáng thứ Bảy" in public_card and "người dùng Zalo OA" not in public_card
    assert "Bản chuyển tiếp" not in private_card


async def seed_everything(dispatcher, database) -> None:
    """One of each thing the pages show: subscribers, a broadcast, an alert, a rumor, an
    unanswered question, a screening session, audit rows."""
    for user, area in (("a", "Tổ 3"), ("b", "Tổ 4")):
        resident = ChatDriver(dispatcher, user_id=user)
        await resident.send("/start")
        await resident.press("sub:done")
        await resident.press(f"area:{area}")
    await ChatDriver(dispatcher, user_id="a").send("/baotin Nước dừa chữa khỏi sốt xuất huyết")
    async with database.sessions() as session:
        await create_broadcast(
            session,
            BroadcastRequest(
                text="Phun thuốc muỗi Chủ Nhật", audience=Audience(), title="Phun thuốc"
            ),
        )
        session.add(Alert(text="Cúp nước Tổ 3", drafted_by="lan", target='{"areas": ["Tổ 3"]}'))
        session.add(FaqQuestion(text="máy bay giá vé bao nhiêu", outcome="off_topic"))
        await session.commit()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/admin/", ["2</b><span>đang nhận tin", "Tổ 3", "Tin chung", "<svg"]),
        ("/admin/calendar", ["Dự kiến nhận", '"Dự kiến nhận">2</td>']),
        ("/admin/broadcasts", ["Phun thuốc", "Đã gửi 0/2", "Bản chuyển tiếp"]),
        ("/admin/alerts", ["Cúp nước Tổ 3", "Gửi tới: Tổ 3", "Hiện có 1 người nhận"]),
        ("/admin/screening", ["Thêm buổi khám", "Tổ 3"]),
        ("/admin/rumors", ["Nước dừa chữa khỏi sốt xuất huyết", "1 người báo"]),
        ("/admin/faq", ["máy bay giá vé bao nhiêu"]),
        ("/admin/audit", ["Đăng nhập trang quản trị", "lan"]),
    ],
)
async def test_every_page_renders_its_data_for_a_phone(admin, dispatcher, database, path, expected):
    await seed_everything(dispatcher, database)
    await login(admin)
    response = await admin.get(path)
    page = await response.text()
    assert response.status == 200
    assert 'name="viewport"' in page and 'lang="vi"' in page
    fetched = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert all(url.startswith(("/", "#", "?")) for url in fetched), fetched
    missing = [text for text in expected if text not in page]
    assert not missing, f"{path} lacks {missing}"


async def test_overview_says_when_the_oa_account_stopped_the_channel(admin, services):
    services.channels = {
        "zalo_oa": SimpleNamespace(
            problem="-321 Zalo Cloud Account out of money",
            quota={"quota_type": "reply", "remain": "7", "total": "8"},
        ),
        "telegram": SimpleNamespace(),  # no account status: nothing shown
    }
    await login(admin)
    overview = await (await admin.get("/admin/")).text()
    assert "Zalo OA (tài khoản chính thức) đang dừng gửi tin" in overview
    assert "-321 Zalo Cloud Account out of money" in overview and "còn 7/8" in overview
    services.channels = {"zalo_oa": SimpleNamespace(problem=None, quota={})}
    assert "đang dừng gửi tin" not in await (await admin.get("/admin/")).text()


async def test_empty_charts_and_raw_codes_read_in_vietnamese(admin):
    await login(admin)
    overview = await (await admin.get("/admin/")).text()
    assert "Chưa có số liệu" in overview and "No data" not in overview
    audit = await (await admin.get("/admin/audit")).text()
    assert "Đăng nhập trang quản trị" in audit and ">dashboard.login<" not in audit


async def test_charts_fit_a_320_pixel_screen():
    css = (Path(dashboard_app.__code__.co_filename).parent / "static" / "admin.css").read_text()
    assert "minmax(min(300px, 100%), 1fr)" in css


def test_the_web_chat_shows_a_photo_as_a_link():
    linked = render_reply(Reply("Ngập nước", photo="http://127.0.0.1:8080/anh/x.png"))
    assert linked["text"] == "Ngập nước\n\n[🖼 Xem ảnh kèm theo](http://127.0.0.1:8080/anh/x.png)"
    assert render_reply(Reply("Ngập nước", photo="AgACAgIAAx-telegram-file-id"))["text"] == (
        "Ngập nước"
    )
