"""A poster goes up: a burst of /start against a Bot API counting Telegram's limits in a
strict sliding window, then a broadcast to everyone who wrote. Every welcome arrives and
the broadcast draws no 429: one `loaphuong run` process on SQLite (bench/burst.py, which
measures the rates at full size, also with three processes on PostgreSQL), and three
instances in this process on PostgreSQL, the updates handed to them in turn as a
round-robin balancer would."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from bench.burst import measure
from bot.app import build_dispatcher
from bot.channels.telegram import TelegramChannel
from bot.config import load_settings
from bot.core import Incoming
from bot.db import Database
from bot.fakes.telegram_server import TOKEN, FakeTelegramServer
from bot.outbox.worker import OutboxRunner, Tuning
from bot.routing import Services
from bot.state import SqlStateStorage
from tests.helpers import eventually
from tests.test_outbox_engine import queue, unfinished


async def test_a_burst_of_starts_is_welcomed_in_full_then_broadcast_without_429(tmp_path: Path):
    figures = await measure(tmp_path, residents=30, rate=30, instances=1, over=0.5)
    assert figures["webhooks_refused"] == 0
    assert figures["welcomes_lost"] == 0, figures
    assert figures["broadcast_lost"] == 0 and figures["broadcast_duplicates"] == 0, figures
    assert figures["broadcast_http_429"] == 0, figures


async def test_three_instances_behind_a_balancer_welcome_everyone(postgres_url: str):
    server = FakeTelegramServer(rate=30)  # Telegram's published limits, strictly
    await server.start()
    settings = load_settings(
        database_url=postgres_url,
        telegram_bot_token=TOKEN,
        telegram_api_base_url=server.base_url,
        quiet_start=0,
        quiet_end=0,
        _env_file=None,
    )
    await Database(postgres_url).migrate()
    tuning = Tuning(idle_poll=0.05, flush_interval=0.02, presence_interval=0.3)
    databases = [Database(postgres_url) for _ in range(3)]
    channels = [TelegramChannel(settings) for _ in databases]
    runners = [
        OutboxRunner(db, {"telegram": channel}, settings, tuning=tuning)
        for db, channel in zip(databases, channels, strict=True)
    ]
    answers = [
        runner.answering(
            "telegram",
            build_dispatcher(
                Services(settings, db.sessions, SqlStateStorage(db.sessions))
            ).dispatch,
        )
        for db, runner in zip(databases, runners, strict=True)
    ]
    chats = [str(8_000_000 + n) for n in range(45)]
    try:
        await asyncio.gather(*(runner.start() for runner in runners))
        await asyncio.gather(
            *(
                answer(Incoming("telegram", chat, chat, text="/start"))
                for chat, answer in zip(chats, itertools.cycle(answers), strict=False)
            )
        )

        async def all_welcomed() -> bool:
            return len(server.delivered) == len(chats)

        await eventually(all_welcomed, "not all welcomed in time", timeout=30)
        server.reset()
        await asyncio.sleep(1.1)  # a broadcast comes later than the second after a welcome
        await queue(databases[0])

        async def all_sent() -> bool:
            return await unfinished(databases[0]) == 0

        await eventually(all_sent, "not all sent in time", timeout=30)
    finally:
        for runner in runners:
            await runner.stop()
        for channel in channels:
            await channel.stop()
        for db in databases:
            await db.close()
        await server.stop()
    assert sorted(server.delivered) == chats and server.duplicates == 0
    assert server.http_429 == 0
