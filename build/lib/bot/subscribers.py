"""Subscriber records: who receives messages, on which topics, in which tổ dân phố."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import ChatKind, Incoming
from bot.models.core import Subscriber, SubscriberTopic
from bot.models.types import utcnow

DEFAULT_TOPICS = ("chung",)


async def find_subscriber(session: AsyncSession, channel: str, chat_id: str) -> Subscriber | None:
    return await session.scalar(
        select(Subscriber).where(Subscriber.channel == channel, Subscriber.chat_id == chat_id)
    )


async def subscribe(
    session: AsyncSession, incoming: Incoming, language: str
) -> tuple[Subscriber, bool]:
    """Create the subscriber for this chat, or re-activate it. Returns (subscriber, created).

    Safe to call twice at once: the (channel, chat_id) unique key decides.
    """
    existing = await find_subscriber(session, incoming.channel, incoming.chat_id)
    if existing:
        await resume_messages(session, existing)
        return existing, False
    subscriber = Subscriber(
        channel=incoming.channel,
        chat_id=incoming.chat_id,
        kind=incoming.chat_kind.value,
        language=language,
    )
    session.add(subscriber)
    try:
        await session.flush()
        session.add_all(
            SubscriberTopic(subscriber_id=subscriber.id, topic=t) for t in DEFAULT_TOPICS
        )
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raced = await find_subscriber(session, incoming.channel, incoming.chat_id)
        assert raced is not None
        return raced, False
    return subscriber, True


async def require_subscriber(session: AsyncSession, incoming: Incoming) -> Subscriber:
    subscriber = await find_subscriber(session, incoming.channel, incoming.chat_id)
    if subscriber is None:
        subscriber, _ = await subscribe(session, incoming, incoming.locale or "vi")
    return subscriber


async def topics_of(session: AsyncSession, subscriber_id: int) -> set[str]:
    rows = await session.scalars(
        select(SubscriberTopic.topic).where(SubscriberTopic.subscriber_id == subscriber_id)
    )
    return set(rows)


async def toggle_topic(session: AsyncSession, subscriber_id: int, topic: str) -> set[str]:
    current = await topics_of(session, subscriber_id)
    if topic in current:
        await session.execute(
            delete(SubscriberTopic).where(
                SubscriberTopic.subscriber_id == subscriber_id, SubscriberTopic.topic == topic
            )
        )
        current.discard(topic)
    else:
        session.add(SubscriberTopic(subscriber_id=subscriber_id, topic=topic))
        current.add(topic)
    await session.commit()
    return current


async def update_subscriber(
    session: AsyncSession, subscriber: Subscriber, **fields: object
) -> None:
    for name, value in fields.items():
        setattr(subscriber, name, value)
    subscriber.updated_at = utcnow()
    session.add(subscriber)
    await session.commit()


async def language_of(session: AsyncSession, incoming: Incoming) -> str | None:
    return await session.scalar(
        select(Subscriber.language).where(
            Subscriber.channel == incoming.channel, Subscriber.chat_id == incoming.chat_id
        )
    )


def is_group(incoming: Incoming) -> bool:
    return incoming.chat_kind is ChatKind.GROUP


async def stop_messages(session: AsyncSession, subscriber: Subscriber) -> None:
    """No more messages to this chat; reports count it as stopped from now."""
    await update_subscriber(session, subscriber, active=False, stopped_at=utcnow())


async def resume_messages(session: AsyncSession, subscriber: Subscriber) -> None:
    if not subscriber.active or subscriber.stopped_at is not None:
        await update_subscriber(session, subscriber, active=True, stopped_at=None)
