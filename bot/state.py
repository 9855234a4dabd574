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
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import insert_or_skip
from bot.models.core import DialogueStateRow, Subscriber

KEY_COLUMNS = ["channel", "chat_id", "user_id"]
# Read on nearly every message: built once (building a statement costs more than SQLite
# takes to answer it).
_OF_KEY = [getattr(DialogueStateRow, column) == bindparam(column) for column in KEY_COLUMNS]
_STATE = select(DialogueStateRow.step, DialogueStateRow.data).where(*_OF_KEY)
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
    """Dialogue state in the database, so a restart resumes every dialogue."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, key: StateKey) -> DialogueState | None:
        async with self._sessions() as session:
            row = (await session.execute(_STATE, vars(key))).first()
        return DialogueState(row.step, json.loads(row.data)) if row else None

    async def get_with_language(self, key: StateKey) -> tuple[str | None, DialogueState | None]:
        async with self._sessions() as session:
            language, step, data = (await session.execute(_LANGUAGE_AND_STATE, vars(key))).one()
        return language, DialogueState(step, json.loads(data)) if step is not None else None

    async def set(self, key: StateKey, state: DialogueState) -> None:
        # One statement: two instances (or two requests) setting the same key at once
        # both succeed, the later write kept, where a read-then-insert hit the unique key.
        values = {
            "step": state.step,
            "data": json.dumps(state.data, ensure_ascii=False),
            "updated_at": datetime.now(UTC),
        }
        async with self._sessions() as session, session.begin():
            await session.execute(
                insert_or_skip(session, DialogueStateRow)
                .values(channel=key.channel, chat_id=key.chat_id, user_id=key.user_id, **values)
                .on_conflict_do_update(index_elements=KEY_COLUMNS, set_=values)
            )

    async def clear(self, key: StateKey) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                delete(DialogueStateRow).where(
                    DialogueStateRow.channel == key.channel,
                    DialogueStateRow.chat_id == key.chat_id,
                    DialogueStateRow.user_id == key.user_id,
                )
            )
