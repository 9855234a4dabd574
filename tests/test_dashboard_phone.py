"""The dashboard on a 390-pixel phone in real headless Chromium: every page, filled with
realistic data, fits the screen (no sideways scrolling); the registrations page finds and
marks people; the forward kit copies; phone numbers are tappable, in the web chat too.
Screenshots go to $SCREENSHOT_DIR when it is set."""

from __future__ import annotations

import os
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from aiohttp import web

from bot.channels.web import WebChannel
from bot.models.faq import FaqHandoff, FaqQuestion
from bot.models.staff import Alert
from bot.outbox.audience import Audience
from bot.outbox.broadcasts import BroadcastRequest, create_broadcast
from bot.staff import add_staff
from bot.web.dashboard.app import dashboard_app
from bot.web.dashboard.pages import PAGES
from bot.web.site import secure_site
from tests.helpers import ChatDriver
from tests.screening_rows import add_registration, add_session_row

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PASSWORD = "mat-khau-rat-dai"
PEOPLE = [
    ("Nguyễn Thị Mai", "0912345678", "Tổ 3"),
    ("Trần Văn Bình", "0987654321", "Tổ 3"),
    ("Lê Thị Hồng Nhung", "0903111222", "Tổ 4"),
    ("Phạm Quốc Trường Giang", "0978000111", "Tổ 4"),
]
# Every page in the menu, the one reached from a screening session, the login sessions.
PHONE_PAGES = [page.PATH for page in PAGES] + [
    "/admin/screening/sessions/1/registrations",
    "/admin/sessions",
]


async def seed(dispatcher, database) -> None:
    for user, area in (("a", "Tổ 3"), ("b", "Tổ 4")):
        resident = ChatDriver(dispatcher, user_id=user)
        await resident.send("/start")
        await resident.press("sub:done")
        await resident.press(f"area:{area}")
    await ChatDriver(dispatcher, user_id="a").send(
        "/baotin Uống nước dừa pha muối chữa khỏi sốt xuất huyết, gọi 0912 345 678 để mua"
    )
    today = date.today()
    async with database.sessions() as session:
        await add_staff(session, "lan", "staff", password=PASSWORD)
        held = await add_session_row(
            session, today, ["Tổ 3", "Tổ 4"], place="Nhà văn hóa Tổ 3, số 12 đường Nguyễn Văn Cừ"
        )
        await add_session_row(session, today + timedelta(days=7), ["Tổ 5", "Tổ 6", "Tổ 7"])
        for number, (name, phone, area) in enumerate(PEOPLE):
            await add_registration(
                session,
                held,
                f"K7Q2{number}",
                area,
                ["nguoi_cao_tuoi"],
                full_name=name,
                phone=phone,
            )
        await create_broadcast(
            session,
            BroadcastRequest(
                text="**Phun thuốc diệt muỗi** sáng Chủ Nhật ở Tổ 3 và Tổ 4. Bà con đóng kín "
                "thức ăn, cho trẻ nhỏ và người già ra ngoài trong 30 phút. Hỏi thêm: 028 3821 1234.",
                audience=Audience(),
                title="Phun thuốc diệt muỗi",
            ),
        )
        session.add(Alert(text="Cúp nước Tổ 3 từ 14 giờ", drafted_by="lan", target="{}"))
        session.add(
            FaqHandoff(
                channel="zalo_oa",
                chat_id="z1",
                user_id="z1",
                text="Con tôi sốt 3 ngày, gọi lại giúp tôi số 0987 654 321",
            )
        )
        session.add(
            FaqQuestion(
                text="tiêm vắc xin sởi cho trẻ mấy tháng",
                topic="tiem_chung",
                score=0.41,
                outcome="unsure",
            )
        )
        await session.commit()


async def test_every_dashboard_page_fits_a_390_pixel_phone(
    aiohttp_server, services, database, dispatcher
):
    await seed(dispatcher, database)
    web_chat = WebChannel(database.sessions)
    await web_chat.start(dispatcher.dispatch)
    app = web.Application()
    secure_site(app)  # the real Content-Security-Policy: no inline script may be needed
    app.add_routes(web_chat.web_routes())
    app.add_subapp("/admin", await dashboard_app(services))
    server = await aiohttp_server(app)
    base = str(server.make_url("")).rstrip("/")
    shots = Path(os.environ["SCREENSHOT_DIR"]) if os.environ.get("SCREENSHOT_DIR") else None
    expect = playwright_api.expect

    async with playwright_api.async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = await browser.new_context(**PHONE)
        context.set_default_timeout(5000)
        page = await context.new_page()
        await page.goto(f"{base}/admin/login")
        await page.fill("input[name=name]", "lan")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{base}/admin/")

        too_wide = {}
        for path in PHONE_PAGES:
            await page.goto(base + path)
            width = await page.evaluate("document.scrollingElement.scrollWidth")
            if width > 390:
                too_wide[path] = width
        assert not too_wide, f"pages wider than the phone: {too_wide}"

        await page.goto(f"{base}/admin/calendar")
        day = await page.locator("td.head").first.bounding_box()
        assert day and day["height"] < 50, "a calendar date wraps over several lines"
        if shots:
            await page.screenshot(path=shots / "phone-6-calendar.png")

        await page.goto(f"{base}/admin/screening")
        assert await page.locator("thead").first.is_hidden()  # a card per session
        card = page.locator("#session-1")
        for cell in ("td[data-label='Đã khám']", "td[data-label='Vắng']", "button.danger"):
            box = await card.locator(cell).bounding_box()
            assert box and box["x"] + box["width"] <= 390, cell
        if shots:
            await page.screenshot(path=shots / "phone-1-screening-cards.png", full_page=True)
            await page.locator(".top").screenshot(path=shots / "phone-2-header-counters.png")
        await expect(page.locator(".waiting")).to_contain_text("Câu hỏi chờ 1")
        await expect(page.locator(".waiting")).to_contain_text("Tin báo chờ 1")

        await page.get_by_role("link", name="Danh sách đăng ký").first.click()
        await page.fill("input[name=q]", "nhung")
        await page.get_by_role("button", name="Tìm").click()
        rows = page.locator("tbody tr")
        await expect(rows).to_have_count(1)
        await expect(rows).to_contain_text("0903 ••• 222")
        await rows.get_by_role("button", name="Đã đến khám").click()
        await expect(page.locator(".flash")).to_contain_text("Đã ghi nhận mã K7Q22 đã đến khám")
        await expect(page.locator("#reg-K7Q22")).to_contain_text("Đã khám")
        if shots:
            await page.goto(f"{base}/admin/screening/sessions/1/registrations")
            await page.screenshot(path=shots / "phone-3-registrations.png", full_page=True)

        await context.grant_permissions(["clipboard-read", "clipboard-write"])
        await page.goto(f"{base}/admin/broadcasts")
        await page.get_by_role("button", name="Chép bản chuyển tiếp").click()
        await expect(page.get_by_role("button", name="Đã chép ✓")).to_be_visible()
        copied = await page.evaluate("document.querySelector('.forward-kit textarea').value")
        assert "Phun thuốc diệt muỗi" in copied and "/b/1" in copied
        await expect(page.locator(".progress-text")).to_have_text("Đã gửi 0/2, chờ 2")
        if shots:
            await page.screenshot(path=shots / "phone-4-forward-kit.png", full_page=True)

        await page.goto(f"{base}/admin/alerts")
        await page.get_by_role("button", name="Duyệt và gửi").click()
        await expect(page.locator("h1")).to_have_text("Gửi tới 2 người?")
        if shots:
            await page.screenshot(path=shots / "phone-5-confirm-send.png", full_page=True)
        await page.goto(f"{base}/admin/faq")
        await expect(page.locator("a[href='tel:0987654321']")).to_be_visible()

        await page.goto(f"{base}/")  # the web chat: numbers in answers are tappable too
        await page.fill("#text", "cấp cứu gọi số nào")
        await page.press("#text", "Enter")
        await expect(page.locator("#log a[href='tel:115']").first).to_be_visible()
        await expect(page.locator("#log a[href='tel:0912000115']")).to_be_visible()
        await browser.close()
