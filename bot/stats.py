"""Key reach numbers: for /thongke, the dashboard overview and the reach reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import ChatKind
from bot.forward_kit import PUBLIC_KINDS
from bot.models.core import Subscriber, SubscriberTopic
from bot.models.outbox import Broadcast, OutboxMessage
from bot.models.types import utcnow


@dataclass
class KeyNumbers:
    active: int
    stopped: int
    groups: int
    new_since: int
    by_channel: dict[str, int]
    by_topic: dict[str, int]
    by_area: dict[str, int]
    broadcasts: int
    delivered: int
    failed: int


def receiving_at(moment: datetime) -> ColumnElement[bool]:
    """Subscribers who were receiving messages at `moment`: created before it, and not yet
    stopped then (a resumed subscriber's stop date is cleared, so it counts as receiving)."""
    not_stopped = or_(
        and_(Subscriber.stopped_at.is_(None), Subscriber.active), Subscriber.stopped_at >= moment
    )
    return and_(Subscriber.created_at < moment, not_stopped)


async def key_numbers(
    session: AsyncSession, since: datetime, until: datetime | None = None
) -> KeyNumbers:
    """Subscribers as they were at `until` (default now), and what was sent between `since`
    and `until`. Broadcasts count public ones only (one-to-one replies are not "đợt tin")."""
    until = until or utcnow()
    existing = Subscriber.created_at < until
    active = receiving_at(until)

    async def count(*conditions) -> int:  # type: ignore[no-untyped-def]
        return int(
            await session.scalar(select(func.count()).select_from(Subscriber).where(*conditions))
            or 0
        )

    async def grouped(column, *conditions) -> dict[str, int]:  # type: ignore[no-untyped-def]
        rows = await session.execute(
            select(column, func.count())
            .where(*conditions)
            .group_by(column)
            .order_by(func.count().desc())
        )
        return {str(key or "—"): int(value) for key, value in rows}

    sent_in_period = (OutboxMessage.sent_at >= since) & (OutboxMessage.sent_at < until)
    return KeyNumbers(
        active=await count(active),
        stopped=await count(existing, ~active),
        groups=await count(active, Subscriber.kind == ChatKind.GROUP),
        new_since=await count(Subscriber.created_at >= since, existing),
        by_channel=await grouped(Subscriber.channel, active),
        by_topic=await grouped(
            SubscriberTopic.topic,
            SubscriberTopic.subscriber_id.in_(select(Subscriber.id).where(active)),
        ),
        by_area=await grouped(Subscriber.area, active),
        broadcasts=int(
            await session.scalar(
                select(func.count())
                .select_from(Broadcast)
                .where(
                    Broadcast.created_at >= since,
                    Broadcast.created_at < until,
                    Broadcast.kind.in_(PUBLIC_KINDS),
                )
            )
            or 0
        ),
        delivered=int(
            await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(sent_in_period, OutboxMessage.status == "sent")
            )
            or 0
        ),
        failed=int(
            await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.status.in_(("failed", "blocked")),
                    Broadcast.id == OutboxMessage.broadcast_id,
                    Broadcast.created_at >= since,
                    Broadcast.created_at < until,
                )
            )
            or 0
        ),
    )


def last_days(now: datetime, days: int = 30) -> datetime:
    return now - timedelta(days=days)
