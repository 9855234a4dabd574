"""The day's news digests into the outbox, once, at the send hour.

`DueNews.load` reads everything a day's digests need (items, volunteers, subscriber counts
per tổ); `text_for` is then each recipient's text, or None (not due, nothing matches). The
observance send of the same day carries the digest below its own text (bot/scheduling/run.py);
the "news:YYYY-MM-DD" broadcast reaches everyone else it is due for. Subscribers from before
the digests existed (news_frequency None) get weekly ones, the first with a gentle question
about how often; after that they count as asked (weekly).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import ChatKind
from bot.db import Database
from bot.i18n import translator
from bot.models.core import Subscriber
from bot.models.news import NewsItem, Volunteer
from bot.models.outbox import Broadcast, BroadcastKind, OutboxMessage
from bot.news.digest import (
    Frequency,
    Period,
    chosen_items,
    digest_pages,
    due_frequencies,
    frequency_of,
    period_sent_on,
    text_limit,
)
from bot.outbox.audience import EVERYTHING, Audience
from bot.outbox.broadcasts import BroadcastRequest, create_broadcast
from bot.scheduling.plan import KEY_PREFIX, Timing
from bot.scheduling.texts import language_of

log = logging.getLogger(__name__)

NEWS_PREFIX = "news"
# The day's digest broadcast: public (a forward kit for group admins) when a weekly or
# monthly digest is due, private for the daily ones alone.
PUBLIC_KIND, DAILY_KIND = BroadcastKind.NEWS, BroadcastKind.NEWS_DAILY


def news_key(day: date) -> str:
    return f"{NEWS_PREFIX}:{day.isoformat()}"


@dataclass
class DueNews:
    """What the digests sent on `day` are made of."""

    day: date
    items: list[NewsItem]
    volunteer_areas: dict[int, str] = field(default_factory=dict)
    subscribed_in: Counter[str] = field(default_factory=Counter)
    # Subscribers whose digest carried the once-only frequency question.
    asked: set[int] = field(default_factory=set)

    @classmethod
    async def load(cls, session: AsyncSession, day: date, since: date | None = None) -> DueNews:
        """What the digests due on `day` need (their items: from `since`, else from the
        start of the longest period due)."""
        first = since or min(period_sent_on(f, day).first for f in due_frequencies(day))
        items = list(
            await session.scalars(
                select(NewsItem)
                .where(NewsItem.day >= first, NewsItem.day < day)
                .order_by(NewsItem.day, NewsItem.id)
            )
        )
        volunteers = dict(
            (sid, area)
            for sid, area in await session.execute(select(Volunteer.subscriber_id, Volunteer.area))
        )
        counts = await session.execute(
            Audience(kinds=[ChatKind.PRIVATE])
            .where(select(Subscriber.area, func.count()))
            .where(Subscriber.area.is_not(None))
            .group_by(Subscriber.area)
        )
        return cls(day, items, volunteers, Counter(dict(counts.all())))

    def period_for(self, subscriber: Subscriber) -> Period | None:
        """Which digest this subscriber gets today, if any (volunteers: the weekly one)."""
        due = due_frequencies(self.day)
        if subscriber.id in self.volunteer_areas and Frequency.WEEKLY in due:
            return period_sent_on(Frequency.WEEKLY, self.day)
        frequency = frequency_of(subscriber.news_frequency)
        return period_sent_on(frequency, self.day) if frequency in due else None

    def pages_for(
        self, subscriber: Subscriber, topics: list[str], period: Period | None = None
    ) -> list[str]:
        """The subscriber's digest of `period` (else of today's due one), as pages."""
        period = period or self.period_for(subscriber)
        if period is None:
            return []
        lang = language_of(subscriber.language)
        _ = translator(lang)
        area = subscriber.area
        volunteer_area = self.volunteer_areas.get(subscriber.id or 0)
        if volunteer_area and period.frequency is Frequency.WEEKLY:
            topics, area = [EVERYTHING], volunteer_area
        items = chosen_items(self.items, period, topics, area)
        if not items:
            return []
        footer = ""
        if volunteer_area and period.frequency is Frequency.WEEKLY:
            footer = _(
                "Cộng tác viên {to}: {n} người trong tổ đang nhận tin Loa phường. "
                "Mời anh/chị chuyển tiếp điểm tin này tới bà con trong tổ."
            ).format(to=volunteer_area, n=self.subscribed_in[volunteer_area])
        elif subscriber.news_frequency is None:
            footer = _(
                "Loa phường gửi điểm tin y tế mỗi thứ Hai. Bà con muốn nhận hằng ngày, "
                "hằng tháng hay không nhận nữa? Gõ /diemtin để chọn."
            )
        pages = digest_pages(items, period, lang, text_limit(subscriber.channel), footer)
        if pages and subscriber.news_frequency is None and subscriber.id is not None:
            self.asked.add(subscriber.id)
        return pages

    def text_for(self, subscriber: Subscriber, topics: list[str]) -> str | None:
        pages = self.pages_for(subscriber, topics)
        return pages[0] if pages else None

    def merged(self, own: str | None, subscriber: Subscriber, topics: list[str]) -> str | None:
        """An observance text with this recipient's digest below it; None without the former."""
        if own is None:
            return None
        digest = self.text_for(subscriber, topics)
        return f"{own}\n\n{digest}" if digest else own

    async def mark_asked(self, session: AsyncSession) -> None:
        if self.asked:
            await session.execute(
                update(Subscriber)
                .where(Subscriber.id.in_(self.asked), Subscriber.news_frequency.is_(None))
                .values(news_frequency=Frequency.WEEKLY.value)
            )


async def queue_news(now: datetime, database: Database, timing: Timing) -> int | None:
    """Create today's digest broadcast when its time has come (once: its key); the
    recipients of today's observance send are left out, their digest rode with it.
    Returns the broadcast id, None when nothing was created."""
    today = now.astimezone(timing.tz).date()
    send_at = timing.send_time(today)
    if not send_at <= now < timing.deadline(today, send_at):
        return None
    async with database.sessions() as session:
        if await session.scalar(select(Broadcast.id).where(Broadcast.key == news_key(today))):
            return None
        news = await DueNews.load(session, today)
        if not news.items:  # nothing to tell anyone: looked at again next tick, cheaply
            return None
        merged_already = await observance_recipients(session, today)
        text = full_digest(news, "vi")
        public = len(due_frequencies(today)) > 1 and bool(text)
        broadcast = await create_broadcast(
            session,
            BroadcastRequest(
                text=text,
                text_en=full_digest(news, "en"),
                audience=Audience(),
                kind=PUBLIC_KIND if public else DAILY_KIND,
                key=news_key(today),
                title=f"Điểm tin y tế {today.strftime('%d/%m/%Y')}",
                not_before=send_at,
                not_after=timing.at(today + timedelta(days=1), 0),
                created_by="scheduler",
                texts_for=lambda subscriber, topics: (
                    None if subscriber.id in merged_already else news.text_for(subscriber, topics)
                ),
            ),
        )
        if broadcast is None or broadcast.id is None:
            await session.rollback()
            return None
        await news.mark_asked(session)
        await session.commit()
    log.info("news: queued the digests of %s", today.isoformat())
    return broadcast.id


def full_digest(news: DueNews, lang: str, period: Period | None = None) -> str:
    """Everything for every tổ, of `period` or else of the longest one due that day: the
    archive's text and the forward kit's."""
    period = period or period_sent_on(due_frequencies(news.day)[-1], news.day)
    items = chosen_items(news.items, period, [EVERYTHING], None)  # those for every tổ
    pages = digest_pages(items, period, lang, 1_000_000)
    return pages[0] if pages else ""


async def observance_recipients(session: AsyncSession, day: date) -> set[int]:
    """Subscribers with a row in today's observance send(s): their digest went with it."""
    rows = await session.scalars(
        select(OutboxMessage.subscriber_id)
        .join(Broadcast, Broadcast.id == OutboxMessage.broadcast_id)
        .where(Broadcast.key.like(f"{KEY_PREFIX}:{day.isoformat()}%"))
    )
    return set(rows)
