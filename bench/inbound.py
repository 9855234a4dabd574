"""Inbound speed: N residents chatting at once with a running `loaphuong run` (web chat API).

Each simulated resident is a browser: its own HTTP session and cookie jar, opening the
chat page first, then sending /start and, for the rest of the run, what residents send
(questions, topic buttons, typed replies) one request after another. The bot runs in a
child process on SQLite (or --database-url); its memory is read at the end. Figures:
requests answered per second, latency percentiles, errors (any non-200 answer, a
transport error, or an "Xin lỗi, mình đang gặp trục trặc" reply), the bot's RSS and its
CPU time per answer (on a shared machine the latencies also count others' work).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from itertools import chain, cycle
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


SUMMARY = "tốc độ nhận tin: N người dân cùng chat với bot đang chạy (web chat)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--users", type=int, default=20, help="số người dân cùng lúc (20)")
    parser.add_argument("--seconds", type=float, default=10.0, help="số giây đo (10)")
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="số giây khởi động không tính (2)"
    )
    parser.add_argument(
        "--database-url", default="", help="DATABASE_URL của bot (mặc định: tệp SQLite mới)"
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    return asyncio.run(_measure(args))


async def _measure(args: argparse.Namespace) -> dict[str, Any]:
    import aiohttp

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        bot = await _start_bot(Path(tmp), port, args.database_url)
        base = f"http://127.0.0.1:{port}"
        try:
            await until_healthy([port])
            latencies: list[float] = []
            errors = [0]
            started = time.monotonic()
            counting_from = started + args.warmup
            until = counting_from + args.seconds

            cpu_at_start: list[float] = []

            async def start_counting() -> None:
                await asyncio.sleep(max(0.0, counting_from - time.monotonic()))
                cpu_at_start.append(_cpu_seconds(bot.pid))

            async def resident(number: int) -> None:
                # One browser: its own connection and cookie jar, the page first.
                connector = aiohttp.TCPConnector(limit=1, limit_per_host=1)
                async with aiohttp.ClientSession(
                    base, connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True)
                ) as browser:
                    async with browser.get("/") as page:
                        await page.read()
                    user_id = f"bench-{number}"
                    for body in chain([{"text": "/start"}], cycle(SCRIPT)):
                        now = time.monotonic()
                        if now >= until:
                            return
                        ok = await _ask(browser, {"user_id": user_id, **body})
                        done = time.monotonic()
                        if now >= counting_from:
                            latencies.append(done - now)
                            errors[0] += not ok

            await asyncio.gather(start_counting(), *(resident(n) for n in range(args.users)))
            cpu_s = _cpu_seconds(bot.pid) - cpu_at_start[0]
            rss_mb = _rss_mb(bot.pid)
        finally:
            bot.terminate()
            await bot.wait()
    latencies.sort()
    return {
        "users": args.users,
        "seconds": args.seconds,
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / args.seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 1) if latencies else None,
        "errors": errors[0],
        "rss_mb": rss_mb,
        # The bot's own CPU per answer: what the machine's other load does not change.
        "cpu_ms_per_request": round(cpu_s * 1000 / max(1, len(latencies)), 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cores": os.cpu_count(),
    }


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


async def _start_bot(workdir: Path, port: int, database_url: str) -> asyncio.subprocess.Process:
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


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
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
