"""When the platform says "too many": pauses longer than a lease, one chat's 429, and
several instances sharing one platform limit. The real runner and Telegram adapter
against the fake Bot API, on a migrated SQLite file (helpers from test_outbox_engine).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.core import Incoming, Reply
from bot.db import Database
from bot.models.outbox import OutboxMessage
from bot.models.types import utcnow
from bot.outbox.pacing import Limits
from bot.outbox.worker import OutboxRunner, Tuning
from tests import test_outbox_engine as engine
from tests.helpers import eventually
from tests.test_outbox_engine import (
    FAST,
    TEXT,
    queue,
    rows,
    subscribe,
    unfinished,
)

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


def throttle_times(telegram_api) -> list[float]:
    """When the fake answered each injected 429 (its own clock)."""
    times: list[float] = []
    original = telegram_api._inject

    async def inject(request, chat_id, fault):
        if fault.kind == "throttle":
            times.append(time.monotonic())
        return await original(request, chat_id, fault)

    telegram_api._inject = inject
    return times


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
    lease, retry_after = 0.3, 1
    # Two chats refused at once: the limit is the whole bot's.
    await subscribe(database, "1000", "1001")
    telegram_api.fail("1000", "throttle", retry_after=retry_after)
    telegram_api.fail("1001", "throttle", retry_after=retry_after)
    refused = throttle_times(telegram_api)
    seen = send_times(telegram_api)
    await queue(database)
    limits = Limits(per_second=400, private_interval=0.0, group_interval=0.0)
    outbox = runner(database, channel, settings, limits, lease_seconds=lease, hold_limit=hold_limit)
    others = [str(1002 + i) for i in range(198)]
    with caplog.at_level(logging.ERROR, logger="bot.outbox"):
        await outbox.start()
        try:
            await eventually(lambda: outbox.stats.throttled == 2, "both 429s were not handled")
            # Queued during the pause: taken meanwhile (or not, past the hold limit), sent after.
            await subscribe(database, *others)
            await queue(database, "Tin sau")
            everyone = 2 + 2 + len(others)  # both broadcasts
            await eventually(lambda: outbox.stats.sent == everyone, "not every row went")
        finally:
            await outbox.stop()

    assert {chat: sorted(texts) for chat, texts in telegram_api.delivered.items()} == {
        "1000": sorted([TEXT, "Tin sau"]),
        "1001": sorted([TEXT, "Tin sau"]),
        **{chat: ["Tin sau"] for chat in others},
    }
    assert telegram_api.http_429 == 2
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert outbox.stats.leases_expired == 0
    async with database.sessions() as session:
        assert await session.scalar(select(func.sum(OutboxMessage.in_doubt))) == 0
    # The whole bot kept quiet for as long as it was asked: nothing arrived, for any
    # chat, before the platform's wait was over (its own clock: when it said 429).
    first = min(at for times in seen.values() for at in times)
    assert first >= max(refused) + retry_after


async def test_one_chats_429_holds_up_that_chat_only(database, channel, telegram_api, settings):
    # A wait far longer than the test: the others can only all arrive if they did not
    # wait with that chat, however slow the machine.
    retry_after = 30
    others = [str(600 + i) for i in range(40)]
    await subscribe(database, "501", *others)
    telegram_api.fail("501", "throttle", retry_after=retry_after)
    refused = throttle_times(telegram_api)
    await queue(database)
    limits = Limits(per_second=200, private_interval=0.0, group_interval=0.0)
    outbox = runner(database, channel, settings, limits)
    await outbox.start()
    try:
        await eventually(
            lambda: all(chat in telegram_api.delivered for chat in others),
            "the other chats waited with the throttled one",
        )
    finally:
        await outbox.stop()

    assert "501" not in telegram_api.delivered and telegram_api.http_429 == 1
    row = (await rows(database))["501"]
    # Kept for later, not dropped: due when the platform's wait is over (the fake's
    # monotonic clock against the row's wall clock: a tenth of a second apart at most).
    assert row.status == "pending" and row.attempts == 0
    waited = row.not_before - (utcnow() - timedelta(seconds=time.monotonic() - refused[0]))
    assert waited >= timedelta(seconds=retry_after - 0.1)


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
        # Both running before the broadcast comes, so each has a share to do.
        await asyncio.gather(*(outbox.start() for outbox in runners))
        # Each started knowing of the other (read now: once one stops, the other may count it out).
        assert all(outbox.senders == 2 for outbox in runners)
        await queue(database)
        deadline = time.monotonic() + 30
        while await unfinished(database):
            assert time.monotonic() < deadline, "outbox did not drain"
            await asyncio.sleep(0.05)
    finally:
        await shut_down(runners, channels, instances, server)

    assert server.http_429 == 0 and server.duplicates == 0
    assert sorted(server.delivered) == chats
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
        runner(db, telegram, bot_settings, full, presence_interval=0.3)
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


async def test_a_sender_late_with_the_others_is_not_taken_for_dead(database):
    """Presence, as two senders see it: a machine too busy to announce on time delays
    every sender on it, so only a sender that missed three announcements of another's is
    counted out (and the others then take its share)."""
    from bot.outbox.store import OutboxStore

    first, second = OutboxStore(database), OutboxStore(database)
    stale = 0.15  # presence every 0.05 s
    await first.announce("first", stale, 1)
    joined = await second.announce("second", stale, 1)
    assert joined.live == 2 and not joined.settled  # the first still paces alone
    assert (await first.announce("first", stale, 2)).live == 2
    assert (await second.announce("second", stale, 2)).settled

    await asyncio.sleep(stale * 2)  # both held up: the machine was busy
    assert (await second.announce("second", stale, 2)).live == 2
    for _ in range(3):  # the second announces on time; the first says nothing
        await asyncio.sleep(stale / 3 + 0.01)
        alone = await second.announce("second", stale, 2)
    assert alone.live == 1
    assert (await first.announce("first", stale, 2)).live == 2  # back, counted again


def test_a_send_not_yet_answered_still_counts_in_the_window():
    """The platform counts a send when it arrives, which may be any moment until it
    answers: a window full of sends frees no room on an unanswered one (at most
    ANSWER_CAP after it left, so one hung request does not stop everything)."""
    from bot.outbox.pacing import ANSWER_CAP, SendLog

    now = [0.0]
    log = SendLog(rate=1, clock=lambda: now[0])  # one send a window, the window ~1 s
    stamp = log.take()
    now[0] = log.seconds + 0.01  # the window has passed; the answer has not come
    assert log.ready_in() > 0
    now[0] = ANSWER_CAP + log.seconds + 0.01  # hung: counted from ANSWER_CAP after it left
    assert log.ready_in() == 0
    log.answered(stamp)  # the failure, at last: counted from the cap all the same
    assert log.ready_in() == 0


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


async def test_an_instance_waiting_for_the_others_stays_counted(
    database, db_url, channel, settings
):
    """A starting instance waits for the others to slow down, then a platform window more
    (a second): meanwhile it keeps announcing itself, or they would count it out."""
    limits = Limits(per_second=30, private_interval=1.0, group_interval=3.0)
    instances = [Database(db_url) for _ in range(2)]
    first, second = (
        runner(db, channel, settings, limits, presence_interval=0.1) for db in instances
    )  # a presence lives 0.3 s: far less than the wait
    counted = []
    try:
        await first.start()
        joining = asyncio.create_task(second.join())
        while not joining.done():
            await asyncio.sleep(0.05)
            counted.append(first.senders)
        await joining
    finally:
        for outbox in (first, second):
            await outbox.stop()
        for db in instances:
            await db.close()
    assert 2 in counted and set(counted[counted.index(2) :]) == {2}


async def test_an_answer_while_the_last_send_to_its_chat_is_in_flight_leaves_at_once(
    database, channel, telegram_api, settings
):
    # A resident writing again before the platform has answered the bot's last send (the
    # faster the bot, the likelier): the chat's spacing, a millisecond here, counts from
    # that answer. Sent through the outbox, the answer waited for the lane's claim with the
    # chat's next answers behind it: 2 s each.
    await subscribe(database, "501")
    limits = Limits(per_second=1000, private_interval=0.001, group_interval=0.0)
    outbox = runner(database, channel, settings, limits, hold_limit=2.0, idle_poll=1.0)
    await outbox.start()

    def answer_with(text: str):
        async def dispatch(_incoming: Incoming) -> list[Reply]:
            return [Reply(text)]

        return outbox.answering("telegram", dispatch)

    started = time.monotonic()
    try:
        await asyncio.gather(
            answer_with("một")(Incoming("telegram", "501", "501", text="hỏi một")),
            answer_with("hai")(Incoming("telegram", "501", "501", text="hỏi hai")),
        )
        await answer_with("ba")(Incoming("telegram", "501", "501", text="hỏi ba"))
        await eventually(lambda: len(telegram_api.delivered.get("501", [])) == 3, "not all sent")
    finally:
        await outbox.stop()
    assert time.monotonic() - started < 1.0
