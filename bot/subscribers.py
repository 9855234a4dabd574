"""Subscriber records: who receives messages, on which topics, in which tổ dân phố."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.instrumentation import manager_of_class
from sqlalchemy.orm.util import identity_key

from bot.core import ChatKind, Incoming
from bot.db import insert_or_skip
from bot.hot_statements import hot_beside
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
_SUBSCRIBER_TABLE = Subscriber.__table__  # type: ignore[attr-defined]
_TOPIC_TABLE = SubscriberTopic.__table__  # type: ignore[attr-defined]
# The chat's subscriber once per topic it receives (once with None when it has none): as
# ORM rows, and as plain columns for hot statements.
_SUBSCRIBER_WITH_TOPICS = on_the_loop(
    select(Subscriber, SubscriberTopic.topic)
    .outerjoin(SubscriberTopic, SubscriberTopic.subscriber_id == Subscriber.id)
    .where(*_OF_CHAT)
)
_SUBSCRIBER_COLUMNS_WITH_TOPICS = (
    select(*_SUBSCRIBER_TABLE.c, _TOPIC_TABLE.c.topic)
    .outerjoin(_TOPIC_TABLE, _TOPIC_TABLE.c.subscriber_id == _SUBSCRIBER_TABLE.c.id)
    .where(
        _SUBSCRIBER_TABLE.c.channel == bindparam("channel"),
        _SUBSCRIBER_TABLE.c.chat_id == bindparam("chat_id"),
    )
)
_REMOVE_TOPIC = delete(_TOPIC_TABLE).where(
    _TOPIC_TABLE.c.subscriber_id == bindparam("id"), _TOPIC_TABLE.c.topic == bindparam("topic")
)
# SET what the parameters name (SQLAlchemy compiles and caches one form per set of names).
_UPDATE_SUBSCRIBER = committed_at_once(
    update(_SUBSCRIBER_TABLE).where(_SUBSCRIBER_TABLE.c.id == bindparam("subscriber_id"))
)
# SQLite's changes(): the rows the statement before it (the delete) changed.
_ADD_UNLESS_REMOVED = insert(_TOPIC_TABLE).from_select(
    ["subscriber_id", "topic"],
    select(bindparam("id"), bindparam("topic")).where(func.changes() == 0),
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
    chat = {"channel": incoming.channel, "chat_id": incoming.chat_id}
    statements = await hot_beside(session)
    if statements is not None:
        columns = await statements.rows(_SUBSCRIBER_COLUMNS_WITH_TOPICS, chat)
        if columns:
            topics = {row[-1] for row in columns if row[-1] is not None}
            return _as_loaded(session, columns[0][:-1]), topics
    elif rows := (await session.execute(_SUBSCRIBER_WITH_TOPICS, chat)).all():
        return rows[0][0], {topic for _subscriber, topic in rows if topic is not None}
    subscriber = await require_subscriber(session, incoming)
    return subscriber, await topics_of(session, subscriber.id)


def _as_loaded(session: AsyncSession, columns: tuple[Any, ...]) -> Subscriber:
    """The subscriber whose columns were read beside `session`: the one the session holds,
    else a detached one as if loaded (`session.add` attaches it, with no INSERT)."""
    held = session.identity_map.get(identity_key(Subscriber, columns[0]))
    if isinstance(held, Subscriber):
        return held
    # As the ORM makes the objects it loads: no __init__ (which records each value as a
    # change, four times the cost of the read), the values set as committed.
    subscriber = manager_of_class(Subscriber).new_instance()
    for name, value in zip(_SUBSCRIBER_TABLE.c.keys(), columns, strict=True):
        set_committed_value(subscriber, name, value)
    make_transient_to_detached(subscriber)
    return subscriber


async def topics_of(session: AsyncSession, subscriber_id: int) -> set[str]:
    return set(await session.scalars(_TOPICS, {"id": subscriber_id}))


async def toggle_topic(session: AsyncSession, subscriber_id: int, topic: str) -> set[str]:
    """Turn `topic` off if it is on, else on; returns the topics now chosen. Each of two
    toggles at once (a double tap, two instances) counts: the subscriber's row is locked
    until the commit (PostgreSQL; SQLite has one writer at a time), so the second toggle
    sees what the first did."""
    toggle = {"id": subscriber_id, "topic": topic}
    statements = await hot_beside(session)
    if statements is not None:  # SQLite: added unless the delete just before removed it
        await statements.write_together((_REMOVE_TOPIC, toggle), (_ADD_UNLESS_REMOVED, toggle))
        return {chosen for (chosen,) in await statements.rows(_TOPICS, {"id": subscriber_id})}
    dialect = session.get_bind().dialect.name
    if dialect != "sqlite":  # SQLite has no row locks: its one writer already waits
        await session.execute(_LOCKED, {"id": subscriber_id})
    removed = await session.execute(_REMOVE_TOPIC, toggle)
    if not removed.rowcount:  # type: ignore[attr-defined]
        await session.execute(_ADD_TOPIC[dialect], {"subscriber_id": subscriber_id, "topic": topic})
    await session.commit()
    return await topics_of(session, subscriber_id)


async def update_subscriber(
    session: AsyncSession, subscriber: Subscriber, **fields: object
) -> None:
    """Change `fields` of `subscriber` and commit the session."""
    values = {**fields, "updated_at": utcnow()}
    statements = None if subscriber.id is None else await hot_beside(session)
    if statements is not None:  # nothing else in the session to commit
        await statements.write(_UPDATE_SUBSCRIBER, {**values, "subscriber_id": subscriber.id})
        for name, value in values.items():
            set_committed_value(subscriber, name, value)
        return
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
