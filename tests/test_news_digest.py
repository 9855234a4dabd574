"""A week of news items becomes each subscriber's own digest (their period, topics, tổ),
queued once at the send hour and delivered through the outbox to the web chat."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot.channels.web import WebChannel
from bot.db import Database
from bot.forward_kit import recent_kits
from bot.models.core import Subscriber, SubscriberTopic, WebMessage
from bot.models.news import Volunteer
from bot.models.outbox import Broadcast, OutboxMessage
from bot.news.digest import Frequency, Period, digest_pages, period_sent_on
from bot.news.items import NewsDraft, checked_item
from bot.news.schedule import queue_news
from bot.outbox.worker import OutboxRunner
from bot.scheduling.plan import Timing
from bot.scheduling.run import run_due
from content.observances import FixedDay, get_observance

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = date(2026, 11, 23)  # the week of items: Monday 23 to Sunday 29 November 2026
TIMING = Timing()

# (day of the week, title, topics, areas)
WEEK = [
    (0, "Tiêm vắc xin cúm cho người cao tuổi", ["nguoi_cao_tuoi"], []),
    (1, "Uống vitamin A cho trẻ", ["tre_em"], ["Tổ 5"]),
    (2, "Phun thuốc diệt muỗi Tổ 3", ["dich_benh"], ["Tổ 3"]),
    (4, "Khám mắt miễn phí", [], []),
    (6, "Đo huyết áp cuối tuần", ["nguoi_cao_tuoi", "benh_man_tinh"], ["Tổ 3"]),
]


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


async def add_week(database: Database) -> None:
    async with database.sessions() as session:
        for offset, title, topics, areas in WEEK:
            draft = NewsDraft(
                title=title,
                summary=f"{title} tại trạm y tế. Mời bà con tham gia.",
                day=MONDAY + timedelta(days=offset),
                link=f"https://suckhoe.vn/{offset}",
                topics=topics,
                areas=areas,
            )
            session.add(checked_item(draft, "lan"))
        await session.commit()


async def add(database: Database, chat_id: str, frequency: str | None, topics, area) -> int:
    async with database.sessions() as session:
        subscriber = Subscriber(channel="web", chat_id=chat_id, area=area, news_frequency=frequency)
        session.add(subscriber)
        await session.flush()
        session.add_all(SubscriberTopic(subscriber_id=subscriber.id, topic=t) for t in topics)
        # None as the migration leaves it (the model's default would fill in "weekly").
        await session.execute(
            update(Subscriber)
            .where(Subscriber.id == subscriber.id)
            .values(news_frequency=frequency)
        )
        await session.commit()
        assert subscriber.id is not None
        return subscriber.id


async def deliver(database: Database) -> dict[str, list[str]]:
    """Send every queued row through the real outbox to the web chat; each chat's inbox."""
    async with database.sessions() as session:
        # The outbox expires rows by the real clock; these are dated in 2026.
        await session.execute(update(OutboxMessage).values(not_after=None))
        await session.commit()
    runner = OutboxRunner(database, {"web": WebChannel(database.sessions)}, _round_the_clock())
    await runner.start()
    try:
        for _ in range(250):
            async with database.sessions() as session:
                statuses = set(await session.scalars(select(OutboxMessage.status)))
            if statuses <= {"sent"}:
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError(f"outbox not drained: {statuses}")
    finally:
        await runner.stop()
    async with database.sessions() as session:
        inbox: dict[str, list[str]] = {}
        for user_id, text in await session.execute(select(WebMessage.user_id, WebMessage.text)):
            inbox.setdefault(user_id, []).append(text)
    return inbox


def _round_the_clock():
    from bot.config import Settings

    return Settings(send_hour=0, quiet_start=0, quiet_end=0)


def titles(text: str) -> set[str]:
    return {title for _, title, _, _ in WEEK if title in text}


async def test_a_week_of_items_becomes_each_subscribers_digest(database):
    await add_week(database)
    daily = await add(database, "daily", "daily", ["nguoi_cao_tuoi"], "Tổ 3")
    await add(database, "weekly", "weekly", ["tre_em"], "Tổ 5")
    await add(database, "monthly", "monthly", ["chung"], "Tổ 1")
    await add(database, "never", "never", ["chung"], "Tổ 3")

    # Monday 30/11: the daily digest (Sunday's items) and the weekly one (the whole week).
    assert await queue_news(at(date(2026, 11, 30), 7), database, TIMING) is None  # too early
    assert await queue_news(at(date(2026, 11, 30), 8), database, TIMING) is not None
    assert await queue_news(at(date(2026, 11, 30), 9), database, TIMING) is None  # once
    inbox = await deliver(database)
    assert set(inbox) == {"daily", "weekly"}
    assert titles(inbox["daily"][0]) == {"Đo huyết áp cuối tuần"}
    assert "Điểm tin y tế ngày 29/11/2026" in inbox["daily"][0]
    weekly = inbox["weekly"][0]
    assert titles(weekly) == {"Uống vitamin A cho trẻ", "Khám mắt miễn phí"}
    assert "Điểm tin y tế tuần 23/11 – 29/11/2026" in weekly
    # Links come last, numbered as the lines refer to them.
    assert weekly.index("[2] https://suckhoe.vn/4") > weekly.index("Khám mắt miễn phí")
    assert len(weekly) < 2000

    # Tuesday 1/12: the monthly digest (November) and a daily with nothing for Tổ 3 on Monday.
    await queue_news(at(date(2026, 12, 1), 8), database, TIMING)
    inbox = await deliver(database)
    assert len(inbox["daily"]) == 1, "no item on Monday 30/11: no daily message"
    assert titles(inbox["monthly"][0]) == {
        "Tiêm vắc xin cúm cho người cao tuổi",
        "Khám mắt miễn phí",
    }
    assert daily  # (the daily subscriber got exactly one digest all along)


async def test_the_digest_rides_with_the_days_observance_message(database):
    """Both due the same day: one message, the observance first, the digest below it."""
    await add_week(database)
    await add(database, "weekly", "weekly", ["chung"], "Tổ 5")
    await add(database, "asked-once", None, ["chung"], "Tổ 3")
    monday = date(2026, 11, 30)
    health_day = (
        get_observance("world_health_day").__class__(
            **{**get_observance("world_health_day").__dict__, "rule": FixedDay(11, 30)}
        ),
    )
    await run_due(at(monday, 8), database, TIMING, observances=health_day)
    inbox = await deliver(database)
    [text] = inbox["weekly"]
    assert text.index("Ngày Sức khỏe thế giới") < text.index("Điểm tin y tế tuần")
    assert "Uống vitamin A cho trẻ" in text
    # A subscriber from before the digests is asked once, gently, then counts as weekly.
    [asked] = inbox["asked-once"]
    assert "/diemtin" in asked and "Phun thuốc diệt muỗi Tổ 3" in asked
    async with database.sessions() as session:
        frequencies = set(await session.scalars(select(Subscriber.news_frequency)))
        keys = set(await session.scalars(select(Broadcast.key)))
    assert frequencies == {"weekly"}
    assert keys == {"observances:2026-11-30", "news:2026-11-30"}


async def test_volunteers_get_their_to_s_weekly_digest_with_its_subscriber_count(database):
    await add_week(database)
    volunteer = await add(database, "volunteer", "monthly", ["tre_em"], "Tổ 9")
    await add(database, "neighbour", "never", ["tre_em"], "Tổ 3")
    async with database.sessions() as session:
        session.add(Volunteer(subscriber_id=volunteer, area="Tổ 3"))
        await session.commit()
    await queue_news(at(date(2026, 11, 30), 8), database, TIMING)
    [text] = (await deliver(database))["volunteer"]
    assert titles(text) == {
        "Tiêm vắc xin cúm cho người cao tuổi",
        "Phun thuốc diệt muỗi Tổ 3",
        "Khám mắt miễn phí",
        "Đo huyết áp cuối tuần",
    }
    assert "Cộng tác viên Tổ 3: 1 người" in text


def test_a_long_digest_is_paged_under_the_zalo_limit():
    items = [
        checked_item(
            NewsDraft(title=f"Tin số {n}", summary="Nội dung " * 40 + ".", day=MONDAY), "lan"
        )
        for n in range(12)
    ]
    week = Period(Frequency.WEEKLY, MONDAY, MONDAY + timedelta(days=6))
    pages = digest_pages(items, week, "vi", 2000)
    assert len(pages) > 1
    assert all(len(page) <= 2000 for page in pages)
    assert "/xemthem" in pages[0] and "/xemthem" not in pages[-1]
    assert "(tiếp, trang 2)" in pages[1]
    assert sum(page.count("**Tin số") for page in pages) == 12


def test_each_frequency_covers_the_period_just_ended():
    assert period_sent_on(Frequency.WEEKLY, date(2026, 11, 30)) == Period(
        Frequency.WEEKLY, date(2026, 11, 23), date(2026, 11, 29)
    )
    assert period_sent_on(Frequency.MONTHLY, date(2027, 1, 1)) == Period(
        Frequency.MONTHLY, date(2026, 12, 1), date(2026, 12, 31)
    )


async def test_the_weekly_digest_is_a_forward_kit_for_group_admins(database):
    await add_week(database)
    await queue_news(at(date(2026, 11, 30), 8), database, TIMING)
    await queue_news(at(date(2026, 12, 2), 8), database, TIMING)  # a daily one: not public
    async with database.sessions() as session:
        kits = await recent_kits(session, "https://loa.example")
    [kit] = kits
    assert kit.text.startswith("Điểm tin y tế tuần 23/11 – 29/11/2026")
    assert "Khám mắt miễn phí" in kit.text and "Phun thuốc" not in kit.text  # Tổ 3's own
