"""A poster goes up: residents send /start within seconds, then a broadcast reaches them all.

The fake Bot API runs in its own process and counts Telegram's limits in a strict
1-second sliding window (at most `rate` accepted sends in any second, 1 per private chat
per second, a 429 with retry_after otherwise). The bot runs as `loaphuong run` processes
in webhook mode sharing one database (--instances; several need --database
postgresql+asyncpg://…); the updates are posted to them in turn, as a round-robin
balancer would. Figures: welcomes delivered and 429s during the burst, then the
broadcast's rate as a share of the limit, its 429s and recipients never reached.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

SECRET = "bi-mat-cua-bai-do"
WEBHOOK_PATH = "/telegram/webhook"
FIRST_RESIDENT = 7_000_000


SUMMARY = "người dân cùng lúc gửi /start rồi nhận tin hàng loạt: lời chào, lỗi 429, tốc độ gửi"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--residents", type=int, default=300, help="số cư dân gửi /start")
    parser.add_argument("--rate", type=float, default=30.0, help="giới hạn tin/giây của máy chủ")
    parser.add_argument("--instances", type=int, default=1, help="số tiến trình bot")
    parser.add_argument("--database", default="", help="DATABASE_URL (mặc định: SQLite tạm)")
    parser.add_argument("--over", type=float, default=3.0, help="số giây các /start đến")
    parser.add_argument("--timeout", type=float, default=120.0, help="giây chờ tối đa mỗi phần")


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(
            measure(
                Path(tmp),
                residents=args.residents,
                rate=args.rate,
                instances=args.instances,
                database=args.database,
                over=args.over,
                timeout=args.timeout,
            )
        )


async def measure(
    workdir: Path,
    *,
    residents: int,
    rate: float,
    instances: int,
    database: str = "",
    over: float = 3.0,
    timeout: float = 120.0,
) -> dict[str, Any]:
    from bench.broadcast import (
        TEXT,
        fake_reset,
        fake_stats,
        start_fake_server,
        wait_until_delivered,
    )
    from bot.db import Database
    from bot.fakes.processes import free_port, start_bot, stop, until_healthy
    from bot.fakes.telegram_server import TOKEN
    from bot.models.outbox import BroadcastKind
    from bot.outbox.audience import Audience
    from bot.outbox.broadcasts import BroadcastRequest, create_broadcast

    url = database or f"sqlite+aiosqlite:///{workdir / 'burst.db'}"
    server, base_url = start_fake_server(rate)
    db = Database(url)
    bots = []
    try:
        # Migrated before the instances start, so none of them races another to do it.
        await db.migrate()
        ports = [free_port() for _ in range(instances)]
        for number, port in enumerate(ports):
            folder = workdir / f"bot{number}"
            folder.mkdir()
            env = {
                "DATABASE_URL": url,
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": base_url,
                "TELEGRAM_RATE_PER_SECOND": str(rate),
                "WEBHOOK_URL": f"https://loa.example.vn{WEBHOOK_PATH}",
                "WEBHOOK_SECRET": SECRET,
                "QUIET_START": "0",
                "QUIET_END": "0",
            }
            bots.append(start_bot(folder, port, **env))
        await until_healthy(ports, timeout)
        async with aiohttp.ClientSession() as client:
            started = time.monotonic()
            refused = await _post_starts(client, ports, residents, over)
            welcomed = await _wait_for_chats(base_url, residents, timeout)
            welcome_s = time.monotonic() - started
        burst = fake_stats(base_url)
        fake_reset(base_url)
        # A broadcast follows later, not within the second a welcome went to the same chat
        # from another instance (whose pacer cannot know of it).
        await asyncio.sleep(1.1)
        async with db.sessions() as session:
            await create_broadcast(
                session, BroadcastRequest(text=TEXT, audience=Audience(), kind=BroadcastKind.BENCH)
            )
            await session.commit()
        await asyncio.wait_for(wait_until_delivered(db, poll=0.2), timeout)
        broadcast = fake_stats(base_url)
    finally:
        for bot in bots:
            stop(bot)
        server.kill()
        server.wait()
        await db.close()
    achieved = broadcast["achieved_per_s"]
    return {
        "residents": residents,
        "instances": instances,
        "database": url.split(":", 1)[0],
        "limit_per_s": rate,
        "webhooks_refused": refused,
        "welcomes_delivered": welcomed,
        "welcomes_lost": residents - welcomed,
        "welcome_s": round(welcome_s, 2),
        "burst_http_429": burst["http_429"],
        "burst_refused_by": burst["refused_by"],
        "broadcast_achieved_per_s": round(achieved, 1),
        "broadcast_ratio": round(achieved / rate, 3),
        "broadcast_http_429": broadcast["http_429"],
        "broadcast_refused_by": broadcast["refused_by"],
        "broadcast_lost": residents - broadcast["chats"],
        "broadcast_duplicates": broadcast["duplicates"],
    }


async def _post_starts(
    client: aiohttp.ClientSession, ports: list[int], residents: int, over: float
) -> int:
    """Every resident's /start, spread evenly over `over` seconds, to the instances in
    turn; how many were not answered 200."""
    turn = itertools.cycle(ports)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    started = time.monotonic()

    async def post(index: int, port: int) -> bool:
        await asyncio.sleep(max(0.0, started + index * over / residents - time.monotonic()))
        resident = FIRST_RESIDENT + index
        update = {
            "update_id": index + 1,
            "message": {
                "message_id": index + 1,
                "date": int(time.time()),
                "chat": {"id": resident, "type": "private"},
                "from": {"id": resident, "is_bot": False, "first_name": "Cư dân"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
        async with client.post(url, json=update, headers=headers) as response:
            return response.status == 200

    answered = await asyncio.gather(
        *(post(index, port) for index, port in zip(range(residents), turn, strict=False))
    )
    return answered.count(False)


async def _wait_for_chats(base_url: str, residents: int, timeout: float) -> int:
    """Wait until every resident got a message (or the timeout); how many did."""
    from bench.broadcast import fake_stats

    deadline = time.monotonic() + timeout
    while (chats := fake_stats(base_url)["chats"]) < residents and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    return int(chats)
