"""Subscriber records: who receives messages, on which topics, in which tổ dân phố."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.core import ChatKind, Incoming
from bot.db import insert_or_skip
from bot.models.core import Subscriber, SubscriberTopic
from bot.models.types import utcnow
from bot.sqlite_trips import committed_at_once, on_the_loop

DEFAULT_TOPICS = ("chung",)


# Statements run on nearly every message, built once: building one costs more than
# SQLite takes to answer it.
_OF_CHAT = (Subscriber.channel == bindparam("channel"), Subscriber.chat_id == bindparam("chat_id"))
_SUBSCRIBER = on_the_loop(select(Subscriber).where(*_OF_CHAT))
_LANGUAGE = on_the_loop(select(Subscriber.language).where(*_OF_CHAT))
_LOCKED = select(Subscriber.id).where(Subscriber.id == bindparam("id")).with_for_update()
_TOPICS = on_the_loop(
    select(SubscriberTopic.topic).where(SubscriberTopic.subscriber_id == bindparam("id"))
)
# The chat's subscriber once per topic it receives (once with None when it has none).
_SUBSCRIBER_WITH_TOPICS = on_the_loop(
    select(Subscriber, SubscriberTopic.topic)
    .outerjoin(SubscriberTopic, SubscriberTopic.subscriber_id == Subscriber.id)
    .where(*_OF_CHAT)
)
_SUBSCRIBER_TABLE = Subscriber.__table__  # type: ignore[attr-defined]
_TOPIC_TABLE = SubscriberTopic.__table__  # type: ignore[attr-defined]
_REMOVE_TOPIC = delete(_TOPIC_TABLE).where(
    _TOPIC_TABLE.c.subscriber_id == bindparam("id"), _TOPIC_TABLE.c.topic == bindparam("topic")
)
# SET what the parameters name (SQLAlchemy compiles and caches one form per set of names).
_UPDATE_SUBSCRIBER = committed_at_once(
    update(_SUBSCRIBER_TABLE).where(_SUBSCRIBER_TABLE.c.id == bindparam("subscriber_id"))
)
_ADD_TOPIC = {
    "postgresql": postgresql.insert(_TOPIC_TABLE).on_conflict_do_nothing(),
    "sqlite": sqlite.insert(_TOPIC_TABLE).on_conflict_do_nothing(),
}


async def find_subscriber(session: AsyncSession, channel: str, chat_id: str) -> Subscriber | None:
    return await session.scalar(_SUBSCRIBER, {"channel": channel, "chat_id": chat_id})


async def subscribe(
    session: AsyncSession, incoming: Incoming, language: str
) -> tuple[Subscriber, bool]:
    """Create the subscriber for this chat, or re-activate it. Returns (subscriber, created).

    Safe to call twice at once, on one instance or two: the (channel, chat_id) unique key
    decides in one statement which call creates it; the other finds it.
    """
    existing = await find_subscriber(session, incoming.channel, incoming.chat_id)
    if existing:
        await resume_messages(session, existing)
        return existing, False
    now = utcnow()
    new_id = await session.scalar(
        insert_or_skip(session, Subscriber)
        .values(
            channel=incoming.channel,
            chat_id=incoming.chat_id,
            kind=incoming.chat_kind.value,
            language=language,
            active=True,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing()
        .returning(Subscriber.id)
    )
    if new_id is not None:
        await session.execute(
            insert_or_skip(session, SubscriberTopic).values(
                [{"subscriber_id": new_id, "topic": topic} for topic in DEFAULT_TOPICS]
            )
        )
    await session.commit()
    subscriber = await find_subscriber(session, incoming.channel, incoming.chat_id)
    assert subscriber is not None
    return subscriber, new_id is not None


async def require_subscriber(session: AsyncSession, incoming: Incoming) -> Subscriber:
    subscriber = await find_subscriber(session, incoming.channel, incoming.chat_id)
    if subscriber is None:
        subscriber, _ = await subscribe(session, incoming, incoming.locale or "vi")
    return subscriber


async def subscriber_with_topics(
    session: AsyncSession, incoming: Incoming
) -> tuple[Subscriber, set[str]]:
    """This chat's subscriber (subscribed first if it never was) and its topics, in one
    read where the subscriber exists."""
    rows = (
        await session.execute(
            _SUBSCRIBER_WITH_TOPICS, {"channel": incoming.channel, "chat_id": incoming.chat_id}
        )
    ).all()
    if not rows:
        subscriber = await require_subscriber(session, incoming)
        return subscriber, await topics_of(session, subscriber.id)
    return rows[0][0], {topic for _subscriber, topic in rows if topic is not None}


async def topics_of(session: AsyncSession, subscriber_id: int) -> set[str]:
    return set(await session.scalars(_TOPICS, {"id": subscriber_id}))


async def toggle_topic(session: AsyncSession, subscriber_id: int, topic: str) -> set[str]:
    """Turn `topic` off if it is on, else on; returns the topics now chosen. Each of two
    toggles at once (a double tap, two instances) counts: the subscriber's row is locked
    until the commit (PostgreSQL; SQLite has one writer at a time), so the second toggle
    sees what the first did."""
    dialect = session.get_bind().dialect.name
    if dialect != "sqlite":  # SQLite has no row locks: its one writer already waits
        await session.execute(_LOCKED, {"id": subscriber_id})
    removed = await session.execute(_REMOVE_TOPIC, {"id": subscriber_id, "topic": topic})
    if not removed.rowcount:  # type: ignore[attr-defined]
        await session.execute(_ADD_TOPIC[dialect], {"subscriber_id": subscriber_id, "topic": topic})
    await session.commit()
    return await topics_of(session, subscriber_id)


async def update_subscriber(
    session: AsyncSession, subscriber: Subscriber, **fields: object
) -> None:
    """Change `fields` of `subscriber` and commit the session."""
    values = {**fields, "updated_at": utcnow()}
    if subscriber.id is None or session.new or session.dirty or session.deleted:
        for name, value in values.items():
            setattr(subscriber, name, value)
        session.add(subscriber)
    else:
        # Nothing else to flush: one UPDATE committed as it runs, one trip to SQLite where
        # the ORM's flush and commit took two.
        await session.execute(_UPDATE_SUBSCRIBER, {**values, "subscriber_id": subscriber.id})
        for name, value in values.items():
            set_committed_value(subscriber, name, value)
    await session.commit()


async def language_of(session: AsyncSession, incoming: Incoming) -> str | None:
    return await session.scalar(
        _LANGUAGE, {"channel": incoming.channel, "chat_id": incoming.chat_id}
    )


def is_group(incoming: Incoming) -> bool:
    return incoming.chat_kind is ChatKind.GROUP


async def stop_messages(session: AsyncSession, subscriber: Subscriber) -> None:
    """No more messages to this chat; reports count it as stopped from now."""
    await update_subscriber(session, subscriber, active=False, stopped_at=utcnow())


async def resume_messages(session: AsyncSession, subscriber: Subscriber) -> None:
    if not subscriber.active or subscriber.stopped_at is not None:
        await update_subscriber(session, subscriber, active=True, stopped_at=None)
