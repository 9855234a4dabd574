"""When the platform says "too many": pauses longer than a lease, one chat's 429, and
several instances sharing one platform limit. The real runner and Telegram adapter
against the fake Bot API, on a migrated SQLite file (helpers from test_outbox_engine).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.db import Database
from bot.models.outbox import OutboxMessage
from bot.outbox.pacing import Limits
from bot.outbox.worker import OutboxRunner, Tuning
from tests import test_outbox_engine as engine
from tests.test_outbox_engine import FAST, TEXT, drain, queue, rows, subscribe, unfinished

channel = engine.channel  # the fixture: a TelegramChannel on the fake Bot API
MORNING = datetime(2026, 11, 24, 10, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def send_times(telegram_api) -> dict[str, list[float]]:
    """When the fake accepted each chat's messages (its own clock)."""
    seen: dict[str, list[float]] = {}
    original = telegram_api._record

    def record(chat_id, text, method, params, now):
        seen.setdefault(chat_id, []).append(now)
        original(chat_id, text, method, params, now)

    telegram_api._record = record
    return seen


def runner(database, channel, settings, limits: Limits, **tuning) -> OutboxRunner:
    return OutboxRunner(
        database, {"telegram": channel}, settings,
        tuning=Tuning(**{**FAST.__dict__, **tuning}),
        limits={"telegram": limits}, clock=lambda: MORNING,
    )  # fmt: skip


async def shut_down(runners, channels, databases, server) -> None:
    """Stop every instance, then the fake Bot API."""
    for outbox in runners:
        await outbox.stop()
    for telegram in channels:
        await telegram.stop()
    for db in databases:
        await db.close()
    await server.stop()


@pytest.mark.parametrize(
    "hold_limit",
    [
        0.5,  # the pause is longer: the rows go back to the table meanwhile
        2.0,  # shorter: the rows wait in memory, their leases kept alive
    ],
)
async def test_a_pause_longer_than_the_lease_sends_each_row_once(
    database, channel, telegram_api, settings, caplog, hold_limit
):
    lease, retry_after = 0.6, 1
    chats = [str(1000 + i) for i in range(200)]
    await subscribe(database, *chats)
    # Two chats refused at once: the limit is the whole bot's.
    telegram_api.fail("1000", "throttle", retry_after=retry_after)
    telegram_api.fail("1001", "throttle", retry_after=retry_after)
    seen = send_times(telegram_api)
    await queue(database)
    limits = Limits(per_second=400, private_interval=0.0, group_interval=0.0)
    outbox = runner(database, channel, settings, limits, lease_seconds=lease, hold_limit=hold_limit)
    with caplog.at_level(logging.ERROR, logger="bot.outbox"):
        await drain(outbox, database, timeout=30)

    assert sorted(telegram_api.delivered) == chats and telegram_api.duplicates == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert outbox.stats.leases_expired == 0
    async with database.sessions() as session:
        assert await session.scalar(select(func.sum(OutboxMessage.in_doubt))) == 0
    # The whole bot kept quiet for as long as it was asked.
    moments = sorted(at for times in seen.values() for at in times)
    assert max(b - a for a, b in itertools.pairwise(moments)) >= retry_after * 0.9


async def test_one_chats_429_holds_up_that_chat_only(database, channel, telegram_api, settings):
    others = [str(600 + i) for i in range(40)]
    await subscribe(database, "501", *others)
    telegram_api.fail("501", "throttle", retry_after=1)
    seen = send_times(telegram_api)
    await queue(database)
    started = time.monotonic()
    limits = Limits(per_second=200, private_interval=0.0, group_interval=0.0)
    await drain(runner(database, channel, settings, limits), database)

    assert max(seen[chat][0] for chat in others) - started < 0.8  # 40 at 200/s, no pause
    assert seen["501"][0] - started >= 1.0
    assert telegram_api.delivered["501"] == [TEXT] and telegram_api.http_429 == 1


async def test_two_instances_share_the_platform_limit(database, db_url, settings):
    from bot.channels.telegram import TelegramChannel
    from bot.fakes.telegram_server import TOKEN, FakeTelegramServer

    server = FakeTelegramServer(
        rate=200,
        free_rate=200,
        private_per_second=1000,
        group_per_minute=60_000,
    )
    await server.start()
    chats = [str(2000 + i) for i in range(300)]
    await subscribe(database, *chats)
    await queue(database)
    # Each is told the whole limit; together they must still stay under it.
    full = Limits(per_second=200, private_interval=0.0, group_interval=0.0)
    bot_settings = settings.model_copy(
        update={"telegram_bot_token": TOKEN, "telegram_api_base_url": server.base_url}
    )
    instances = [Database(db_url) for _ in range(2)]
    channels = [TelegramChannel(bot_settings) for _ in instances]
    runners = [
        runner(db, telegram, bot_settings, full, presence_interval=0.3)
        for db, telegram in zip(instances, channels, strict=True)
    ]
    try:
        for outbox in runners:
            await outbox.start()
        deadline = time.monotonic() + 30
        while await unfinished(database):
            assert time.monotonic() < deadline, "outbox did not drain"
            await asyncio.sleep(0.05)
    finally:
        await shut_down(runners, channels, instances, server)

    assert server.http_429 == 0 and server.duplicates == 0
    assert sorted(server.delivered) == chats
    assert all(outbox.senders == 2 for outbox in runners)
    assert all(outbox.stats.sent > 50 for outbox in runners)  # both did their share
    assert {row.status for row in (await rows(database)).values()} == {"sent"}


async def test_instances_starting_together_never_send_above_their_share(database, settings, db_url):
    """Three instances start at the same moment (a deploy), and the first answers go out
    as soon as each has started: none may pace at more than its share meanwhile."""
    from bot.channels.telegram import TelegramChannel
    from bot.core import Incoming, Reply
    from bot.fakes.telegram_server import TOKEN, FakeTelegramServer

    server = FakeTelegramServer(rate=30)  # Telegram's limits, strictly
    await server.start()
    bot_settings = settings.model_copy(
        update={"telegram_bot_token": TOKEN, "telegram_api_base_url": server.base_url}
    )
    full = Limits(per_second=30, private_interval=1.0, group_interval=3.0)
    instances = [Database(db_url) for _ in range(3)]
    channels = [TelegramChannel(bot_settings) for _ in instances]
    runners = [
        runner(db, telegram, bot_settings, full, presence_interval=1.0)
        for db, telegram in zip(instances, channels, strict=True)
    ]

    async def welcome(incoming: Incoming) -> list[Reply]:
        return [Reply("Chào bạn")]

    answers = [outbox.answering("telegram", welcome) for outbox in runners]
    chats = [str(3000 + n) for n in range(60)]
    await subscribe(database, *chats)
    try:
        await asyncio.gather(*(outbox.start() for outbox in runners))
        await asyncio.gather(
            *(
                answer(Incoming("telegram", chat, chat, text="/start"))
                for chat, answer in zip(chats, itertools.cycle(answers), strict=False)
            )
        )
        deadline = time.monotonic() + 15
        while len(server.delivered) < len(chats):
            assert time.monotonic() < deadline, "not every welcome arrived"
            await asyncio.sleep(0.05)
    finally:
        await shut_down(runners, channels, instances, server)
    assert server.http_429 == 0 and sorted(server.delivered) == chats


async def test_an_instance_that_joined_stays_counted_while_its_app_starts(
    database, db_url, channel, settings
):
    """The app joins, then starts its channels (which may wait on their platform) before it
    starts the runner: meanwhile the others must keep counting it, or they would pace at
    a share too big and exceed the platform's limit together."""
    limits = Limits(per_second=30, private_interval=1.0, group_interval=3.0)
    instances = [Database(db_url) for _ in range(2)]
    joined, running = (
        runner(db, channel, settings, limits, presence_interval=0.2) for db in instances
    )
    counted = []
    try:
        await joined.join()
        await running.start()
        for _ in range(10):  # past the 0.6 s a presence announced only once would live
            await asyncio.sleep(0.1)
            counted.append(running.senders)
    finally:
        for outbox in (joined, running):
            await outbox.stop()
        for db in instances:
            await db.close()
    assert set(counted) == {2}
