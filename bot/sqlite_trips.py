"""aiosqlite with one trip to the connection's thread per statement.

aiosqlite runs each call on the connection's own thread and wakes the event loop with the
answer: a cursor made, the statement run, its rows fetched and the cursor closed are four
trips (as SQLAlchemy's adapter calls them), each a thread hand-over both ways. Profiling the
web chat found the event loop spending about a third of its time on these trips. Here the
cursor is made, run, read and closed in one trip, and a commit or rollback with nothing to
end (a session that only read) makes none.

A read marked with `on_the_loop` (a small indexed one asked on nearly every message) makes
no trip at all: it runs on the event loop's thread, where SQLite answers it in a few
microseconds, less than a trip's hand-over costs. In WAL mode a read does not wait for
writers, so it does not hold up the loop. A write marked with `committed_at_once` (one
that is a whole transaction by itself) is committed in the same trip that runs it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy import Delete, Insert, Select, Update

from bot.sqlite_writes import OneWriterConnection

# Written right after SELECT on SQLite only (a comment, so SQLite ignores it).
_ON_THE_LOOP = "/* on the loop */"

_AND_COMMIT = "/* and commit */"

SelectT = TypeVar("SelectT", bound=Select[Any])
WriteT = TypeVar("WriteT", bound=Insert | Update | Delete)


def on_the_loop(statement: SelectT) -> SelectT:
    """`statement` (a small read by an index, asked on nearly every message) answered on
    the event loop's thread on SQLite, without a trip to the connection's thread."""
    return statement.prefix_with(_ON_THE_LOOP, dialect="sqlite")


def committed_at_once(statement: WriteT) -> WriteT:
    """`statement`, a write with no RETURNING that is its transaction's only statement,
    committed on SQLite in the trip that runs it (the caller's commit then has nothing
    left to do)."""
    return statement.prefix_with(_AND_COMMIT, dialect="sqlite")


class FewTripsConnection(aiosqlite.Connection):
    """What SQLAlchemy's aiosqlite adapter drives (pass `connect` as `async_creator`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Calls handed to the connection's thread, and those it has finished (each counted
        # by one thread only): a call whose caller stopped waiting (a cancelled request)
        # may still be running there.
        self._handed = 0
        self._finished = 0

    @property
    def thread_idle(self) -> bool:
        return self._handed == self._finished

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        def counted() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                self._finished += 1

        self._handed += 1
        return await super()._execute(counted)

    def cursor(self) -> _OneTripCursor:  # type: ignore[override]
        return _OneTripCursor(self)

    async def commit(self) -> None:
        if self.has_work_to_end:
            await super().commit()

    async def rollback(self) -> None:
        if self.has_work_to_end:
            await super().rollback()

    @property
    def has_work_to_end(self) -> bool:
        """A transaction open, or the file's write lock held, until a commit or rollback."""
        # Read from the event loop's thread while the connection's thread is idle: this
        # connection runs one call at a time, and the caller awaits each.
        connection = self._connection
        if connection is None:
            return False
        writing = isinstance(connection, OneWriterConnection) and connection.writing
        return connection.in_transaction or writing


def _committed_at_once(sql: str) -> bool:
    # The mark follows the first word: INSERT, UPDATE or DELETE.
    return sql.startswith(_AND_COMMIT, 7)


class _OneTripCursor:
    """A DB-API cursor whose work happens at `execute`, in one trip, rows included."""

    arraysize = 1

    def __init__(self, connection: FewTripsConnection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Any] = []

    async def __aenter__(self) -> _OneTripCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        return None

    async def execute(self, sql: str, parameters: Any = ()) -> _OneTripCursor:
        if _committed_at_once(sql):
            return await self._run(lambda cursor: self._and_commit(cursor.execute, sql, parameters))
        on_loop = sql.startswith(_ON_THE_LOOP, 7)  # after SELECT
        return await self._run(lambda cursor: cursor.execute(sql, parameters), on_loop)

    async def executemany(self, sql: str, parameters: Sequence[Any]) -> _OneTripCursor:
        if _committed_at_once(sql):
            return await self._run(
                lambda cursor: self._and_commit(cursor.executemany, sql, parameters)
            )
        return await self._run(lambda cursor: cursor.executemany(sql, parameters))

    def _and_commit(self, run: Callable[[str, Any], object], sql: str, parameters: Any) -> None:
        run(sql, parameters)
        self._connection._conn.commit()

    async def _run(
        self, statement: Callable[[sqlite3.Cursor], object], on_loop: bool = False
    ) -> _OneTripCursor:
        def in_thread() -> tuple[Any, int, int | None, list[Any]]:
            cursor = self._connection._conn.cursor()
            try:
                statement(cursor)
                rows = cursor.fetchall() if cursor.description else []
                return cursor.description, cursor.rowcount, cursor.lastrowid, rows
            finally:
                cursor.close()

        (
            self.description,
            self.rowcount,
            self.lastrowid,
            self._rows,
        ) = (
            in_thread()
            if on_loop and self._may_run_here()
            else await self._connection._execute(in_thread)
        )
        return self

    def _may_run_here(self) -> bool:
        # Only while the connection's thread has nothing under way: then no two threads
        # use the sqlite3 connection at once.
        connection = self._connection
        return connection._running and connection._connection is not None and connection.thread_idle

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = size or self.arraysize
        taken, self._rows = self._rows[:count], self._rows[count:]
        return taken

    async def close(self) -> None:
        self._rows = []


def connector(database: str, **connect_args: Any) -> Callable[[], Any]:
    """An `async_creator` for create_async_engine: a FewTripsConnection to `database`,
    its sqlite3 connection one writer at a time (bot/sqlite_writes.py)."""

    async def connect() -> FewTripsConnection:
        connection = FewTripsConnection(
            partial(
                sqlite3.connect,
                database,
                check_same_thread=False,
                factory=OneWriterConnection,
                **connect_args,
            ),
            iter_chunk_size=64,
        )
        # As SQLAlchemy does for aiosqlite: the thread does not keep the process alive.
        connection._thread.daemon = True
        return await connection

    return connect
