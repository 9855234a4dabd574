"""Dialogue state behind one storage interface keyed by (channel, chat, user).

Steps are Enum members stored by name ("RegistrationStep.ASK_NAME"), never
bare integers, so a stored state stays readable and survives a restart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Protocol

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import engine_of
from bot.hot_statements import hot
from bot.models.core import DialogueStateRow, Subscriber

KEY_COLUMNS = ["channel", "chat_id", "user_id"]
# Read on nearly every message: built once (building a statement costs more than SQLite
# takes to answer it).
_OF_KEY = [getattr(DialogueStateRow, column) == bindparam(column) for column in KEY_COLUMNS]
_STATE = select(DialogueStateRow.step, DialogueStateRow.data).where(*_OF_KEY)
_CLEAR = delete(DialogueStateRow).where(*_OF_KEY)
_VALUES = ("step", "data", "updated_at")
# What every message starts with, in one statement: the chat's chosen language (None when
# it is no subscriber) and the dialogue step and data (None outside a dialogue).
_LANGUAGE_AND_STATE = select(
    select(Subscriber.language)
    .where(Subscriber.channel == bindparam("channel"), Subscriber.chat_id == bindparam("chat_id"))
    .scalar_subquery(),
    select(DialogueStateRow.step).where(*_OF_KEY).scalar_subquery(),
    select(DialogueStateRow.data).where(*_OF_KEY).scalar_subquery(),
)


@dataclass(frozen=True)
class StateKey:
    channel: str
    chat_id: str
    user_id: str


@dataclass
class DialogueState:
    step: str
    data: dict[str, Any] = field(default_factory=dict)


def step_name(step: Enum) -> str:
    return f"{type(step).__name__}.{step.name}"


class StateStorage(Protocol):
    async def get(self, key: StateKey) -> DialogueState | None: ...

    async def get_with_language(self, key: StateKey) -> tuple[str | None, DialogueState | None]:
        """The chat's chosen language (None if it never subscribed) and the state."""
        ...

    async def set(self, key: StateKey, state: DialogueState) -> None: ...

    async def clear(self, key: StateKey) -> None: ...


class MemoryStateStorage:
    """For tests: the same interface, kept in a dict."""

    def __init__(self) -> None:
        self._states: dict[StateKey, DialogueState] = {}

    async def get(self, key: StateKey) -> DialogueState | None:
        state = self._states.get(key)
        return DialogueState(state.step, dict(state.data)) if state else None

    async def get_with_language(self, key: StateKey) -> tuple[str | None, DialogueState | None]:
        return None, await self.get(key)

    async def set(self, key: StateKey, state: DialogueState) -> None:
        self._states[key] = DialogueState(state.step, dict(state.data))

    async def clear(self, key: StateKey) -> None:
        self._states.pop(key, None)


class SqlStateStorage:
    """Dialogue state in the database, so a restart resumes every dialogue.

    Read and written on nearly every message, as Core statements built once and run as hot
    statements (bot/hot_statements.py): a session, or even a pooled connection, around one
    statement costs more than SQLite takes to answer it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        engine = engine_of(sessions)
        self._hot = hot(engine)
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        upsert = dialect.insert(DialogueStateRow.__table__)  # type: ignore[attr-defined]
        # One statement: two instances (or two requests) setting the same key at once
        # both succeed, the later write kept, where a read-then-insert hit the unique key.
        self._upsert = upsert.on_conflict_do_update(
            index_elements=KEY_COLUMNS, set_={name: upsert.excluded[name] for name in _VALUES}
        )

    async def get(self, key: StateKey) -> DialogueState | None:
        rows = await self._hot.rows(_STATE, vars(key))
        return DialogueState(rows[0][0], json.loads(rows[0][1])) if rows else None

    async def get_with_language(self, key: StateKey) -> tuple[str | None, DialogueState | None]:
        [(language, step, data)] = await self._hot.rows(_LANGUAGE_AND_STATE, vars(key))
        return language, DialogueState(step, json.loads(data)) if step is not None else None

    async def set(self, key: StateKey, state: DialogueState) -> None:
        values = {
            "step": state.step,
            "data": json.dumps(state.data, ensure_ascii=False),
            "updated_at": datetime.now(UTC),
        }
        await self._hot.write(self._upsert, vars(key) | values)

    async def clear(self, key: StateKey) -> None:
        await self._hot.write(_CLEAR, vars(key))
