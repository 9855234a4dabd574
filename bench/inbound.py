"""Inbound speed: N residents chatting at once with a running `loaphuong run`.

`--path web`: each simulated resident is a browser: its own HTTP session and cookie jar,
opening the chat page first, then sending /start and, for the rest of the run, what
residents send (questions, topic buttons, typed replies) one request after another.
`--path webhook`: each resident is a Telegram user; its updates (/start, then the typed
lines of the same script) are posted to /telegram/webhook with the secret header, as
Telegram does, and the bot answers through the fake Bot API (in this process, limits high
enough never to slow it down). A resident sends its next update once the bot's answer has
reached the fake. `--path both` measures one after the other.

The bot runs in a child process on SQLite (or --database-url); its memory is read at the
end. Figures per path, the same keys: requests per second, p50/p99 of the HTTP answer
(the webhook's 200; the web chat's answer), p50/p99 until the resident has the bot's
answer (the same as the HTTP answer on the web), errors (any non-200 answer, a transport
error, an answer that never came, or an "Xin lỗi, mình đang gặp trục trặc" reply), the
bot's RSS and its CPU time per request (on a shared machine the latencies also count
others' work).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from itertools import chain, count, cycle
from pathlib import Path
from typing import Any

from bot.fakes.processes import free_port, until_healthy

# What a resident sends after /start, in turn (questions, then /chude answered to its end, then
# questions that reach the FAQ); the same for everyone, as a poster's QR brings.
SCRIPT: list[dict[str, str]] = [
    {"text": "tiêm vắc xin sởi cho trẻ ở đâu"},
    {"button": "sub:topics"},
    {"button": "topic:tre_em"},
    {"button": "sub:done"},
    {"text": "to 3"},  # typed, as residents do, then the language
    {"text": "tieng viet"},
    {"text": "khám sàng lọc miễn phí cần mang gì"},
    {"text": "ko co bhyt thi kham dc ko"},
    {"text": "/trogiup"},
]
FAILURE_WORDS = "trục trặc"
PATHS = ("web", "webhook")
WEBHOOK_PATH = "/telegram/webhook"
SECRET = "bi-mat-cua-bench-inbound"
FIRST_RESIDENT = 9_000_000
# Seconds a resident waits for the bot's answer before counting an error.
ANSWER_TIMEOUT = 10.0


SUMMARY = "tốc độ nhận tin: N người dân cùng chat với bot đang chạy (web chat, webhook Telegram)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--users", type=int, default=20, help="số người dân cùng lúc (20)")
    parser.add_argument("--seconds", type=float, default=10.0, help="số giây đo (10)")
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="số giây khởi động không tính (2)"
    )
    parser.add_argument(
        "--database-url", default="", help="DATABASE_URL của bot (mặc định: tệp SQLite mới)"
    )
    parser.add_argument(
        "--path",
        choices=(*PATHS, "both"),
        default="web",
        help="đường vào: web (API web chat), webhook (webhook Telegram) hoặc both (cả hai)",
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.path == "both":
        return {path: asyncio.run(_measure(args, path)) for path in PATHS}
    return asyncio.run(_measure(args, args.path))


@dataclass
class Tally:
    """What the residents saw while the clock ran."""

    counting_from: float
    until: float
    http: list[float] = field(default_factory=list)  # seconds until the HTTP answer
    answered: list[float] = field(default_factory=list)  # seconds until the bot's answer
    errors: int = 0

    def add(self, started: float, http_done: float, answer_done: float | None) -> None:
        if started < self.counting_from:
            return
        self.http.append(http_done - started)
        if answer_done is None:
            self.errors += 1
        else:
            self.answered.append(answer_done - started)


# One resident's next request: the tally's (started, HTTP answered, bot answered or None).
Ask = Callable[[dict[str, str]], Awaitable[tuple[float, float, float | None]]]


async def _measure(args: argparse.Namespace, path: str) -> dict[str, Any]:
    from bot.fakes.telegram_server import TOKEN, FakeTelegramServer

    fake = None
    env: dict[str, str] = {}
    if path == "webhook":
        fake = FakeTelegramServer(
            rate=1000, free_rate=1000, private_per_second=1000, group_per_minute=60_000
        )
        fake.keep_payloads = False
        env = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": await fake.start(),
            "TELEGRAM_RATE_PER_SECOND": "1000",
            "TELEGRAM_PRIVATE_PER_SECOND": "1000",
            "WEBHOOK_URL": f"https://loa.example.vn{WEBHOOK_PATH}",
            "WEBHOOK_SECRET": SECRET,
        }
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        bot = await _start_bot(Path(tmp), port, args.database_url, env)
        base = f"http://127.0.0.1:{port}"
        try:
            await until_healthy([port])
            started = time.monotonic()
            tally = Tally(started + args.warmup, started + args.warmup + args.seconds)
            cpu_at_start: list[tuple[float, float]] = []

            async def start_counting() -> None:
                await asyncio.sleep(max(0.0, tally.counting_from - time.monotonic()))
                cpu_at_start.append((_cpu_seconds(bot.pid), _cpu_seconds(bot.pid, bot.pid)))

            if fake is None:
                residents = [_browser(base, tally, n) for n in range(args.users)]
            else:
                answers = _AnswerWatch(fake)
                residents = [_telegram_user(base, tally, answers, n) for n in range(args.users)]
            await asyncio.gather(start_counting(), *residents)
            cpu_s = _cpu_seconds(bot.pid) - cpu_at_start[0][0]
            loop_cpu_s = _cpu_seconds(bot.pid, bot.pid) - cpu_at_start[0][1]
            rss_mb = _rss_mb(bot.pid)
        finally:
            bot.terminate()
            await bot.wait()
            if fake is not None:
                await fake.stop()
    return _figures(path, args, tally, (cpu_s, loop_cpu_s), rss_mb)


def _figures(
    path: str,
    args: argparse.Namespace,
    tally: Tally,
    cpu_s: tuple[float, float],
    rss_mb: float | None,
) -> dict[str, Any]:
    def ms(ordered: list[float], share: float) -> float | None:
        return round(_percentile(ordered, share) * 1000, 1) if ordered else None

    http, answered = sorted(tally.http), sorted(tally.answered)
    return {
        "path": path,
        "users": args.users,
        "seconds": args.seconds,
        "requests": len(http),
        "requests_per_s": round(len(http) / args.seconds, 1),
        "p50_ms": round(statistics.median(http) * 1000, 1) if http else None,
        "p99_ms": ms(http, 0.99),
        "answer_p50_ms": round(statistics.median(answered) * 1000, 1) if answered else None,
        "answer_p99_ms": ms(answered, 0.99),
        "errors": tally.errors,
        "rss_mb": rss_mb,
        # The bot's own CPU per request: what the machine's other load does not change. The
        # event loop's thread alone is what bounds the answers per second.
        "cpu_ms_per_request": round(cpu_s[0] * 1000 / max(1, len(http)), 2),
        "loop_cpu_ms_per_request": round(cpu_s[1] * 1000 / max(1, len(http)), 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cores": os.cpu_count(),
    }


async def _browser(base: str, tally: Tally, number: int) -> None:
    """A resident in the web chat: one browser, its own connection and cookie jar, the
    page first; the answer is in the response."""
    import aiohttp

    connector = aiohttp.TCPConnector(limit=1, limit_per_host=1)
    async with aiohttp.ClientSession(
        base, connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True)
    ) as browser:
        async with browser.get("/") as page:
            await page.read()
        user_id = f"bench-{number}"
        for body in chain([{"text": "/start"}], cycle(SCRIPT)):
            started = time.monotonic()
            if started >= tally.until:
                return
            ok = await _ask(browser, {"user_id": user_id, **body})
            done = time.monotonic()
            tally.add(started, done, done if ok else None)


class _AnswerWatch:
    """Tells a resident when the fake Bot API accepted a message to its chat."""

    def __init__(self, fake: Any) -> None:
        self._waiting: dict[str, asyncio.Future[str]] = {}
        record = fake._record

        def watched(chat_id: str, text: str, method: str, params: Any, now: float) -> None:
            record(chat_id, text, method, params, now)
            waiter = self._waiting.pop(chat_id, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(text)

        fake._record = watched

    def expect(self, chat_id: str) -> asyncio.Future[str]:
        waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiting[chat_id] = waiter
        return waiter


_update_ids = count(1)


async def _telegram_user(base: str, tally: Tally, answers: _AnswerWatch, number: int) -> None:
    """A resident on Telegram: its updates posted to the webhook one after another, the
    next once the bot's first message in answer reached the fake Bot API. Buttons are left
    out (a tap needs the message id of the bot's keyboard): the typed lines only."""
    import aiohttp

    resident = FIRST_RESIDENT + number
    chat = {"id": resident, "type": "private"}
    person = {"id": resident, "is_bot": False, "first_name": "Cư dân"}
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    typed = [line["text"] for line in SCRIPT if "text" in line]
    connector = aiohttp.TCPConnector(limit=1, limit_per_host=1)
    async with aiohttp.ClientSession(base, connector=connector) as telegram:
        for text in chain(["/start"], cycle(typed)):
            started = time.monotonic()
            if started >= tally.until:
                return
            update_id = next(_update_ids)
            message = {
                "message_id": update_id,
                "date": int(time.time()),
                "chat": chat,
                "from": person,
                "text": text,
            }
            if text.startswith("/"):
                length = len(text.split()[0])
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
            answer = answers.expect(str(resident))
            try:
                async with telegram.post(
                    WEBHOOK_PATH, json={"update_id": update_id, "message": message}, headers=headers
                ) as response:
                    ok = response.status == 200
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            http_done = time.monotonic()
            try:
                reply = await asyncio.wait_for(answer, ANSWER_TIMEOUT) if ok else None
            except TimeoutError:
                reply = None
            answered = time.monotonic() if reply and FAILURE_WORDS not in reply else None
            tally.add(started, http_done, answered)


async def _ask(browser: Any, body: dict[str, str]) -> bool:
    import aiohttp

    try:
        async with browser.post("/api/chat", json=body) as response:
            if response.status != 200:
                return False
            answer = await response.json()
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return False
    return not any(FAILURE_WORDS in reply["text"] for reply in answer.get("replies", []))


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def _start_bot(
    workdir: Path, port: int, database_url: str, env: dict[str, str]
) -> asyncio.subprocess.Process:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "ZALO_", "DATABASE_", "WEBHOOK_"))
    }
    environment["WEB_PORT"] = str(port)
    environment["DATABASE_URL"] = database_url or f"sqlite+aiosqlite:///{workdir / 'bot.db'}"
    environment["LOG_LEVEL"] = "WARNING"
    # Every simulated resident comes from 127.0.0.1: the per-address limit on new chats
    # (an abuse guard) would refuse all but the first 30.
    environment["WEB_NEW_CHATS_PER_HOUR"] = "0"
    environment.update(env)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=workdir,
        env=environment,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=None,
    )


def _cpu_seconds(pid: int, thread: int | None = None) -> float:
    """User + system CPU time so far (Linux /proc) of a process, or of one of its threads
    (the main thread's id is the process id)."""
    stat = Path(f"/proc/{pid}/task/{thread}/stat" if thread else f"/proc/{pid}/stat")
    fields = stat.read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None
