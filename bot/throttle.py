"""Counters for limits every instance shares (failed logins, new web chat identities).

Kept in the database, not in memory: a restart does not reset them and several instances
see the same counts. Names and addresses are stored hashed, and events older than a day
are pruned as new ones are written.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models.security import ThrottleEvent
from bot.models.types import utcnow

KEEP = timedelta(days=1)


def throttle_key(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def recent(session: AsyncSession, kind: str, value: str, window: timedelta) -> int:
    """How many `kind` events for `value` happened in the last `window`."""
    return int(
        await session.scalar(
            select(func.count())
            .select_from(ThrottleEvent)
            .where(
                ThrottleEvent.kind == kind,
                ThrottleEvent.key == throttle_key(value),
                ThrottleEvent.at > utcnow() - window,
            )
        )
        or 0
    )


async def record(session: AsyncSession, kind: str, value: str) -> None:
    """Count one `kind` event for `value` (committed), pruning what no limit looks at any more."""
    await session.execute(delete(ThrottleEvent).where(ThrottleEvent.at < utcnow() - KEEP))
    session.add(ThrottleEvent(kind=kind, key=throttle_key(value)))
    await session.commit()


async def forget(session: AsyncSession, kind: str, value: str) -> None:
    """A successful login clears its name's failures."""
    await session.execute(
        delete(ThrottleEvent).where(
            ThrottleEvent.kind == kind, ThrottleEvent.key == throttle_key(value)
        )
    )
    await session.commit()
