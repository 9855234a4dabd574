"""The outbox table as the workers see it: claim with a lease, write results back.

Claiming is one `UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING …`: on SQLite it
runs inside a write transaction, so two claims never overlap; on PostgreSQL the
inner SELECT takes `FOR UPDATE SKIP LOCKED`, so several instances share the table.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.db import Database
from bot.models.core import Subscriber
from bot.models.outbox import Broadcast, OutboxMessage
from bot.models.types import utcnow

OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
SUBSCRIBER = Subscriber.__table__  # type: ignore[attr-defined]
BROADCAST = Broadcast.__table__  # type: ignore[attr-defined]
# What a send ended as: written even over a cancel that came while it was in flight.
FINAL_STATUSES = ("sent", "blocked", "failed", "outside_window")


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
    attempts: int
    parts_sent: int
    text: str | None
    lease_until: datetime | None
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
            "_lease_until": self.lease_until,
            "_attempts": self.attempts,
            "_parts_sent": self.parts_sent,
            "_platform_message_id": self.platform_message_id,
            "_last_error": self.last_error[:500] if self.last_error else None,
            "_sent_at": self.sent_at,
        }


_CLAIMED = (
    OUTBOX.c.id, OUTBOX.c.broadcast_id, OUTBOX.c.subscriber_id, OUTBOX.c.chat_id,
    OUTBOX.c.kind, OUTBOX.c.priority, OUTBOX.c.not_before, OUTBOX.c.attempts,
    OUTBOX.c.parts_sent, OUTBOX.c.text, OUTBOX.c.lease_until,
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
        lease_until=bindparam("_lease_until"),
        attempts=bindparam("_attempts"),
        parts_sent=bindparam("_parts_sent"),
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

    async def write(self, results: list[dict[str, Any]], deactivate: Iterable[int]) -> None:
        """Store send results (Job.values()) and mark blocked recipients inactive."""
        blocked = sorted(set(deactivate))
        async with self._write_lock, self.engine.begin() as connection:
            if results:
                await connection.execute(_WRITE, results)
            if blocked:
                await connection.execute(
                    update(SUBSCRIBER)
                    .where(SUBSCRIBER.c.id.in_(blocked))
                    .values(active=False, updated_at=utcnow())
                )

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
                    await connection.execute(
                        update(SUBSCRIBER)
                        .where(SUBSCRIBER.c.id == job.subscriber_id)
                        .values(active=False, updated_at=utcnow())
                    )
                return False

    async def expire_leases(self) -> int:
        """Return rows whose sender vanished (crash) to pending; count each as in doubt."""
        statement = (
            update(OUTBOX)
            .where(OUTBOX.c.status == "sending", OUTBOX.c.lease_until < utcnow())
            .values(status="pending", lease_until=None, in_doubt=OUTBOX.c.in_doubt + 1)
        )
        async with self._write_lock, self.engine.begin() as connection:
            result = await connection.execute(statement)
        return result.rowcount or 0

    async def broadcast_texts(self, ids: Iterable[int]) -> dict[int, str]:
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                select(BROADCAST.c.id, BROADCAST.c.text).where(BROADCAST.c.id.in_(list(ids)))
            )
            return {broadcast_id: text for broadcast_id, text in rows}
