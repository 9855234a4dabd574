"""The outbox table as the workers see it: claim with a lease, write results back.

Claiming is one `UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING …`: on SQLite it
runs inside a write transaction, so two claims never overlap; on PostgreSQL the
inner SELECT takes `FOR UPDATE SKIP LOCKED`, so several instances share the table.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    and_,
    bindparam,
    case,
    delete,
    insert,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import Update

from bot.core import Button, Reply
from bot.db import Database
from bot.models.core import KeyValue, Subscriber
from bot.models.outbox import Broadcast, OutboxMessage
from bot.models.types import utcnow
from bot.outbox.broadcasts import REPLY_PRIORITY

OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
SUBSCRIBER = Subscriber.__table__  # type: ignore[attr-defined]
BROADCAST = Broadcast.__table__  # type: ignore[attr-defined]
KEY_VALUE = KeyValue.__table__  # type: ignore[attr-defined]
PRESENCE_PREFIX = "outbox.sender."
# What a send ended as: written even over a cancel that came while it was in flight.
FINAL_STATUSES = ("sent", "blocked", "failed", "outside_window")
EXPIRED_REASON = "not sent before its expiry"
# Ids per statement: keeps every IN (…) under SQLite's bound-parameter limit.
ID_CHUNK = 900
# A sender counts as dead once it missed this many of another's announcements.
MISSED_ANNOUNCEMENTS = 3


@dataclass(frozen=True)
class Presence:
    live: int  # senders alive, the one asking included
    settled: bool  # every other one already paces at 1/live of the limit
    dead: list[tuple[str, datetime]]


@dataclass(slots=True)
class Job:
    """One claimed outbox row, as the worker carries it between sends."""

    id: int
    broadcast_id: int
    subscriber_id: int
    chat_id: str
    kind: str
    priority: int
    not_before: datetime
    not_after: datetime | None
    attempts: int
    parts_sent: int
    in_doubt: int
    text: str | None
    buttons: str | None
    status: str = "sending"
    platform_message_id: str | None = None
    last_error: str | None = None
    sent_at: datetime | None = None
    migrations: int = 0

    def values(self) -> dict[str, Any]:
        """What a result write sets, captured now (the job keeps changing)."""
        return {
            "_id": self.id,
            "_status": self.status,
            "_final": self.status in FINAL_STATUSES,
            "_chat_id": self.chat_id,
            "_not_before": self.not_before,
            "_attempts": self.attempts,
            "_parts_sent": self.parts_sent,
            "_in_doubt": self.in_doubt,
            "_platform_message_id": self.platform_message_id,
            "_last_error": self.last_error[:500] if self.last_error else None,
            "_sent_at": self.sent_at,
        }


_CLAIMED = (
    OUTBOX.c.id, OUTBOX.c.broadcast_id, OUTBOX.c.subscriber_id, OUTBOX.c.chat_id,
    OUTBOX.c.kind, OUTBOX.c.priority, OUTBOX.c.not_before, OUTBOX.c.not_after,
    OUTBOX.c.attempts, OUTBOX.c.parts_sent, OUTBOX.c.in_doubt, OUTBOX.c.text,
    OUTBOX.c.buttons,
)  # fmt: skip

_WRITE = (
    update(OUTBOX)
    .where(
        OUTBOX.c.id == bindparam("_id"),
        # A row cancelled after it was claimed is never handed back to pending.
        or_(OUTBOX.c.status != "cancelled", bindparam("_final", type_=Boolean)),
    )
    .values(
        status=bindparam("_status"),
        chat_id=bindparam("_chat_id"),
        not_before=bindparam("_not_before"),
        # The lease belongs to the claim and the heartbeat; a row leaving "sending" drops it.
        lease_until=case((bindparam("_status") == "sending", OUTBOX.c.lease_until), else_=null()),
        attempts=bindparam("_attempts"),
        parts_sent=bindparam("_parts_sent"),
        in_doubt=bindparam("_in_doubt"),
        platform_message_id=bindparam("_platform_message_id"),
        last_error=bindparam("_last_error"),
        sent_at=bindparam("_sent_at"),
    )
)


class OutboxStore:
    def __init__(self, database: Database) -> None:
        self.engine = database.engine
        self.postgres = self.engine.dialect.name == "postgresql"
        # SQLite has one writer at a time: queueing here beats spinning on busy_timeout.
        self._write_lock = asyncio.Lock()
        # Other senders' presence: when it last changed, and this one's announcement then.
        self._seen: dict[str, tuple[datetime, int]] = {}
        self._announcements = 0
        self._announced_at = -math.inf

    async def claim(
        self, channel: str, limit: int, lease_seconds: float, *, min_priority: int = 0
    ) -> list[Job]:
        """Take up to `limit` due rows of one channel, most urgent first, with a lease."""
        now = utcnow()
        due = (
            select(OUTBOX.c.id)
            .where(
                OUTBOX.c.status == "pending",
                OUTBOX.c.channel == channel,
                OUTBOX.c.priority >= min_priority,
                OUTBOX.c.not_before <= now,
                or_(OUTBOX.c.not_after.is_(None), OUTBOX.c.not_after > now),
            )
            .order_by(OUTBOX.c.priority.desc(), OUTBOX.c.not_before, OUTBOX.c.id)
            .limit(limit)
        )
        if self.postgres:
            due = due.with_for_update(skip_locked=True)
        statement = (
            update(OUTBOX)
            .where(OUTBOX.c.id.in_(due.scalar_subquery()))
            .values(status="sending", lease_until=now + timedelta(seconds=lease_seconds))
            .returning(*_CLAIMED)
        )
        async with self._write_lock, self.engine.begin() as connection:
            rows = (await connection.execute(statement)).all()
        jobs = [Job(*row) for row in rows]
        # RETURNING does not keep the subquery's order.
        jobs.sort(key=lambda job: (-job.priority, job.not_before, job.id))
        return jobs

    async def queue_replies(
        self, channel: str, chat_id: str, kind: str, parts: Sequence[Reply], after: float
    ) -> bool:
        """Keep the parts of a reply that could not go at once as outbox rows sent before
        anything else, in order, from `after` seconds on; False when the chat is no
        subscriber (the rows need one)."""
        async with self._write_lock, self.engine.begin() as connection:
            subscriber_id = await connection.scalar(
                select(SUBSCRIBER.c.id).where(
                    SUBSCRIBER.c.channel == channel, SUBSCRIBER.c.chat_id == chat_id
                )
            )
            if subscriber_id is None:
                return False
            not_before = utcnow() + timedelta(seconds=after)
            for part in parts:
                # Through the models, so every column gets its default as the ORM gives it.
                reply = Broadcast(kind="reply", text=part.text, photo=part.photo)
                broadcast_id = await connection.scalar(
                    insert(BROADCAST)
                    .values(reply.model_dump(exclude={"id"}))
                    .returning(BROADCAST.c.id)
                )
                row = OutboxMessage(
                    broadcast_id=broadcast_id,
                    subscriber_id=subscriber_id,
                    channel=channel,
                    chat_id=chat_id,
                    kind=kind,
                    priority=REPLY_PRIORITY,
                    not_before=not_before,
                    buttons=_buttons_json(part.buttons),
                )
                await connection.execute(insert(OUTBOX).values(row.model_dump(exclude={"id"})))
        return True

    async def write(self, results: list[dict[str, Any]], deactivate: Iterable[int]) -> None:
        """Store send results (Job.values()) and mark blocked recipients inactive."""
        blocked = sorted(set(deactivate))
        async with self._write_lock, self.engine.begin() as connection:
            if results:
                await connection.execute(_WRITE, results)
            if blocked:
                await connection.execute(_stop(blocked))

    async def migrate(self, job: Job, new_chat_id: str, channel: str) -> bool:
        """A group became a supergroup: follow it. False when the new chat is
        already a subscriber of its own (then the old one is retired)."""
        async with self._write_lock:
            try:
                async with self.engine.begin() as connection:
                    await connection.execute(
                        update(SUBSCRIBER)
                        .where(SUBSCRIBER.c.id == job.subscriber_id)
                        .values(chat_id=new_chat_id, updated_at=utcnow())
                    )
                    await connection.execute(
                        update(OUTBOX)
                        .where(
                            OUTBOX.c.channel == channel,
                            OUTBOX.c.chat_id == job.chat_id,
                            OUTBOX.c.status.in_(("pending", "sending")),
                        )
                        .values(chat_id=new_chat_id)
                    )
                return True
            except IntegrityError:
                async with self.engine.begin() as connection:
                    await connection.execute(_stop([job.subscriber_id]))
                return False

    async def expire_leases(self, in_hand: Iterable[int], lease_seconds: float) -> int:
        """Return rows whose sender vanished (crash) to pending; count each as in doubt.

        `in_hand`: rows the caller itself still holds. Their leases are renewed in the
        same transaction, against the same moment, so a caller whose heartbeat came late
        (a busy machine) never takes its own rows for a dead sender's."""
        now = utcnow()
        statement = (
            update(OUTBOX)
            .where(OUTBOX.c.status == "sending", OUTBOX.c.lease_until < now)
            .values(status="pending", lease_until=None, in_doubt=OUTBOX.c.in_doubt + 1)
        )
        async with self._write_lock, self.engine.begin() as connection:
            await _extend(connection, in_hand, now + timedelta(seconds=lease_seconds))
            result = await connection.execute(statement)
        return result.rowcount or 0

    async def expire_overdue(self) -> int:
        """Rows still pending past their `not_after` are not worth sending any more."""
        now = utcnow()
        statement = (
            update(OUTBOX)
            .where(OUTBOX.c.status == "pending", OUTBOX.c.not_after <= now)
            .values(status="expired", last_error=EXPIRED_REASON)
        )
        async with self._write_lock, self.engine.begin() as connection:
            result = await connection.execute(statement)
        return result.rowcount or 0

    async def extend_leases(self, ids: Iterable[int], lease_seconds: float) -> None:
        """Heartbeat: rows this sender still holds keep their lease, however long it waits."""
        lease_until = utcnow() + timedelta(seconds=lease_seconds)
        async with self._write_lock, self.engine.begin() as connection:
            await _extend(connection, ids, lease_until)

    async def broadcast_contents(self, ids: Iterable[int]) -> dict[int, tuple[str, str | None]]:
        """Each broadcast's (text, photo)."""
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                select(BROADCAST.c.id, BROADCAST.c.text, BROADCAST.c.photo).where(
                    BROADCAST.c.id.in_(list(ids))
                )
            )
            return {broadcast_id: (text, photo) for broadcast_id, text, photo in rows}

    async def announce(self, instance: str, stale_after: float, pacing_for: int) -> Presence:
        """This sender is alive and paces at 1/`pacing_for` of the limit; who else is.

        Several instances share the platform's limit, so each paces at its share. One
        that died stops counting once its presence is `stale_after` seconds old and it
        missed MISSED_ANNOUNCEMENTS of this sender's: a machine too busy to announce on
        time delays every sender on it, so a late one is not taken for dead."""
        # Announcements made in a burst (a sender joining) count as one.
        if time.monotonic() - self._announced_at >= stale_after / MISSED_ANNOUNCEMENTS:
            self._announcements += 1
            self._announced_at = time.monotonic()
        now = utcnow()
        key = f"{PRESENCE_PREFIX}{instance}"
        make = postgresql.insert if self.postgres else sqlite.insert
        values = {"value": str(pacing_for), "updated_at": now}
        upsert = make(KEY_VALUE).values(key=key, **values)
        upsert = upsert.on_conflict_do_update(index_elements=["key"], set_=values)
        async with self._write_lock:
            async with self.engine.begin() as connection:
                await connection.execute(upsert)
            presence = await self._presence(key, now - timedelta(seconds=stale_after))
            if presence.dead:
                await self._forget(presence.dead)
        return presence

    async def _presence(self, key: str, stale: datetime) -> Presence:
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                select(
                    KEY_VALUE.c.key,
                    KEY_VALUE.c.value,
                    KEY_VALUE.c.updated_at,
                    (KEY_VALUE.c.updated_at < stale).label("old"),
                ).where(KEY_VALUE.c.key.startswith(PRESENCE_PREFIX), KEY_VALUE.c.key != key)
            )
        live, pacing, dead = 1, [], []
        for peer, value, updated_at, old in rows:
            changed = self._seen.get(peer)
            if changed is None or changed[0] != updated_at:
                self._seen[peer] = changed = (updated_at, self._announcements)
            if old and self._announcements - changed[1] >= MISSED_ANNOUNCEMENTS:
                dead.append((peer, updated_at))
            else:
                live += 1
                # A sender that does not say its pace (an older version) cannot be waited for.
                if value.isdigit():
                    pacing.append(int(value))
        return Presence(live, all(share >= live for share in pacing), dead)

    async def _forget(self, dead: list[tuple[str, datetime]]) -> None:
        """Remove dead senders' presence, unless they came back meanwhile. SKIP LOCKED:
        a row locked is a sender announcing itself, and waiting for it while holding
        another could deadlock with a sender doing the same the other way round."""
        unchanged = or_(
            *(and_(KEY_VALUE.c.key == key, KEY_VALUE.c.updated_at == at) for key, at in dead)
        )
        locked = select(KEY_VALUE.c.key).where(unchanged).with_for_update(skip_locked=True)
        async with self.engine.begin() as connection:
            await connection.execute(delete(KEY_VALUE).where(KEY_VALUE.c.key.in_(locked)))
        for key, _at in dead:
            self._seen.pop(key, None)

    async def withdraw(self, instance: str) -> None:
        """This sender stops: the others take its share at once."""
        async with self._write_lock, self.engine.begin() as connection:
            await connection.execute(
                delete(KEY_VALUE).where(KEY_VALUE.c.key == f"{PRESENCE_PREFIX}{instance}")
            )


async def _extend(connection: AsyncConnection, ids: Iterable[int], lease_until: datetime) -> None:
    """Rows still "sending" among `ids` are leased until `lease_until`."""
    wanted = sorted(ids)
    for first in range(0, len(wanted), ID_CHUNK):
        await connection.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_(wanted[first : first + ID_CHUNK]), OUTBOX.c.status == "sending")
            .values(lease_until=lease_until)
        )


def _buttons_json(buttons: Sequence[Button]) -> str | None:
    return json.dumps([[b.text, b.data] for b in buttons], ensure_ascii=False) if buttons else None


def stored_buttons(raw: str | None) -> list[Button]:
    """A reply row's buttons as they were queued."""
    return [Button(text, data) for text, data in json.loads(raw)] if raw else []


def _stop(subscriber_ids: list[int]) -> Update:
    """Blocked or gone: the recipient is inactive from now on."""
    now = utcnow()
    return (
        update(SUBSCRIBER)
        .where(SUBSCRIBER.c.id.in_(subscriber_ids))
        .values(active=False, stopped_at=now, updated_at=now)
    )
