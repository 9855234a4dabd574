"""Broadcast throughput: the real outbox and Telegram adapter against the fake Bot API.

The fake server runs in its own process and enforces the limit (bot-wide rate,
1/s per private chat); the figures are the server's: messages accepted per second
between the first and the last, 429 answers, recipients never reached, repeats.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bot.config import Settings, load_settings
from bot.db import Database
from bot.models.core import Subscriber
from bot.models.outbox import BroadcastKind, OutboxMessage
from bot.outbox.audience import Audience
from bot.outbox.broadcasts import BroadcastRequest, create_broadcast

TEXT = (
    "**Ngày Thế giới phòng, chống lao – Thứ Ba, ngày 24 tháng 3 năm 2026**\n\n"
    "Ho kéo dài trên 2 tuần có thể là dấu hiệu bệnh lao. Phát hiện sớm thì chữa khỏi.\n\n"
    "- Đi khám khi ho trên 2 tuần\n- Che miệng khi ho\n- Mở cửa cho thoáng khí\n\n"
    "Cần tư vấn: Trạm Y tế phường, 7h–17h, điện thoại 024 3826 1234."
)


SUMMARY = (
    "tốc độ gửi tin hàng loạt (hàng đợi thật, Telegram giả): tin/giây, lỗi 429, người chưa nhận"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--recipients", type=int, default=1000, help="số người nhận")
    parser.add_argument("--rate", type=float, default=30.0, help="giới hạn tin/giây của máy chủ")
    parser.add_argument("--database", default="", help="DATABASE_URL (mặc định: SQLite tạm)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        return asyncio.run(_measure(url, args.recipients, args.rate))


async def _measure(url: str, recipients: int, rate: float) -> dict[str, Any]:
    from bot.channels.telegram import TelegramChannel
    from bot.outbox.worker import OutboxRunner

    server, base_url = start_fake_server(rate)
    database = Database(url)
    try:
        await database.migrate()
        await seed_subscribers(database, recipients)
        started = time.monotonic()
        async with database.sessions() as session:
            await create_broadcast(
                session, BroadcastRequest(text=TEXT, audience=Audience(), kind=BroadcastKind.BENCH)
            )
            await session.commit()
        create_s = time.monotonic() - started
        settings = bench_settings(url, base_url, rate)
        channel = TelegramChannel(settings)
        runner = OutboxRunner(database, {"telegram": channel}, settings)
        gc.freeze()  # as `loaphuong run` does once started (bot/app.py serve)
        await runner.start()
        await wait_until_delivered(database)
        await runner.stop()
        await channel.stop()
        stats = fake_stats(base_url)
    finally:
        server.kill()
        server.wait()
        await database.close()
    achieved = stats["achieved_per_s"]
    return {
        "recipients": recipients,
        "limit_per_s": rate,
        "achieved_per_s": round(achieved, 1),
        "ratio": round(achieved / rate, 3),
        "http_429": stats["http_429"],
        "lost": recipients - stats["chats"],
        "duplicates": stats["duplicates"],
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "create_s": round(create_s, 2),
    }


def start_fake_server(rate: float, *extra: str) -> tuple[subprocess.Popen[str], str]:
    """The fake Bot API in its own process (its own core); returns it and its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.fakes.telegram_server", "--rate", str(rate), *extra],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def fake_stats(base_url: str) -> dict[str, Any]:
    stats_url = base_url.removesuffix("/bot") + "/_fake/stats"
    with urllib.request.urlopen(stats_url, timeout=10) as response:
        return dict(json.loads(response.read()))


def fake_reset(base_url: str) -> None:
    request = urllib.request.Request(base_url.removesuffix("/bot") + "/_fake/reset", b"")
    urllib.request.urlopen(request, timeout=10).close()


def bench_settings(url: str, base_url: str, rate: float) -> Settings:
    from bot.fakes.telegram_server import TOKEN

    return load_settings(
        database_url=url,
        telegram_bot_token=TOKEN,
        telegram_api_base_url=base_url,
        telegram_rate_per_second=rate,
        # No quiet hours: a benchmark measures the same whatever the hour.
        quiet_start=0,
        quiet_end=0,
        _env_file=None,
    )


async def seed_subscribers(database: Database, count: int) -> None:
    """`count` active private Telegram chats (ids 1000000, 1000001, …)."""
    table = Subscriber.__table__  # type: ignore[attr-defined]
    async with database.engine.begin() as connection:
        for first in range(0, count, 5000):
            rows = [
                {"channel": "telegram", "chat_id": str(1_000_000 + i), "kind": "private",
                 "language": "vi", "active": True, "created_at": _now(), "updated_at": _now()}
                for i in range(first, min(count, first + 5000))
            ]  # fmt: skip
            await connection.execute(insert(table), rows)


async def wait_until_delivered(database: Database, poll: float = 1.0) -> None:
    while await unfinished(database):
        await asyncio.sleep(poll)


async def unfinished(database: Database) -> int:
    async with database.sessions() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status.in_(("pending", "sending")))
            )
            or 0
        )


def _now() -> Any:
    from bot.models.types import utcnow

    return utcnow()
