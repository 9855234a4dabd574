"""`loaphuong audit-security`: attack a live, throwaway instance the way a probe would.

A real bot (web chat, dashboard, Telegram webhook against the local fake Bot API) is
started on a free port with its own SQLite file, one staff account and one resident, then
attacked over HTTP: forged webhooks, CSRF variants on every dashboard form, XSS payloads
through every text a resident or staff member can type into every page (executed in
headless Chromium when it is installed, else checked in the HTML), impersonating a
resident, replaying a staff cookie after its session ended, oversized and nested JSON, and
a login flood. Each attempt is counted as tried, and as refused when the bot held. The
result is one JSON line; the exit status is 1 when anything got through.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import socket
import tempfile
import time
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from html import escape as html_escape
from pathlib import Path
from typing import Any

import aiohttp
from markupsafe import escape
from sqlalchemy import func, select
from yarl import URL

from bot.app import LoaPhuong
from bot.config import load_settings
from bot.core import Reply
from bot.models.core import Subscriber
from bot.staff import add_staff, set_password
from bot.web.dashboard.pages import PAGES
from bot.web.identity import COOKIE_NAME as CHAT_COOKIE

STAFF_NAME, OTHER_STAFF = "kiem-tra", "kiem-tra-2"
WEBHOOK_SECRET = "bi-mat-webhook-" + "x" * 16
# Each payload sets its own flag, so a page that runs one says which.
PAYLOADS = [
    "<script>window.__xss{n}=1</script>",
    '<img src=x onerror="window.__xss{n}=1">',
    '"><svg onload=window.__xss{n}=1>',
    "'><details open ontoggle=window.__xss{n}=1>",
    "[bấm vào](javascript:window.__xss{n}=1)",
    '<a href="javascript:window.__xss{n}=1">x</a>',
    '<iframe srcdoc="<script>parent.__xss{n}=1</script>"></iframe>',
    "</textarea><script>window.__xss{n}=1</script>",
    "<input autofocus onfocus=window.__xss{n}=1>",
    '<video><source onerror="window.__xss{n}=1"></video>',
    "<body onload=window.__xss{n}=1>",
    '<object data="javascript:window.__xss{n}=1"></object>',
    "<math><mi xlink:href=javascript:window.__xss{n}=1>x</mi></math>",
    "`${{window.__xss{n}=1}}`<b onmouseover=window.__xss{n}=1>b</b>",
    "<style>@import 'http://127.0.0.1:9/x.css';</style><marquee onstart=window.__xss{n}=1>",
    '<form action="javascript:window.__xss{n}=1"><button autofocus>x</button></form>',
]


@dataclass
class Tally:
    tried: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    notes: dict[str, Any] = field(default_factory=dict)

    def attempt(self, kind: str, held: bool) -> None:
        self.tried[kind] += 1
        self.refused[kind] += held

    def line(self, seconds: float) -> dict[str, Any]:
        kinds = {k: {"tried": self.tried[k], "refused": self.refused[k]} for k in self.tried}
        return {
            **kinds,
            "total": {"tried": sum(self.tried.values()), "refused": sum(self.refused.values())},
            **self.notes,
            "seconds": round(seconds, 1),
        }

    @property
    def clean(self) -> bool:
        return self.tried == self.refused


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Target:
    """The throwaway instance and the people who use it."""

    def __init__(self, bot: LoaPhuong, telegram_api: Any) -> None:
        self.bot = bot
        self.telegram_api = telegram_api
        self.base = f"http://127.0.0.1:{bot.settings.web_port}"
        self.password = ""

    def client(self, address: str = "127.0.0.1") -> aiohttp.ClientSession:
        """A browser of its own (cookies kept) on one local address."""
        return aiohttp.ClientSession(
            self.base,
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            connector=aiohttp.TCPConnector(local_addr=(address, 0)),
        )

    async def login(self, browser: aiohttp.ClientSession, name: str, password: str) -> int:
        response = await browser.post(
            "/admin/login",
            data={"name": name, "password": password, "next": "/admin/"},
            allow_redirects=False,
        )
        return response.status

    async def csrf(self, browser: aiohttp.ClientSession) -> str:
        page = await (await browser.get("/admin/sessions")).text()
        return page.split('name="csrf" value="', 1)[1].split('"', 1)[0]

    async def subscribers(self) -> int:
        async with self.bot.database.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(Subscriber)) or 0)


async def forged_webhooks(target: Target, tally: Tally, quick: bool) -> None:
    resident = {"id": 5, "type": "private", "is_bot": False, "first_name": "x"}
    message = {"message_id": 1, "date": 0, "chat": resident, "from": resident, "text": "/start"}
    update = json.dumps({"update_id": 9, "message": message})
    header = "X-Telegram-Bot-Api-Secret-Token"
    # (headers, query): every way of not sending the secret in its header, exactly.
    forged: list[tuple[dict[str, str], str]] = [
        ({}, ""),
        ({header: ""}, ""),
        ({header: "sai"}, ""),
        ({header: WEBHOOK_SECRET + "x"}, ""),
        ({header: WEBHOOK_SECRET[:-1]}, ""),
        ({header: WEBHOOK_SECRET.upper()}, ""),
        ({header: WEBHOOK_SECRET + " x"}, ""),
        ({header + "-x": WEBHOOK_SECRET}, ""),
        ({"Authorization": f"Bearer {WEBHOOK_SECRET}"}, ""),
        ({}, f"?secret_token={WEBHOOK_SECRET}"),
    ]
    async with target.client() as browser:
        for headers, query in forged[:3] if quick else forged:
            response = await browser.post("/telegram/webhook" + query, data=update, headers=headers)
            tally.attempt("forged_webhooks", response.status in (401, 403))
    await asyncio.sleep(0.5)  # a forged /start let in would have been answered by now
    tally.notes["webhook_updates_let_in"] = len(target.telegram_api.sent)


async def csrf_variants(target: Target, tally: Tally, quick: bool) -> None:
    """Every dashboard form, posted without a valid token in every way we know."""
    routes = ["/admin/alerts", "/admin/alerts/1/approve", "/admin/logout"]
    if not quick:
        routes += [
            "/admin/alerts/1/cancel",
            "/admin/broadcasts/1/cancel",
            "/admin/screening/sessions",
            "/admin/screening/sessions/1/archive",
            "/admin/screening/attend",
            "/admin/faq/handoffs/1/answer",
            "/admin/rumors/1/answer",
            "/admin/sessions/end-all",
            "/admin/sessions/password",
        ]
    async with target.client() as staff, target.client() as other, target.client() as stranger:
        await target.login(staff, STAFF_NAME, target.password)
        await target.login(other, OTHER_STAFF, target.password)
        others_token = await target.csrf(other)
        own_token = await target.csrf(staff)
        variants: list[tuple[aiohttp.ClientSession, dict[str, str], dict[str, str], str]] = [
            (staff, {}, {}, ""),
            (staff, {"csrf": ""}, {}, ""),
            (staff, {"csrf": secrets.token_urlsafe(32)}, {}, ""),
            (staff, {"csrf": others_token}, {}, ""),
            (staff, {}, {"X-CSRF-Token": own_token}, ""),
            (staff, {}, {}, f"?csrf={own_token}"),
            (stranger, {"csrf": own_token}, {"Origin": "https://evil.example"}, ""),
        ]
        for route in routes:
            for browser, data, headers, query in variants:
                response = await browser.post(
                    route + query, data=data, headers=headers, allow_redirects=False
                )
                held = response.status == 403 or (
                    response.status == 302 and "/admin/login" in response.headers["Location"]
                )
                tally.attempt("csrf", held)
        still_in = await staff.get("/admin/", allow_redirects=False)
        tally.notes["csrf_session_survived"] = still_in.status == 200


async def plant_payloads(target: Target, resident: aiohttp.ClientSession, payloads: list[str]):  # type: ignore[no-untyped-def]
    """Through every field: a resident's question and rumour report, a staff alert (sent, so
    it has a public page), a screening session's place and a rumour correction."""
    for text in payloads:
        await resident.post("/api/chat", json={"text": text})
        await resident.post("/api/chat", json={"text": "/baotin " + text})
    async with target.client() as staff:
        await target.login(staff, STAFF_NAME, target.password)
        token = await target.csrf(staff)
        await staff.post("/admin/alerts", data={"csrf": token, "text": "\n\n".join(payloads)})
        await staff.post("/admin/alerts/1/approve", data={"csrf": token})
        await staff.post(
            "/admin/screening/sessions",
            data={
                "csrf": token,
                "day": time.strftime("%Y-%m-%d", time.localtime(time.time() + 7 * 86400)),
                "start": "08:00",
                "place": payloads[0][:100],
                "capacity": "10",
            },
        )
        await staff.post(
            "/admin/rumors/1/answer",
            data={"csrf": token, "verdict": "false", "correction": payloads[-1]},
        )


async def xss(target: Target, tally: Tally, quick: bool) -> None:
    chosen = PAYLOADS[:3] if quick else PAYLOADS
    payloads = [p.format(n=n) for n, p in enumerate(chosen)]
    async with target.client() as resident:
        await resident.post("/api/chat", json={"text": "/start"})
        await plant_payloads(target, resident, payloads)
        resident_cookie = {c.key: c.value for c in resident.cookie_jar}
    pages = ["/b/1", *(page.PATH for page in PAGES), "/admin/sessions"]
    if quick:
        pages = ["/b/1", "/admin/rumors", "/admin/faq", "/admin/alerts"]
    shown = 0
    async with target.client() as staff:
        await target.login(staff, STAFF_NAME, target.password)
        staff_cookie = {c.key: c.value for c in staff.cookie_jar}
        for path in pages:
            html = await (await staff.get(path)).text()
            for payload in payloads:
                raw = "<" in payload and payload in html
                tally.attempt("xss_html", not raw and 'href="javascript:' not in html)
                shown += any(form in html for form in (escape(payload), html_escape(payload)))
    # How many (page, payload) pairs showed the payload as text: proof the attack reached them.
    tally.notes["xss_shown_as_text"] = shown
    # The chat page draws its history with script: only a browser shows what it does.
    visits = [("/", resident_cookie), *((path, staff_cookie) for path in pages)]
    tally.notes["browser"] = await _in_chromium(target, tally, visits, len(payloads))


async def _in_chromium(
    target: Target, tally: Tally, visits: list[tuple[str, dict[str, str]]], payloads: int
) -> str:
    """Open every page in headless Chromium, as its reader, and see whether a payload ran."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        return "skipped: playwright is not installed"
    if chromium is None:
        return "skipped: no Chromium (apt-get install chromium)"
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for path, cookies in visits:
            context = await browser.new_context()
            await context.add_cookies(
                [{"name": k, "value": v, "url": target.base} for k, v in cookies.items()]
            )
            page = await context.new_page()
            # The chat page draws its history after fetching it; the others are whole at load.
            await page.goto(target.base + path, wait_until="networkidle" if path == "/" else "load")
            await page.mouse.move(200, 300)
            ran = await page.evaluate(
                f"[...Array({payloads}).keys()].map(n => Boolean(window['__xss' + n]))"
            )
            for executed in ran:
                tally.attempt("xss_browser", not executed)
            await context.close()
        await browser.close()
    return "chromium"


async def impersonation(target: Target, tally: Tally) -> None:
    marker = "RIENG-" + secrets.token_hex(4)
    async with target.client() as victim, target.client() as intruder:
        await victim.post("/api/chat", json={"text": "/start"})
        cookie = victim.cookie_jar.filter_cookies(URL(target.base))[CHAT_COOKIE]
        victim_id, _, signature = cookie.value.partition(".")
        await target.bot.channels["web"].send(victim_id, Reply(marker))
        subscribers = await target.subscribers()

        async def reads_nothing(path: str, cookie: str | None) -> bool:
            headers = {"Cookie": f"{CHAT_COOKIE}={cookie}"} if cookie else {}
            response = await intruder.get(path, params={"user_id": victim_id}, headers=headers)
            return marker not in await response.text()

        forged = [
            None,
            victim_id,
            f"{victim_id}.",
            f"{victim_id}.{signature[:-2]}",
            f"{victim_id}.{secrets.token_urlsafe(32)}",
        ]
        for value in forged:
            for path in ("/api/inbox", "/api/history"):
                intruder.cookie_jar.clear()
                tally.attempt("impersonation", await reads_nothing(path, value))
        intruder.cookie_jar.clear()
        await intruder.post("/api/chat", json={"user_id": victim_id, "text": "/xoadulieu"})
        await intruder.post("/api/chat", json={"user_id": victim_id, "button": "privacy:erase"})
        tally.attempt("impersonation", await target.subscribers() >= subscribers)
        for user_id in ("staff:1", "staff:2"):
            answer = await intruder.post("/api/chat", json={"user_id": user_id, "text": "/thongke"})
            tally.attempt("impersonation", "chỉ dành cho cán bộ" in await answer.text())
        for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer sai"}):
            response = await intruder.post(
                "/api/integration/chat",
                json={"user_id": victim_id, "text": "/huy"},
                headers=headers,
            )
            tally.attempt("impersonation", response.status == 401)


async def replay(target: Target, tally: Tally) -> None:
    """A staff cookie copied, then its session ended in each way; the copy must stop working."""

    async def copied_then(end: str) -> None:
        async with target.client() as staff, target.client() as thief:
            await target.login(staff, STAFF_NAME, target.password)
            token = await target.csrf(staff)
            thief.cookie_jar.update_cookies(
                {c.key: c.value for c in staff.cookie_jar}, URL(target.base)
            )
            if end == "logout":
                await staff.post("/admin/logout", data={"csrf": token})
            elif end == "everywhere":
                await staff.post("/admin/sessions/end-all", data={"csrf": token})
            else:
                async with target.bot.database.sessions() as session:
                    target.password = "mot-cau-moi-" + secrets.token_hex(6)
                    await set_password(session, STAFF_NAME, target.password, actor="audit")
            page = await thief.get("/admin/", allow_redirects=False)
            tally.attempt("replay", page.status == 302)
            post = await thief.post(
                "/admin/alerts", data={"csrf": token, "text": "giả mạo"}, allow_redirects=False
            )
            tally.attempt("replay", post.status in (302, 403))

    for end in ("logout", "everywhere", "password"):
        await copied_then(end)


async def bad_json(target: Target, tally: Tally) -> None:
    bodies: list[tuple[bytes, str]] = [
        (b'{"text": "' + b"a" * (2 * 1024 * 1024) + b'"}', "application/json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        (b'{"text": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", "application/json"),
        (b"\xff\xfe{}", "application/json"),
        (b'["text"]', "application/json"),
        (b'{"text": "' + b"a" * 5000 + b'"}', "application/json"),
        (b'{"button": 5}', "application/json"),
        (b"text=/start", "text/plain"),
        (b"", "application/json"),
    ]
    async with target.client() as browser:
        for body, content_type in bodies:
            for path in ("/api/chat", "/telegram/webhook"):
                headers = {"Content-Type": content_type}
                if path == "/telegram/webhook":
                    headers["X-Telegram-Bot-Api-Secret-Token"] = WEBHOOK_SECRET
                try:
                    response = await browser.post(path, data=body, headers=headers)
                    status = response.status
                except aiohttp.ClientError:
                    status = 413  # the server closed the connection on the oversized body
                held = status < 500 and (path != "/api/chat" or status >= 400)
                tally.attempt("bad_json", held)
        alive = await browser.post("/api/chat", json={"text": "/trogiup"})
        tally.notes["alive_after_bad_json"] = alive.status == 200


async def login_flood(target: Target, tally: Tally, quick: bool) -> None:
    """Guesses from one address at many names (and the owner's); then the owner, elsewhere."""
    guesses = 12 if quick else 40
    async with target.client() as attacker:
        for n in range(guesses):
            name = STAFF_NAME if n % 10 == 0 else f"ten-{n}"
            status = await target.login(attacker, name, f"doan-{n}")
            tally.attempt("login_flood", status != 302)
        limited = await attacker.post(
            "/admin/login", data={"name": STAFF_NAME, "password": target.password}
        )
        tally.attempt("login_flood", "quá nhiều lần" in await limited.text())
    async with target.client("127.0.0.2") as owner:
        started = time.monotonic()
        signed_in = await target.login(owner, STAFF_NAME, target.password) == 302
        tally.notes["owner_signed_in_elsewhere"] = signed_in
        tally.notes["owner_login_s"] = round(time.monotonic() - started, 2)


async def audit(quick: bool = False) -> dict[str, Any]:
    from bot.fakes.telegram_server import TOKEN, FakeTelegramServer

    started = time.monotonic()
    tally = Tally()
    async with AsyncExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        telegram_api = FakeTelegramServer(rate=1000, private_per_second=1000)
        await telegram_api.start()
        stack.push_async_callback(telegram_api.stop)
        settings = load_settings(
            database_url=f"sqlite+aiosqlite:///{workdir / 'audit.db'}",
            web_port=_free_port(),
            telegram_bot_token=TOKEN,
            telegram_api_base_url=telegram_api.base_url,
            webhook_url="https://audit.example/telegram/webhook",
            webhook_secret=WEBHOOK_SECRET,
            _env_file=None,
        )
        bot = LoaPhuong(settings)
        await bot.start()
        stack.push_async_callback(bot.stop)
        target = Target(bot, telegram_api)
        target.password = "mot-cau-dai-de-nho-" + secrets.token_hex(4)
        async with bot.database.sessions() as session:
            await add_staff(session, STAFF_NAME, "admin", password=target.password, actor="audit")
            await add_staff(session, OTHER_STAFF, "staff", password=target.password, actor="audit")
        await forged_webhooks(target, tally, quick)
        await impersonation(target, tally)
        await xss(target, tally, quick)
        await csrf_variants(target, tally, quick)
        await replay(target, tally)
        await bad_json(target, tally)
        await login_flood(target, tally, quick)
    line = tally.line(time.monotonic() - started)
    line["clean"] = (
        tally.clean
        and all(
            tally.notes.get(key, True)
            for key in (
                "csrf_session_survived",
                "alive_after_bad_json",
                "owner_signed_in_elsewhere",
            )
        )
        and tally.notes.get("webhook_updates_let_in", 0) == 0
    )
    return line
