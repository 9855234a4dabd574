"""End to end in real headless Chromium, on a phone-sized screen, against `loaphuong run`.

A resident subscribes in the web chat for Tổ 3, another on Telegram (a fake Bot API
server); one staff member drafts an urgent alert for Tổ 3 on the dashboard, a second
approves it; the alert appears in both residents' chats. Screenshots go to
$SCREENSHOT_DIR (default: the test's tmp dir).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.fakes.processes import free_port, start_bot, stop, wait_for_answer
from bot.fakes.telegram_server import TOKEN, FakeTelegramServer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium on this machine: `apt-get install chromium` (make test does it as root)",
)
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PASSWORD = "mat-khau-rat-dai"
ALERT = "Mất nước sạch ở Tổ 3 từ 14 giờ hôm nay. Bà con trữ nước uống đun sôi."
TELEGRAM_RESIDENT = 7003


class TelegramInThread:
    """The fake Bot API on its own event loop, so the synchronous browser test can drive it."""

    def __init__(self) -> None:
        self.server = FakeTelegramServer(rate=1000, private_per_second=100)
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.base_url = asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(5)

    def call(self, action: Callable[..., Any], *args: Any) -> None:
        self.loop.call_soon_threadsafe(action, *args)

    def texts_to(self, chat_id: int) -> list[str]:
        return list(self.server.delivered.get(str(chat_id), []))

    def wait_for(self, chat_id: int, words: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for text in self.texts_to(chat_id):
                if words in text:
                    return text
            time.sleep(0.05)
        raise AssertionError(
            f"{words!r} never reached Telegram chat {chat_id}: {self.texts_to(chat_id)}"
        )

    def press(self, chat_id: int, label: str) -> None:
        """Press the inline button with this label in the newest message that has it."""
        for method, params in reversed(list(self.server.sent)):
            markup = params.get("reply_markup")
            if method != "sendMessage" or str(params.get("chat_id")) != str(chat_id) or not markup:
                continue
            rows = (json.loads(markup) if isinstance(markup, str) else markup)["inline_keyboard"]
            for button in (b for row in rows for b in row):
                if button["text"] == label:
                    self.call(self.server.push_button, chat_id, button["callback_data"])
                    return
        raise AssertionError(f"no button {label!r} sent to chat {chat_id}")

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture
def telegram():
    fake = TelegramInThread()
    yield fake
    fake.close()


def add_staff(workdir: Path, name: str, role: str) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bot.db'}"}
    subprocess.run(
        [sys.executable, "-m", "bot", "staff", "add", name, "--role", role, "--password-stdin"],
        input=f"{PASSWORD}\n".encode(),
        env=env,
        cwd=workdir,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def running_bot(tmp_path, telegram):
    add_staff(tmp_path, "lan", "staff")
    add_staff(tmp_path, "minh", "admin")
    port = free_port()
    bot = start_bot(
        tmp_path, port, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=telegram.base_url
    )
    wait_for_answer(port, {"user_id": "warmup", "text": "/trogiup"})
    yield f"http://127.0.0.1:{port}"
    stop(bot)


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def log_in(browser, base: str, name: str):
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{base}/admin/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    return page


def subscribe_on_telegram(telegram: TelegramInThread) -> None:
    telegram.call(telegram.server.push_text, TELEGRAM_RESIDENT, "/start")
    telegram.wait_for(TELEGRAM_RESIDENT, "Loa phường")
    telegram.press(TELEGRAM_RESIDENT, "Chọn chủ đề nhận tin")
    telegram.wait_for(TELEGRAM_RESIDENT, "chủ đề")
    telegram.press(TELEGRAM_RESIDENT, "Xong, chọn tổ dân phố ➜")
    telegram.wait_for(TELEGRAM_RESIDENT, "tổ dân phố")
    telegram.press(TELEGRAM_RESIDENT, "Tổ 3")
    telegram.wait_for(TELEGRAM_RESIDENT, "ngôn ngữ")


def test_urgent_alert_from_the_dashboard_reaches_web_chat_and_telegram(
    running_bot, telegram, shots
):
    base = running_bot
    subscribe_on_telegram(telegram)
    expect = playwright_api.expect
    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        resident = browser.new_context(**PHONE).new_page()
        resident.goto(base + "/")
        resident.get_by_role("button", name="Chọn chủ đề nhận tin").click()
        # A double tap toggles once: the row it answered takes no second tap.
        resident.get_by_role("button", name="⬜ Trẻ em").dblclick()
        expect(resident.get_by_role("button", name="✅ Trẻ em")).to_have_count(1)
        expect(resident.locator(".msg.me", has_text="Trẻ em")).to_have_count(1)
        resident.get_by_role("button", name="Xong, chọn tổ dân phố ➜").last.click()
        resident.get_by_role("button", name="Tổ 3", exact=True).click()
        expect(resident.locator("#log")).to_contain_text("ngôn ngữ")
        resident.screenshot(path=shots / "1-resident-subscribed.png")

        lan = log_in(browser, base, "lan")
        lan.screenshot(path=shots / "2-dashboard-overview.png", full_page=True)
        lan.goto(base + "/admin/alerts")
        lan.fill("textarea[name=text]", ALERT)
        lan.check("input[name=areas][value='Tổ 3']")
        lan.check("input[name=urgent]")
        lan.click("#draft-form button[type=submit]")
        expect(lan.locator(".flash")).to_contain_text("Đã lưu bản nháp")
        expect(lan.locator(".alert-row").first).to_contain_text("cần một cán bộ khác duyệt")
        lan.screenshot(path=shots / "3-alert-draft-preview.png", full_page=True)

        minh = log_in(browser, base, "minh")
        minh.goto(base + "/admin/alerts")
        minh.locator(".alert-row").first.get_by_role("button", name="Duyệt và gửi").click()
        expect(minh.locator("h1")).to_have_text("Gửi tới 2 người?")  # web chat + Telegram
        minh.get_by_role("button", name="Gửi ngay").click()
        expect(minh.locator(".flash")).to_contain_text("Đã duyệt")
        minh.screenshot(path=shots / "4-alert-approved.png", full_page=True)

        expect(resident.locator("#log")).to_contain_text("Mất nước sạch ở Tổ 3", timeout=20_000)
        resident.screenshot(path=shots / "5-resident-receives-alert.png")
        assert telegram.wait_for(TELEGRAM_RESIDENT, "Mất nước sạch ở Tổ 3")
        lan.goto(base + "/admin/broadcasts")
        expect(lan.locator("main")).to_contain_text("Mất nước sạch")
        lan.screenshot(path=shots / "6-broadcast-progress.png", full_page=True)
        browser.close()
