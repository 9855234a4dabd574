"""The staff dashboard over real HTTP: login, sessions, CSRF, rate limit, every page with data."""

from __future__ import annotations

import re

import pytest
from aiohttp import web

from bot.staff import add_staff
from bot.web.dashboard.app import dashboard_app
from tests.helpers import ChatDriver

PASSWORD = "mat-khau-rat-dai"


@pytest.fixture
async def admin(aiohttp_client, services, database):
    async with database.sessions() as session:
        await add_staff(session, "lan", "staff", password=PASSWORD)
        await add_staff(session, "minh", "admin", password=PASSWORD)
    app = web.Application()
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
    progress = await (await admin.get("/admin/alerts/1/progress")).json()
    assert progress["total"] == 1


@pytest.mark.parametrize("path", ["/admin/", "/admin/alerts", "/admin/audit"])
async def test_every_page_renders_for_a_phone(admin, dispatcher, path):
    await ChatDriver(dispatcher, user_id="a").send("/start")
    await login(admin)
    response = await admin.get(path)
    page = await response.text()
    assert response.status == 200
    assert 'name="viewport"' in page and 'lang="vi"' in page
    fetched = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert all(url.startswith(("/", "#", "?")) for url in fetched), fetched
