"""Rows that many requests insert into one table, stored together (a group commit).

While one insert is on its way to the database, the rows other requests hand in wait and
go in the next one: one statement and one commit for all of them instead of one each, so
twenty residents chatting at once cost a handful of commits, not twenty. Each caller
returns only once its own rows are committed (or gets the error that stopped them), as if
it had written them itself.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.ext.asyncio import AsyncEngine


class GroupInsert:
    def __init__(self, engine: AsyncEngine, statement: Insert) -> None:
        self._engine = engine
        self._statement = statement
        self._rows: list[dict[str, Any]] = []
        self._waiting: list[asyncio.Future[None]] = []
        self._writer: asyncio.Task[None] | None = None

    async def insert(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        stored = asyncio.get_running_loop().create_future()
        self._rows.extend(rows)
        self._waiting.append(stored)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_while_any())
        await stored

    async def _write_while_any(self) -> None:
        try:
            while self._rows:
                rows, waiting = self._rows, self._waiting
                self._rows, self._waiting = [], []
                try:
                    async with self._engine.begin() as connection:
                        await connection.execute(self._statement, rows)
                except Exception as error:  # each caller gets it, as if it had written
                    _settle(waiting, error)
                except asyncio.CancelledError:  # shutting down: nobody waits forever
                    for stored in waiting + self._waiting:
                        stored.cancel()
                    raise
                else:
                    _settle(waiting, None)
        finally:
            self._writer = None


def _settle(waiting: list[asyncio.Future[None]], error: Exception | None) -> None:
    for stored in waiting:
        if stored.done():  # its request was cancelled meanwhile
            continue
        if error is None:
            stored.set_result(None)
        else:
            stored.set_exception(error)
