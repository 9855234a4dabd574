"""Crash safety: SIGKILL the sender mid-broadcast, restart it, count lost and repeated messages.

Each trial: a fresh SQLite file with N recipients and one broadcast; a sender process
(the real OutboxRunner and Telegram adapter) against the fake Bot API in its own
process; SIGKILL once the fake has taken a random 10–90 % of the messages; a new
sender finishes the job. The fake server counts who got the message (lost = never)
and who got it twice (duplicates: sends in flight, or done but not yet recorded, at
the kill). `in_doubt` is the outbox's own count of rows that were leased at the kill:
an upper bound on the duplicates, checked in every trial (`duplicates_within_in_doubt`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# A short lease so the restarted sender takes the killed one's rows back in seconds
# (the bot's default is 60 s); the point is that they come back, not how fast.
LEASE_SECONDS = 2.0


SUMMARY = "an toàn khi sập: giết tiến trình gửi giữa chừng, đếm tin bị mất và tin gửi trùng"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trials", type=int, default=5, help="số lần giết tiến trình gửi")
    parser.add_argument("--recipients", type=int, default=2000, help="số người nhận mỗi lần")
    parser.add_argument("--rate", type=float, default=500.0, help="giới hạn tin/giây của máy chủ")
    parser.add_argument("--seed", type=int, default=None, help="hạt giống ngẫu nhiên")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from bench.broadcast import fake_reset, fake_stats, start_fake_server

    chooser = random.Random(args.seed)
    server, base_url = start_fake_server(args.rate)
    totals: dict[str, Any] = {"lost": 0, "duplicates": 0, "in_doubt": 0, "sent_at_kill": []}
    within = True
    try:
        for _ in range(args.trials):
            fake_reset(base_url)
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite+aiosqlite:///{Path(tmp) / 'crash.db'}"
                asyncio.run(_prepare(url, args.recipients))
                kill_at = round(chooser.uniform(0.1, 0.9) * args.recipients)
                _kill_after(url, base_url, args.rate, kill_at)
                sent_before_restart = fake_stats(base_url)["accepted"]
                _sender(url, base_url, args.rate).wait(timeout=600)
                stats = fake_stats(base_url)
                in_doubt = asyncio.run(_in_doubt(url))
                within = within and stats["duplicates"] <= in_doubt
                totals["lost"] += args.recipients - stats["chats"]
                totals["duplicates"] += stats["duplicates"]
                totals["in_doubt"] += in_doubt
                totals["sent_at_kill"].append(sent_before_restart)
    finally:
        server.kill()
        server.wait()
    return {
        "trials": args.trials,
        "recipients": args.recipients,
        **totals,
        "duplicates_within_in_doubt": within,
    }


def _kill_after(url: str, base_url: str, rate: float, deliveries: int) -> None:
    """Start a sender and SIGKILL it once the fake has taken `deliveries` messages."""
    from bench.broadcast import fake_stats

    sender = _sender(url, base_url, rate)
    while sender.poll() is None and fake_stats(base_url)["accepted"] < deliveries:
        time.sleep(WATCH_INTERVAL_S)
    if sender.poll() is None:
        os.kill(sender.pid, signal.SIGKILL)
    sender.wait()


# How often the fake's counters are read while waiting for the moment to kill.
WATCH_INTERVAL_S = 0.01


def _sender(url: str, base_url: str, rate: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.crash", url, base_url, str(rate)],
        cwd=Path(__file__).resolve().parent.parent,
    )


async def _prepare(url: str, recipients: int) -> None:
    from bench.broadcast import seed_subscribers
    from bot.db import Database
    from bot.models.outbox import BroadcastKind
    from bot.outbox.audience import Audience
    from bot.outbox.broadcasts import BroadcastRequest, create_broadcast

    database = Database(url)
    try:
        await database.migrate()
        await seed_subscribers(database, recipients)
        async with database.sessions() as session:
            await create_broadcast(
                session,
                BroadcastRequest(text="Tin thử", audience=Audience(), kind=BroadcastKind.BENCH),
            )
            await session.commit()
    finally:
        await database.close()


async def _in_doubt(url: str) -> int:
    from sqlalchemy import func, select

    from bot.db import Database
    from bot.models.outbox import OutboxMessage

    database = Database(url)
    try:
        async with database.sessions() as session:
            return int(await session.scalar(select(func.sum(OutboxMessage.in_doubt))) or 0)
    finally:
        await database.close()


async def _send_everything(url: str, base_url: str, rate: float) -> None:
    """The sender process: the real runner until no row is pending or sending."""
    from bench.broadcast import bench_settings, unfinished
    from bot.channels.telegram import TelegramChannel
    from bot.db import Database
    from bot.outbox.worker import OutboxRunner, Tuning

    settings = bench_settings(url, base_url, rate)
    database = Database(url)
    channel = TelegramChannel(settings)
    tuning = Tuning(lease_seconds=LEASE_SECONDS, lease_check_interval=0.5)
    runner = OutboxRunner(database, {"telegram": channel}, settings, tuning=tuning)
    await runner.start()
    try:
        while await unfinished(database):
            await asyncio.sleep(0.2)
    finally:
        await runner.stop()
        await channel.stop()
        await database.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)  # the 429 pauses after a restart are expected
    database_url, api_base_url, send_rate = sys.argv[1:4]
    asyncio.run(_send_everything(database_url, api_base_url, float(send_rate)))
