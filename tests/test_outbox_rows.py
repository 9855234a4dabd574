"""What a broadcast row carries and how it ends: a photo, an expiry, a cancel, a stop date.

The real OutboxRunner and TelegramChannel against the fake Bot API, on a migrated SQLite
file (helpers from test_outbox_engine).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.models.core import AuditLog
from bot.models.outbox import Broadcast
from bot.models.types import utcnow
from bot.outbox.broadcasts import broadcast_progress, cancel_broadcast, cancel_broadcast_as
from bot.outbox.pacing import Limits
from bot.scheduling.plan import Timing
from tests import test_outbox_engine as engine
from tests.test_outbox_engine import (
    TEXT,
    drain,
    queue,
    rows,
    runner_for,
    subscribe,
    subscriber,
)

channel = engine.channel  # the fixture: a TelegramChannel on the fake Bot API
PHOTO = "https://tramyte.example/anh/sot-xuat-huyet.jpg"


async def test_a_photo_carries_the_first_part_as_its_caption(
    database, channel, telegram_api, settings
):
    await subscribe(database, "501")
    await queue(database, photo=PHOTO)
    await drain(runner_for(database, channel, settings), database)
    assert [(method, params.get("photo"), params.get("caption")) for method, params in
            telegram_api.sent] == [("sendPhoto", PHOTO, TEXT)]  # fmt: skip
    assert (await rows(database))["501"].status == "sent"


async def test_a_text_too_long_for_a_caption_follows_the_photo(
    database, channel, telegram_api, settings
):
    await subscribe(database, "501")
    long_text = " ".join(["Đậy kín dụng cụ chứa nước, thả cá ăn lăng quăng."] * 40)
    assert 1024 < len(long_text) < 3800
    await queue(database, long_text, photo=PHOTO)
    await drain(runner_for(database, channel, settings), database)
    sent = [(method, params.get("caption", params.get("text"))) for method, params in
            telegram_api.sent]  # fmt: skip
    assert sent == [("sendPhoto", ""), ("sendMessage", long_text)]
    assert (await rows(database))["501"].parts_sent == 2


async def test_rows_past_their_expiry_are_never_sent(database, channel, telegram_api, settings):
    await subscribe(database, *[str(500 + i) for i in range(30)])
    stale = await queue(database, "Hôm qua: ngày hội hiến máu", not_after=utcnow())
    # Ten a second: about ten rows go out before this one expires, the rest never do.
    fresh = await queue(database, not_after=utcnow() + timedelta(seconds=1))
    slow = Limits(per_second=10, private_interval=0.0, group_interval=0.0)
    await drain(runner_for(database, channel, settings, limits=slow), database)

    async with database.sessions() as session:
        old, new = [await broadcast_progress(session, b) for b in (stale, fresh)]
    assert (old.expired, old.sent, old.pending) == (30, 0, 0)
    assert 5 <= new.sent <= 20 and new.sent + new.expired == 30 and new.pending == 0
    assert telegram_api.accepted == new.sent  # nothing sent past its time
    assert all(texts == [TEXT] for texts in telegram_api.delivered.values())


async def test_cancelling_a_delivered_broadcast_keeps_it_delivered(
    database, channel, telegram_api, settings
):
    await subscribe(database, "501", "502")
    broadcast_id = await queue(database)
    await drain(runner_for(database, channel, settings), database)
    async with database.sessions() as session:
        assert await cancel_broadcast(session, broadcast_id) == 0
        await session.commit()
        broadcast = await session.get(Broadcast, broadcast_id)
    assert broadcast is not None and broadcast.status == "queued"


async def test_a_staff_cancel_withdraws_and_is_audited(database):
    await subscribe(database, "501", "502")
    broadcast_id = await queue(database)
    async with database.sessions() as session:
        assert await cancel_broadcast_as(session, broadcast_id, "lan") == 2
        await session.commit()
        broadcast = await session.get(Broadcast, broadcast_id)
        audit = (await session.scalars(select(AuditLog))).one()
    assert broadcast is not None and broadcast.status == "cancelled"
    assert (audit.actor, audit.action) == ("lan", "broadcast.cancel")
    assert audit.detail == f"tin số {broadcast_id}: rút 2 tin chưa gửi"


async def test_a_blocked_recipient_gets_a_stop_date(database, channel, telegram_api, settings):
    await subscribe(database, "501", "502")
    telegram_api.fail("501", "blocked")
    before = utcnow()
    await queue(database)
    await drain(runner_for(database, channel, settings), database)
    by_chat = await rows(database)
    blocked = await subscriber(database, by_chat["501"].subscriber_id)
    still = await subscriber(database, by_chat["502"].subscriber_id)
    assert not blocked.active and blocked.stopped_at is not None
    assert blocked.stopped_at >= before
    assert still.active and still.stopped_at is None


async def test_a_spread_is_laid_over_sending_time_not_the_quiet_hours(database):
    await subscribe(database, *[str(900 + i) for i in range(4)])
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    evening = datetime.now(tz).replace(hour=20, minute=0, second=0, microsecond=0)
    evening += timedelta(days=1)
    # Three hours of sending from 20:00: one before the quiet hours, two after 07:00.
    await queue(database, not_before=evening, spread=timedelta(hours=3), quiet=Timing())
    times = sorted(row.not_before.astimezone(tz) for row in (await rows(database)).values())
    days = [(moment.date() - evening.date()).days for moment in times]
    assert [f"{moment:%H:%M}" for moment in times] == ["20:00", "20:45", "07:30", "08:15"]
    assert days == [0, 0, 1, 1]
