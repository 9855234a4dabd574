"""The outbox engine against the telegram_api Bot API: every platform answer, leases, priority, pacing.

The real OutboxRunner and TelegramChannel, a real migrated SQLite file, the telegram_api server
in-process with generous limits (the long runs at real limits are `loaphuong bench`).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.channels.telegram import TelegramChannel
from bot.config import load_settings
from bot.db import Database
from bot.fakes.telegram_server import TOKEN, FakeTelegramServer
from bot.models.core import Subscriber
from bot.models.outbox import OutboxMessage
from bot.models.types import utcnow
from bot.outbox.audience import Audience
from bot.outbox.broadcasts import (
    BroadcastRequest,
    broadcast_progress,
    cancel_broadcast,
    create_broadcast,
)
from bot.outbox.pacing import Limits
from bot.outbox.worker import OutboxRunner, Tuning, retry_delay
from tests.helpers import eventually

FAST = Tuning(
    backoff_base=0.05,
    backoff_cap=0.2,
    max_attempts=3,
    idle_poll=0.02,
    flush_interval=0.02,
    lease_check_interval=0.1,
)
GENEROUS = Limits(per_second=500, private_interval=0.0, group_interval=0.0)
TEXT = "Tuần lễ phòng chống sốt xuất huyết: đậy kín dụng cụ chứa nước."


@pytest.fixture
async def channel(telegram_api: FakeTelegramServer) -> AsyncIterator[TelegramChannel]:
    settings = load_settings(
        telegram_bot_token=TOKEN, telegram_api_base_url=telegram_api.base_url, _env_file=None
    )
    telegram = TelegramChannel(settings)
    # Long enough that a loaded CI machine never times out a send the fake answered
    # (a resend would count as a duplicate); the timeout case shortens it.
    telegram.send_timeout = 5.0
    yield telegram
    await telegram.stop()


async def subscribe(database: Database, *chats: str) -> None:
    """Active Telegram subscribers; a negative chat id is a group, as on Telegram."""
    async with database.sessions() as session:
        for chat_id in chats:
            kind = "group" if chat_id.startswith("-") else "private"
            session.add(Subscriber(channel="telegram", chat_id=chat_id, kind=kind))
        await session.commit()


async def queue(database: Database, text: str = TEXT, **options) -> int:
    async with database.sessions() as session:
        broadcast = await create_broadcast(
            session, BroadcastRequest(text=text, audience=Audience(), **options)
        )
        await session.commit()
    assert broadcast is not None and broadcast.id is not None
    return broadcast.id


async def rows(database: Database) -> dict[str, OutboxMessage]:
    async with database.sessions() as session:
        return {row.chat_id: row for row in await session.scalars(select(OutboxMessage))}


async def unfinished(database: Database) -> int:
    async with database.sessions() as session:
        statuses = await session.scalars(select(OutboxMessage.status))
        return sum(status in ("pending", "sending") for status in statuses)


async def subscriber(database: Database, subscriber_id: int) -> Subscriber:
    async with database.sessions() as session:
        found = await session.get(Subscriber, subscriber_id)
    assert found is not None
    return found


def runner_for(database, channel, settings, limits: Limits = GENEROUS, clock=None):
    """A runner whose clock says mid-morning in the station (quiet hours have a test of their own)."""
    morning = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo(settings.timezone))
    return OutboxRunner(
        database, {"telegram": channel}, settings, tuning=FAST,
        limits={"telegram": limits}, clock=clock or (lambda: morning),
    )  # fmt: skip


async def drain(runner: OutboxRunner, database: Database, timeout: float = 15) -> None:
    """Run until no row is pending or sending; then stop (which records every result)."""
    await runner.start()
    try:
        deadline = time.monotonic() + timeout
        while await unfinished(database):
            assert time.monotonic() < deadline, "outbox did not drain"
            await asyncio.sleep(0.05)
    finally:
        await runner.stop()


# (fault injected at the telegram_api server, times, final status, sends the server accepted,
#  attempts recorded, subscriber still active, words in last_error)
ERROR_CLASSES = [
    ("throttle", 1, "sent", 1, 0, True, None),
    ("blocked", 1, "blocked", 0, 0, False, "blocked by the user"),
    ("kicked", 1, "blocked", 0, 0, False, "kicked"),
    ("invalid", 1, "failed", 0, 0, True, "chat not found"),
    ("server_error", 2, "sent", 1, 2, True, None),
    ("bad_gateway", 1, "sent", 1, 1, True, None),
    ("timeout", 1, "sent", 1, 1, True, None),
    ("disconnect", 1, "sent", 1, 1, True, None),
    ("server_error", 10, "failed", 0, 3, True, "Internal Server Error"),
]


@pytest.mark.parametrize(
    ("fault", "times", "status", "accepted", "attempts", "active", "error"), ERROR_CLASSES
)
async def test_each_platform_answer_is_handled(
    database,
    channel,
    telegram_api,
    settings,
    fault,
    times,
    status,
    accepted,
    attempts,
    active,
    error,
):
    await subscribe(database, "501", "502")
    if fault == "timeout":
        channel.send_timeout = 0.2  # gives up before the fake's hung answer
    telegram_api.fail("501", fault, times=times)
    await queue(database)
    await drain(runner_for(database, channel, settings), database)

    row = (await rows(database))["501"]
    assert row.status == status
    assert len(telegram_api.delivered.get("501", [])) == accepted
    assert row.attempts == attempts
    assert (await subscriber(database, row.subscriber_id)).active is active
    assert (error or "") in (row.last_error or "")
    if status == "sent":
        assert row.platform_message_id and row.sent_at is not None
    # the other recipient is never held up by one chat's trouble
    assert (await rows(database))["502"].status == "sent" and telegram_api.delivered["502"] == [
        TEXT
    ]


@pytest.mark.parametrize(
    ("fault", "in_doubt"),
    [("timeout", 1), ("disconnect", 1), ("server_error", 0), ("bad_gateway", 0)],
)
async def test_a_send_that_may_have_arrived_is_counted_in_doubt(
    database, channel, telegram_api, settings, fault, in_doubt
):
    await subscribe(database, "501")
    if fault == "timeout":
        channel.send_timeout = 0.2  # gives up before the fake's hung answer
    telegram_api.fail("501", fault)
    broadcast_id = await queue(database)
    await drain(runner_for(database, channel, settings), database)
    async with database.sessions() as session:
        progress = await broadcast_progress(session, broadcast_id)
    # No answer came: the platform may have the message, and the resend may repeat it.
    assert (progress.sent, progress.in_doubt) == (1, in_doubt)


def test_the_backoff_cap_is_the_longest_wait(monkeypatch):
    tuning = Tuning(backoff_base=2.0, backoff_cap=600.0)
    monkeypatch.setattr("random.uniform", lambda low, high: high)  # the unluckiest jitter
    assert [retry_delay(attempts, tuning) for attempts in (1, 2, 9, 10, 20)] == [
        3.0, 6.0, 600.0, 600.0, 600.0,
    ]  # fmt: skip


async def test_retry_after_is_honoured_before_the_resend(database, channel, telegram_api, settings):
    await subscribe(database, "501")
    telegram_api.fail("501", "throttle", retry_after=1)
    await queue(database)
    started = time.monotonic()
    await drain(runner_for(database, channel, settings), database)
    assert telegram_api.delivered["501"] == [TEXT]
    assert telegram_api.http_429 == 1  # once: the resend waited as long as the server asked
    assert time.monotonic() - started >= 1.0


async def test_a_migrated_group_is_followed_to_its_new_id(
    database, channel, telegram_api, settings
):
    await subscribe(database, "-4001")
    telegram_api.fail("-4001", "migrate", new_chat_id=-1004001)
    await queue(database)
    await drain(runner_for(database, channel, settings), database)

    assert telegram_api.delivered["-1004001"] == [TEXT] and "-4001" not in telegram_api.delivered
    row = (await rows(database))["-1004001"]
    assert row.status == "sent"
    assert (await subscriber(database, row.subscriber_id)).chat_id == "-1004001"
    await queue(database, "Tin sau")  # the next broadcast goes straight to the new id
    await drain(runner_for(database, channel, settings), database)
    assert telegram_api.delivered["-1004001"] == [TEXT, "Tin sau"]


async def test_an_adapter_bug_never_loses_the_row(
    database, channel, telegram_api, settings, monkeypatch
):
    await subscribe(database, "501")
    real_send = channel.send
    calls = 0

    async def flaky(chat_id, reply):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("adapter bug")
        return await real_send(chat_id, reply)

    monkeypatch.setattr(channel, "send", flaky)
    await queue(database)
    await drain(runner_for(database, channel, settings), database)
    assert (await rows(database))["501"].status == "sent"
    assert telegram_api.delivered["501"] == [TEXT]


async def test_expired_leases_after_a_crash_are_sent_again_and_counted(
    database, channel, telegram_api, settings
):
    await subscribe(database, "501", "502", "503")
    broadcast_id = await queue(database)
    # A sender claimed two rows and died (no result written): its lease is over.
    async with database.sessions() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id.in_(["501", "502"]))
            .values(status="sending", lease_until=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    await drain(runner_for(database, channel, settings), database)

    assert {chat: telegram_api.delivered[chat] for chat in ("501", "502", "503")} == {
        "501": [TEXT],
        "502": [TEXT],
        "503": [TEXT],
    }
    async with database.sessions() as session:
        progress = await broadcast_progress(session, broadcast_id)
    assert (progress.sent, progress.pending, progress.in_doubt) == (3, 0, 2)


async def test_a_live_lease_is_left_to_its_sender(database, channel, telegram_api, settings):
    await subscribe(database, "501", "502")
    await queue(database)
    async with database.sessions() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == "501")
            .values(status="sending", lease_until=utcnow() + timedelta(minutes=5))
        )
        await session.commit()
    runner = runner_for(database, channel, settings)
    await runner.start()  # its first lease check is done before it claims
    try:
        await eventually(lambda: "502" in telegram_api.delivered, "502 was not sent")
    finally:
        await runner.stop()
    assert "501" not in telegram_api.delivered and telegram_api.delivered["502"] == [TEXT]
    assert (await rows(database))["501"].status == "sending"


async def test_urgent_overtakes_routine_rows_already_queued(
    database, channel, telegram_api, settings
):
    chats = [str(600 + i) for i in range(40)]
    await subscribe(database, *chats)
    await queue(database, "Tin thường")
    await queue(database, "KHẨN: mất nước", urgent=True)
    slow = Limits(per_second=40, private_interval=0.0, group_interval=0.0)
    await drain(runner_for(database, channel, settings, limits=slow), database)

    order = [params["text"] for method, params in telegram_api.sent if method == "sendMessage"]
    assert len(order) == 80
    assert order[:40] == ["KHẨN: mất nước"] * 40  # every urgent row before any routine one


async def test_group_pacing_keeps_each_group_under_its_limit(
    database, channel, telegram_api, settings
):
    await subscribe(database, "-71", "-72", "501")
    for number in range(4):
        await queue(database, f"Tin {number}")
    # 20 per minute compressed 30×: one message per 100 ms to each group (and the
    # private chat spaced for the fake's 1,000 a second, so it is never refused). The
    # gaps are measured where the fake receives, whatever the delays on the way.
    paced = Limits(per_second=500, private_interval=0.01, group_interval=0.1)
    fake_seen: dict[str, list[float]] = {}
    original = telegram_api._record

    def record(chat_id, text, method, params, now):
        fake_seen.setdefault(chat_id, []).append(now)
        original(chat_id, text, method, params, now)

    telegram_api._record = record  # type: ignore[method-assign]
    await drain(runner_for(database, channel, settings, limits=paced), database)

    for group in ("-71", "-72"):
        times = fake_seen[group]
        assert len(times) == 4
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        assert min(gaps) >= 0.1, (group, gaps)
    assert len(telegram_api.delivered["501"]) == 4 and telegram_api.http_429 == 0


async def test_a_message_held_up_on_its_way_is_not_overtaken_by_the_next(
    database, channel, telegram_api, settings, monkeypatch
):
    await subscribe(database, "-71")
    await queue(database, "Tin 0")
    await queue(database, "Tin 1")
    paced = Limits(per_second=500, private_interval=0.0, group_interval=0.1)
    arrived: list[float] = []
    original = telegram_api._record

    def record(chat_id, text, method, params, now):
        arrived.append(now)
        original(chat_id, text, method, params, now)

    telegram_api._record = record  # type: ignore[method-assign]
    real_send = channel.send
    held_up = False

    async def slow_first(chat_id, reply):
        nonlocal held_up
        if not held_up:
            held_up = True
            await asyncio.sleep(0.3)  # a slow link, a busy machine: longer than the spacing
        return await real_send(chat_id, reply)

    monkeypatch.setattr(channel, "send", slow_first)
    await drain(runner_for(database, channel, settings, limits=paced), database)
    # The group's spacing counts from the first message's answer, not from when it left.
    assert telegram_api.delivered["-71"] == ["Tin 0", "Tin 1"]
    assert arrived[1] - arrived[0] >= 0.1


async def test_a_long_text_arrives_in_parts_in_order(database, channel, telegram_api, settings):
    await subscribe(database, "501")
    paragraphs = [f"Đoạn {n}: " + " ".join(["uống đủ nước mỗi ngày"] * 60) for n in range(8)]
    await queue(database, "\n\n".join(paragraphs))
    await drain(runner_for(database, channel, settings), database)

    parts = telegram_api.delivered["501"]
    assert len(parts) >= 2 and all(len(part) <= 4096 for part in parts)
    assert [p for part in parts for p in part.split("\n\n")] == paragraphs
    assert (await rows(database))["501"].parts_sent == len(parts)


async def test_stopping_mid_broadcast_hands_unsent_rows_back(
    database, channel, telegram_api, settings
):
    chats = [str(700 + i) for i in range(60)]
    await subscribe(database, *chats)
    await queue(database)
    slow = Limits(per_second=30, private_interval=0.0, group_interval=0.0)
    runner = runner_for(database, channel, settings, limits=slow)
    await runner.start()
    try:
        # 60 take two seconds at this pace: stopping after the first few is mid-broadcast.
        await eventually(lambda: len(telegram_api.delivered) >= 3, "nothing was sent")
    finally:
        await runner.stop()
    statuses = [row.status for row in (await rows(database)).values()]
    assert 0 < statuses.count("sent") < 60
    assert set(statuses) == {"sent", "pending"}  # nothing left leased to a stopped runner
    assert statuses.count("sent") == len(telegram_api.delivered)

    await drain(runner_for(database, channel, settings), database)
    assert sorted(telegram_api.delivered) == sorted(chats)
    assert telegram_api.duplicates == 0


async def test_cancel_withdraws_what_is_not_yet_sent(database, channel, telegram_api, settings):
    await subscribe(database, *[str(800 + i) for i in range(200)])
    broadcast_id = await queue(database)
    slow = Limits(per_second=20, private_interval=0.0, group_interval=0.0)
    runner = runner_for(database, channel, settings, limits=slow)
    await runner.start()
    await asyncio.sleep(0.4)
    async with database.sessions() as session:
        cancelled = await cancel_broadcast(session, broadcast_id)
        await session.commit()
    await asyncio.sleep(1.2)  # rows claimed before the cancel may still go out
    await runner.stop()
    async with database.sessions() as session:
        progress = await broadcast_progress(session, broadcast_id)
    # rows in hand at the cancel may still have gone out: they count as sent, the rest stay cancelled
    assert progress.cancelled > 100 and cancelled >= progress.cancelled
    assert progress.sent == len(telegram_api.delivered) < 100
    assert progress.sent + progress.cancelled == 200 and progress.pending == 0


async def test_spread_rows_wait_for_their_time(database, channel, telegram_api, settings):
    await subscribe(database, *[str(900 + i) for i in range(4)])
    await queue(database, spread=timedelta(hours=3))
    runner = runner_for(database, channel, settings)
    await runner.start()
    try:
        await eventually(lambda: "900" in telegram_api.delivered, "the first was not sent")
    finally:
        await runner.stop()
    # the first of four goes now; the others at 45, 90 and 135 minutes
    assert list(telegram_api.delivered) == ["900"]
    not_before = sorted(row.not_before for row in (await rows(database)).values())
    gaps = {round((b - a).total_seconds() / 60) for a, b in itertools.pairwise(not_before)}
    assert gaps == {45}


async def test_quiet_hours_hold_routine_rows_but_not_urgent_ones(
    database, channel, telegram_api, settings
):
    await subscribe(database, "501")
    await queue(database, "Tin thường")
    await queue(database, "KHẨN: mất nước", urgent=True)
    tz = ZoneInfo(settings.timezone)
    night = datetime(2026, 11, 24, 22, 30, tzinfo=tz)
    runner = runner_for(database, channel, settings, clock=lambda: night)
    await runner.start()
    try:
        # Had the routine row been taken with the urgent one, it would be on its way
        # now, and stop() waits for sends on their way.
        await eventually(lambda: "501" in telegram_api.delivered, "the urgent row was not sent")
    finally:
        await runner.stop()
    assert telegram_api.delivered["501"] == ["KHẨN: mất nước"]

    morning = datetime(2026, 11, 25, 7, 0, tzinfo=tz)
    await drain(runner_for(database, channel, settings, clock=lambda: morning), database)
    assert telegram_api.delivered["501"] == ["KHẨN: mất nước", "Tin thường"]


async def test_english_speakers_get_the_english_text(database, channel, telegram_api, settings):
    async with database.sessions() as session:
        session.add(Subscriber(channel="telegram", chat_id="501", language="vi"))
        session.add(Subscriber(channel="telegram", chat_id="502", language="en"))
        await session.commit()
    await queue(database, "Rửa tay bằng xà phòng", text_en="Wash your hands with soap")
    await drain(runner_for(database, channel, settings), database)
    assert telegram_api.delivered["501"] == ["Rửa tay bằng xà phòng"]
    assert telegram_api.delivered["502"] == ["Wash your hands with soap"]


async def test_urgent_alerts_are_pinned_in_groups_that_allow_it(
    database, channel, telegram_api, settings
):
    await subscribe(database, "-81", "-82", "501")
    telegram_api.cannot_pin.add("-82")
    await queue(database, "Tin thường")
    await drain(runner_for(database, channel, settings), database)
    assert telegram_api.pinned == []  # routine messages are never pinned

    await queue(database, "KHẨN: mất nước sạch", urgent=True)
    await drain(runner_for(database, channel, settings), database)
    assert [chat for chat, _message in telegram_api.pinned] == ["-81"]
    # without the right to pin, the alert is delivered all the same
    assert telegram_api.delivered["-82"] == ["Tin thường", "KHẨN: mất nước sạch"]
    assert {row.status for row in (await rows(database)).values()} == {"sent"}


async def test_a_long_bold_text_stays_under_the_limit_once_in_html(
    database, channel, telegram_api, settings
):
    await subscribe(database, "501")
    # Under 4,096 characters as written, over it once **bold** becomes <b>bold</b>.
    bold = " ".join(["**đậy kín**"] + ["dụng cụ chứa nước"] * 23)
    text = " ".join([bold] * 10)[:4090]
    assert len(text) <= 4096 < len(text.replace("**đậy kín**", "<b>đậy kín</b>"))
    await queue(database, text)
    await drain(runner_for(database, channel, settings), database)
    parts = telegram_api.delivered["501"]
    assert len(parts) == 2 and all(len(part) <= 4096 for part in parts)
    assert (await rows(database))["501"].status == "sent"
