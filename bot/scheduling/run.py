"""`run_due(now, database)`: the sends due now become broadcasts in the outbox, once each.

The broadcast table is the only memory: a send is done when a broadcast with its key
exists (`create_broadcast` is INSERT … ON CONFLICT (key) DO NOTHING). So a restart, a
second instance, or a catch-up run after downtime finds the key and sends nothing twice;
and nothing is remembered in the process that a crash could lose.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db import Database
from bot.models.core import Subscriber, SubscriberTopic
from bot.models.outbox import Broadcast, BroadcastKind, OutboxMessage
from bot.news.schedule import DueNews, queue_news
from bot.outbox.audience import Audience
from bot.outbox.broadcasts import BroadcastRequest, create_broadcast
from bot.scheduling.plan import PlannedSend, SendKind, Timing, plan
from bot.scheduling.texts import ContentTexts, SectionTexts, SendTexts, wants
from bot.survey.invite import queue_invitation
from content.observances import Observance

log = logging.getLogger(__name__)

CREATED_BY = "scheduler"
BROADCAST_KIND = BroadcastKind.OBSERVANCE

# A periodic job of another feature: called with a session and the current time on
# every scheduler run; it commits nothing itself (the runner commits after it).
PeriodicHook = Callable[[AsyncSession, datetime], Awaitable[object]]


@dataclass(frozen=True)
class Queued:
    """What one due send became: a new broadcast, or nothing (it existed already)."""

    send: PlannedSend
    broadcast_id: int | None
    recipients: int

    @property
    def created(self) -> bool:
        return self.broadcast_id is not None


async def run_due(
    now: datetime,
    database: Database,
    settings: Settings | Timing | None = None,
    *,
    observances: Iterable[Observance] | None = None,
    texts: SectionTexts | None = None,
) -> list[Queued]:
    """Queue every send of today whose time has come (catch-up included, same day only)."""
    timing = Timing.of(settings)
    today = now.astimezone(timing.tz).date()
    due = [s for s in plan(today, today, observances, timing) if s.due(now)]
    texts = texts or ContentTexts()
    queued = [await queue_send(send, database, texts) for send in due]
    await queue_news(now, database, timing)
    await queue_invitation(now, database, timing)
    return queued


async def queue_send(send: PlannedSend, database: Database, texts: SectionTexts) -> Queued:
    """Create the broadcast of one send (a no-op when its key exists), and commit. Each
    recipient's news digest due that day goes below their text (bot/news/schedule.py)."""
    async with database.sessions() as session:
        queued_title = await session.scalar(
            select(Broadcast.title).where(Broadcast.key == send.key)
        )
        if queued_title is not None:
            _warn_if_left_out(send, queued_title)
            return Queued(send, None, 0)
        own = SendTexts(send, texts)
        news = await DueNews.load(session, send.date)
        broadcast = await create_broadcast(
            session,
            BroadcastRequest(
                text=own.full("vi"),
                text_en=own.full("en"),
                audience=Audience(topics=send.topics),
                kind=BROADCAST_KIND,
                key=send.key,
                title=_title(send),
                not_before=send.send_at,
                not_after=send.expires,
                created_by=CREATED_BY,
                texts_for=lambda subscriber, topics: news.merged(
                    own.for_recipient(topics, subscriber.language), subscriber, topics
                ),
            ),
        )
        if broadcast is None or broadcast.id is None:  # another instance was first
            await session.rollback()
            return Queued(send, None, 0)
        await news.mark_asked(session)
        recipients = await session.scalar(
            select(func.count()).where(OutboxMessage.broadcast_id == broadcast.id)
        )
        await session.commit()
    log.info(
        "scheduler: queued %s (%s) for %d recipients",
        send.key,
        ", ".join(send.observance_ids),
        recipients or 0,
    )
    return Queued(send, broadcast.id, recipients or 0)


async def run_hooks(now: datetime, database: Database, hooks: Iterable[PeriodicHook]) -> None:
    """Run other features' periodic jobs, each in its own transaction; one failing job is
    logged and does not stop the others."""
    for hook in hooks:
        try:
            async with database.sessions() as session:
                await hook(session, now)
                await session.commit()
        except Exception:
            log.exception("scheduler: periodic job %s failed", hook_name(hook))


def hook_name(hook: PeriodicHook) -> str:
    function = getattr(hook, "func", hook)  # functools.partial keeps the function here
    return getattr(function, "__qualname__", None) or repr(hook)


def _warn_if_left_out(send: PlannedSend, queued_title: str) -> None:
    """The day's message went out before an observance was added to it (or renamed):
    the key is per day, so that observance is not sent this year. Say so."""
    left_out = [o.id for o in send.observances if o.name_vi not in queued_title]
    if left_out:
        log.warning(
            "scheduler: %s was queued before %s joined that day; it is not sent this year "
            "(send it as a staff broadcast if it still matters)",
            send.key,
            ", ".join(left_out),
        )


def _title(send: PlannedSend) -> str:
    names = "; ".join(o.name_vi for o in send.observances)
    prefix = "Nhắc lại: " if send.kind is SendKind.REMINDER else ""
    return f"{prefix}{names}"[:200]


async def queued_keys(session: AsyncSession, sends: Iterable[PlannedSend]) -> dict[str, int]:
    """Of these sends, those already queued: key → number of outbox rows."""
    keys = [s.key for s in sends]
    if not keys:
        return {}
    rows = await session.execute(
        select(Broadcast.key, func.count(OutboxMessage.id))
        .outerjoin(OutboxMessage, OutboxMessage.broadcast_id == Broadcast.id)
        .where(Broadcast.key.in_(keys))
        .group_by(Broadcast.key)
    )
    return {str(key): count for key, count in rows}


async def recipient_counts(session: AsyncSession, sends: Iterable[PlannedSend]) -> dict[str, int]:
    """How many active subscribers each send would reach today (key → count)."""
    choices = await _topic_choices(session)
    return {
        send.key: sum(
            count
            for topics, count in choices.items()
            if any(wants(o, topics) for o in send.observances)
        )
        for send in sends
    }


async def _topic_choices(session: AsyncSession) -> Counter[frozenset[str]]:
    """Active subscribers counted by the set of topics they chose."""
    topics: dict[int, set[str]] = {}
    active = Audience().where(select(Subscriber.id))
    for (subscriber_id,) in await session.execute(active):
        topics[subscriber_id] = set()
    for subscriber_id, topic in await session.execute(
        select(SubscriberTopic.subscriber_id, SubscriberTopic.topic)
    ):
        if subscriber_id in topics:
            topics[subscriber_id].add(topic)
    return Counter(frozenset(chosen) for chosen in topics.values())
