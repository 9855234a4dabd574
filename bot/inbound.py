"""Every channel's way in: each platform update acted on once, one chat at a time.

Adapters hand each `Incoming` to `Inbound.dispatch` (never to the dispatcher directly):
- one chat's updates are handled one at a time, in the order they arrived (as aiogram's
  event isolation does), so a double tap or two parallel webhook deliveries never race
  each other's dialogue state; other chats go on meanwhile;
- an update carrying a platform key (`Incoming.update_key`: Telegram's update_id, Zalo's
  message and event ids) is recorded in `handled_update` before it is handled, so a
  retry, a replay or the same update after a restart is recognised and skipped, on
  every instance sharing the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import Dispatch
from bot.core import Incoming, Reply
from bot.db import engine_of
from bot.hot_statements import hot
from bot.models.core import HandledUpdate
from bot.models.types import utcnow

log = logging.getLogger(__name__)

# Platforms give up resending within a day (Telegram keeps an update 24 h); kept longer.
REMEMBER_UPDATES_FOR = timedelta(days=3)
_HANDLED = HandledUpdate.__table__  # type: ignore[attr-defined]
# Built once per dialect: building the statement per update cost more than running it.
_REMEMBER = {
    "postgresql": postgresql.insert(_HANDLED).on_conflict_do_nothing(),
    "sqlite": sqlite.insert(_HANDLED).on_conflict_do_nothing(),
}


@dataclass
class _Turn:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


class OneAtATime:
    """Per-key FIFO locks that exist only while someone holds or waits for them, so a
    million chats seen once leave nothing behind."""

    def __init__(self) -> None:
        self._turns: dict[Hashable, _Turn] = {}

    @asynccontextmanager
    async def turn(self, key: Hashable) -> AsyncIterator[None]:
        turn = self._turns.setdefault(key, _Turn())
        turn.waiting += 1
        try:
            async with turn.lock:  # asyncio.Lock wakes its waiters in arrival order
                yield
        finally:
            turn.waiting -= 1
            if turn.waiting == 0:
                del self._turns[key]

    def __len__(self) -> int:
        return len(self._turns)


class Inbound:
    """Wraps the dispatcher for the channels; see the module docstring."""

    def __init__(self, dispatch: Dispatch, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._dispatch = dispatch
        engine = engine_of(sessions)
        self._hot = hot(engine)
        self._remember = _REMEMBER[engine.dialect.name]
        self.chats = OneAtATime()

    async def dispatch(self, incoming: Incoming) -> list[Reply]:
        async with self.chats.turn((incoming.channel, incoming.chat_id)):
            if incoming.update_key and not await self._first_time(incoming):
                log.info("%s: an update handled before, skipped", incoming.channel)
                return []
            return await self._dispatch(incoming)

    async def _first_time(self, incoming: Incoming) -> bool:
        key = f"{incoming.channel}:{incoming.update_key}"[:160]
        remembered = await self._hot.write(self._remember, {"key": key, "handled_at": utcnow()})
        return bool(remembered.rowcount)


async def forget_old_updates(session: AsyncSession, now: datetime) -> int:
    """Periodic job: drop handled-update keys no platform would resend any more."""
    result = await session.execute(
        delete(HandledUpdate).where(HandledUpdate.handled_at < now - REMEMBER_UPDATES_FOR)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
