"""The few statements asked on nearly every message, without SQLAlchemy's per-statement cost.

Measured on the web chat: one small read through an engine connection cost the event loop
about 130 µs and one small committed write about 290 µs (a pooled connection checked out
and in, a greenlet, the statement's cache key, a result object, a trip to the
connection's thread), where SQLite itself answers in 4 µs. With three to seven of them per
message, that was most of the loop's time per answer.

On a SQLite file, a `HotStatements` compiles each statement once and runs it on a sqlite3
connection of the event loop's own thread:
- a read at once: in WAL mode a reader never waits for a writer;
- a write (one statement, or the same statement for several rows) as its own transaction,
  at once when no other connection of this process is writing (the file's write lock of
  bot/sqlite_writes.py is free) and no other process is (SQLite answers "busy" at once
  instead of waiting). Otherwise it waits in line: the lock is waited for on a worker
  thread, then every write in line is committed on the loop before the lock is given back.
On PostgreSQL (and SQLite in memory) the statements go through the engine as before.
Commits on the loop append to the WAL without a sync (synchronous=NORMAL); the WAL's
checkpoint, which syncs the file, is done now and then on a worker thread, never on the
loop.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Delete, Insert, Select, Update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.sqlite_trips import FewTripsConnection
from bot.sqlite_writes import WAIT_S, lock_for

Statement = Select[Any] | Insert | Update | Delete
Params = Mapping[str, Any]
# A write and its parameters: a mapping runs it once, a list once per row.
Step = tuple[Insert | Update | Delete, Params | Sequence[Params]]
# Loop commits between two checkpoints of the WAL (each adds a few pages to it).
CHECKPOINT_EVERY = 500
_SQLITE_BUSY = 5
# Between two tries while another process holds the file's write lock.
BUSY_PAUSE_S = 0.005
# The longest a checkpoint holds writers off while it waits for the WAL's readers. Chat
# reads take microseconds; a long one (a report, a big export) would hold every write up
# this long at each checkpoint while it lasts: 0.1 s made the p99 answer 125 ms then.
RESTART_WAIT_S = 0.02


@dataclass(frozen=True)
class Written:
    rowcount: int
    # The id of the row a one-row INSERT added (None for other writes).
    new_id: int | None = None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the parameters, in the order of the SQL's question marks
    into_sqlite: tuple[Callable[[Any], Any] | None, ...]
    out_of_sqlite: tuple[Callable[[Any], Any] | None, ...]
    construct_params: Callable[..., dict[str, Any]]

    def values(self, params: Params) -> tuple[Any, ...]:
        given = self.construct_params(params)
        return tuple(
            given[name] if process is None else process(given[name])
            for name, process in zip(self.names, self.into_sqlite, strict=True)
        )

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            value if process is None else process(value)
            for value, process in zip(raw, self.out_of_sqlite, strict=True)
        )


_CompiledStep = tuple[_Compiled, Params | Sequence[Params]]


class HotStatements:
    """Runs prebuilt Core statements (see the module docstring). Get it with `hot(engine)`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        database = engine.url.database
        self._path = (
            database
            if engine.dialect.name == "sqlite"
            and database
            and database != ":memory:"
            and not engine.url.query
            else None
        )
        # The file's write lock, shared with the engine's connections (bot/sqlite_writes.py).
        self._file_lock = lock_for(self._path) if self._path is not None else None
        self._compiled: dict[tuple[int, tuple[str, ...]], tuple[Statement, _Compiled]] = {}
        # One connection per thread that runs an event loop (check_same_thread holds us to it).
        self._connections: dict[int, sqlite3.Connection] = {}
        self._commits = 0
        self._checkpoint: asyncio.Task[None] | None = None
        # Writes waiting for the file's write lock, in the order they came, and who does them.
        self._queue: deque[tuple[list[_CompiledStep], asyncio.Future[list[Written]]]] = deque()
        self._writer: asyncio.Task[None] | None = None

    @property
    def on_file(self) -> bool:
        """Run straight on SQLite (a file), not through the engine."""
        return self._path is not None

    async def rows(self, statement: Select[Any], params: Params) -> list[tuple[Any, ...]]:
        connection = self._connection()
        if connection is None:
            async with self._engine.connect() as engine_connection:
                return [tuple(row) for row in await engine_connection.execute(statement, params)]
        compiled = self._compile(statement, params)
        try:
            raw = connection.execute(compiled.sql, compiled.values(params)).fetchall()
        except sqlite3.Error as error:
            raise _wrapped(compiled.sql, error) from error
        return [compiled.row(row) for row in raw]

    async def write(
        self, statement: Insert | Update | Delete, params: Params | Sequence[Params]
    ) -> Written:
        """`statement` run once (a mapping) or once per row (a list), committed."""
        [written] = await self.write_together((statement, params))
        return written

    async def write_together(self, *steps: Step) -> list[Written]:
        """Each `(statement, params)` run in turn, in one transaction, committed."""
        steps = tuple((s, p) for s, p in steps if isinstance(p, Mapping) or p)
        if not steps:
            return []
        connection = self._connection()
        if connection is None:
            return await self._write_through_engine(steps)
        compiled = [(self._compile(s, _first(p)), p) for s, p in steps]
        written = self._write_now(connection, compiled)
        if written is not None:
            return written
        waiting = asyncio.get_running_loop().create_future()
        self._queue.append((compiled, waiting))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_queued())
        return await waiting

    def _write_now(
        self, connection: sqlite3.Connection, steps: list[_CompiledStep]
    ) -> list[Written] | None:
        """Done and committed on the loop's thread, or None when it cannot be done at once
        (writes waiting their turn, or someone else writing)."""
        lock = self._file_lock
        if self._queue or lock is None:
            return None
        if not lock.acquire(blocking=False):
            return None
        try:
            return self._commit(connection, steps)
        finally:
            lock.release()

    async def _write_through_engine(self, steps: tuple[Step, ...]) -> list[Written]:
        written = []
        async with self._engine.begin() as engine_connection:
            for statement, params in steps:
                result = await engine_connection.execute(statement, params)
                one_insert = isinstance(statement, Insert) and isinstance(params, Mapping)
                new_id = result.inserted_primary_key[0] if one_insert else None  # type: ignore[attr-defined]
                written.append(Written(result.rowcount, new_id))  # type: ignore[attr-defined]
        return written

    async def _write_queued(self) -> None:
        """While writes wait: take the file's write lock (waiting for it on a worker thread,
        not on the loop), then commit every waiting write on the loop, each its own
        transaction, and give the lock back."""
        try:
            while self._queue:
                async with self._write_lock():
                    connection = self._connection()
                    assert connection is not None
                    while self._queue:
                        steps, waiting = self._queue.popleft()
                        if waiting.done():  # its request was cancelled meanwhile
                            continue
                        try:
                            written = await self._commit_when_free(connection, steps)
                        except Exception as error:  # the caller gets it, as if it had written
                            waiting.set_exception(error)
                        else:
                            waiting.set_result(written)
        except asyncio.CancelledError:  # shutting down: nobody waits forever
            for _steps, waiting in self._queue:
                waiting.cancel()
            self._queue.clear()
            raise
        finally:
            self._writer = None

    @asynccontextmanager
    async def _write_lock(self) -> AsyncIterator[None]:
        lock = self._file_lock
        assert lock is not None  # writes queue only on a file
        if not lock.acquire(blocking=False):
            taking = asyncio.ensure_future(asyncio.to_thread(lock.acquire, True, WAIT_S))
            try:
                taken = await asyncio.shield(taking)
            except asyncio.CancelledError:
                taking.add_done_callback(_release_if_taken(lock))
                raise
            if not taken:  # as bot/sqlite_writes.py: past this, SQLite's own locking decides
                yield
                return
        try:
            yield
        finally:
            lock.release()

    async def _commit_when_free(
        self, connection: sqlite3.Connection, steps: list[_CompiledStep]
    ) -> list[Written]:
        # Another process is writing: SQLite's busy wait, done here without blocking the loop.
        deadline = time.monotonic() + WAIT_S
        while (written := self._commit(connection, steps)) is None:
            if time.monotonic() > deadline:
                raise _wrapped("BEGIN IMMEDIATE", sqlite3.OperationalError("database is locked"))
            await asyncio.sleep(BUSY_PAUSE_S)
        return written

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()

    def _commit(
        self, connection: sqlite3.Connection, steps: list[_CompiledStep]
    ) -> list[Written] | None:
        """`steps` run and committed, or None when another process is writing."""
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode == _SQLITE_BUSY:
                return None
            raise _wrapped("BEGIN IMMEDIATE", error) from error
        written = []
        try:
            for compiled, params in steps:
                written.append(_run(connection, compiled, params))
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise _wrapped(compiled.sql, error) from error
        self._after_commit()
        return written

    def _connection(self) -> sqlite3.Connection | None:
        if self._path is None:
            return None
        thread = threading.get_ident()
        connection = self._connections.get(thread)
        if connection is None:
            # No wait for a busy file (timeout=0): the engine's way waits instead, off the loop.
            connection = sqlite3.connect(self._path, timeout=0, isolation_level=None)
            for pragma in _PRAGMAS:
                connection.execute(pragma)
            self._connections[thread] = connection
        return connection

    def _compile(self, statement: Statement, params: Params) -> _Compiled:
        key = (id(statement), tuple(params))
        cached = self._compiled.get(key)
        if cached is not None and cached[0] is statement:
            return cached[1]
        compiled = _compile(statement, list(params), self._engine.sync_engine)
        # The statement is kept with its form, so its id cannot be taken by another one.
        self._compiled[key] = (statement, compiled)
        return compiled

    def _after_commit(self) -> None:
        self._commits += 1
        if self._commits % CHECKPOINT_EVERY == 0 and self._checkpoint is None:
            self._checkpoint = asyncio.get_running_loop().create_task(self._checkpoint_wal())

    async def _checkpoint_wal(self) -> None:
        try:
            await asyncio.to_thread(_checkpoint, self._path or "")
        finally:
            self._checkpoint = None


# As bot/db.py tunes the engine's connections, except that this one never waits for a
# busy file and leaves the WAL's checkpoints to a worker thread.
_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA secure_delete=ON",
    "PRAGMA wal_autocheckpoint=0",
)


def _compile(statement: Statement, keys: list[str], engine: Engine) -> _Compiled:
    dialect = engine.dialect
    compiled = statement.compile(dialect=dialect, column_keys=keys)
    if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
        raise TypeError(f"give every column a value (no Python-side defaults): {compiled}")
    names = tuple(compiled.positiontup or ())
    into = tuple(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    out = (
        tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        )
        if isinstance(statement, Select)
        else ()
    )
    return _Compiled(compiled.string, names, into, out, compiled.construct_params)


def _run(
    connection: sqlite3.Connection, compiled: _Compiled, params: Params | Sequence[Params]
) -> Written:
    if not isinstance(params, Mapping):
        cursor = connection.executemany(compiled.sql, [compiled.values(row) for row in params])
        return Written(cursor.rowcount)
    cursor = connection.execute(compiled.sql, compiled.values(params))
    inserted = compiled.sql.startswith("INSERT") and cursor.rowcount == 1
    return Written(cursor.rowcount, cursor.lastrowid if inserted else None)


def _first(params: Params | Sequence[Params]) -> Params:
    return params if isinstance(params, Mapping) else params[0]


def _release_if_taken(lock: threading.Lock) -> Callable[[asyncio.Future[bool]], None]:
    def release(taking: asyncio.Future[bool]) -> None:
        if not taking.cancelled() and taking.exception() is None and taking.result():
            lock.release()

    return release


def _checkpoint(path: str) -> None:
    """The WAL copied into the file, and started over by the next write.

    A passive checkpoint alone never waits, so with writes coming all the time (this
    process's loop, another instance on the file) it never catches up, the WAL is never
    started over and grows by hundreds of megabytes a minute. So it copies the bulk
    without holding anyone up, then the rest with writers held off (this process's by
    the file's lock, others' by SQLite's) until readers are done with the WAL: briefly,
    and never longer than RESTART_WAIT_S (past it, the next checkpoint tries again)."""
    connection = sqlite3.connect(path, timeout=RESTART_WAIT_S)
    try:
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        lock = lock_for(path)
        if not lock.acquire(timeout=WAIT_S):
            return
        try:
            connection.execute("PRAGMA wal_checkpoint(RESTART)")
        finally:
            lock.release()
    finally:
        connection.close()


def _wrapped(sql: str, error: sqlite3.Error) -> DBAPIError:
    # The same exception types as through the engine, its parameters (names, phones) hidden.
    return DBAPIError.instance(sql, None, error, sqlite3.Error, hide_parameters=True)


_HOT: WeakKeyDictionary[Engine, HotStatements] = WeakKeyDictionary()


async def hot_beside(session: AsyncSession) -> HotStatements | None:
    """Hot statements that may read and write beside `session`: on a SQLite file, when
    the session holds nothing uncommitted (they would not see it, and a write would wait
    for the session's own write lock). None otherwise: use the session."""
    engine = session.bind
    assert isinstance(engine, AsyncEngine)
    statements = hot(engine)
    if not statements.on_file:
        return None
    if not session.in_transaction():  # it never asked the database for anything
        return statements
    if session.new or session.dirty or session.deleted:
        return None
    raw = await (await session.connection()).get_raw_connection()
    driver = raw.driver_connection
    return None if isinstance(driver, FewTripsConnection) and driver.has_work_to_end else statements


def hot(engine: AsyncEngine) -> HotStatements:
    """The engine's `HotStatements`, made on first use."""
    found = _HOT.get(engine.sync_engine)
    if found is None:
        found = _HOT[engine.sync_engine] = HotStatements(engine)
    return found
