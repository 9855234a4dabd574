"""Database engine, sessions and migrations (SQLite by default, PostgreSQL to scale out)."""

from __future__ import annotations

import asyncio
import fcntl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Insert, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.hot_statements import hot
from bot.models.core import KeyValue
from bot.sqlite_trips import connector
from bot.sqlite_writes import OneWriterConnection

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# What opening a database raises when it cannot be reached: the driver's error wrapped
# (DBAPIError), or the socket's or the file's own (OSError).
UNREACHABLE = (OSError, DBAPIError)
# pg_advisory_xact_lock key for migrations: any fixed number the app uses for nothing else.
MIGRATION_LOCK = 0x4C6F61_5068
# SQLite connections kept open: each one past the pool is opened (a thread started, the
# file opened, the pragmas set) and closed again per use, which profiling found costing
# the event loop a sixth of its time with twenty residents chatting. Each resident being
# answered holds one at a time: with 64 kept, 200 residents at once opened 1,700 in 6,000
# answers (1.7 instead of 1.3 ms of CPU each). An idle one costs a parked thread, two file
# descriptors and its page cache (200 added 20 MB); 256 in all stay within the usual limit
# of 1,024 open files, beside the residents' sockets.
SQLITE_POOL_SIZE = 200
SQLITE_POOL_OVERFLOW = 56


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def unreachable_reason(error: BaseException) -> BaseException:
    """What the driver said behind `error` (one of UNREACHABLE), for a message."""
    return getattr(error, "orig", None) or error


def create_engine(url: str) -> AsyncEngine:
    # SQL errors quote their statement; its parameters (names, phones) stay out of it.
    if is_sqlite(url):
        # No reset when a connection goes back to the pool: the session has already
        # committed or rolled back, and each reset is one more trip to SQLite's thread.
        database = make_url(url).database
        on_file = bool(database) and database != ":memory:" and not make_url(url).query
        engine = create_async_engine(
            url,
            connect_args={"timeout": 30, "factory": OneWriterConnection},
            hide_parameters=True,
            pool_reset_on_return=None,
            **(
                {
                    "async_creator": connector(str(database), timeout=30),
                    "pool_size": SQLITE_POOL_SIZE,
                    "max_overflow": SQLITE_POOL_OVERFLOW,
                }
                if on_file
                else {}
            ),
        )
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
        return engine
    return create_async_engine(
        url, pool_size=10, max_overflow=10, pool_pre_ping=True, hide_parameters=True
    )


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web handlers read while the outbox workers write.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Deleted rows are overwritten with zeros, not left in free pages (/xoadulieu).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def insert_or_skip(session: AsyncSession, table: Any) -> Insert:
    """An INSERT the database can turn into an update or nothing on a unique-key conflict
    (`.on_conflict_do_nothing()`, `.on_conflict_do_update(…)`), atomic on SQLite and
    PostgreSQL alike: no read-then-insert race between two requests or two instances."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def engine_of(sessions: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    """The engine `sessions` open their connections on, for Core statements on hot paths."""
    engine = sessions.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    return engine


class Session(AsyncSession):
    """Leaving `async with` without having asked the database anything, closes at once.

    SQLAlchemy closes every session in a task of its own, so that a cancellation cannot cut
    short a connection's return to the pool; that task waits for the loop's next turn
    (about 12 ms per session in bench inbound, where hot statements leave most sessions
    untouched). A session that never began holds no connection to return."""

    async def __aexit__(self, type_: Any, value: Any, traceback: Any) -> None:
        if self.in_transaction():
            await super().__aexit__(type_, value, traceback)
        else:
            await self.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=Session, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision (alembic upgrade head), once however many
    instances start at the same moment: the first migrates, the others wait for it and
    then find the schema current."""

    def upgrade(connection: Connection) -> None:
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with _migration_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Held until this transaction (and the migration in it) commits.
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
            )
        await connection.run_sync(upgrade)


@asynccontextmanager
async def _migration_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    """On a SQLite file, an exclusive lock on a file beside it; elsewhere nothing (PostgreSQL
    takes an advisory lock in the migrating transaction itself)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a") as lock_file:
        await asyncio.to_thread(fcntl.flock, lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


async def install_secret(session: AsyncSession, key: str, make: Callable[[], str]) -> str:
    """The secret kept under `key` in the key_value table, made by `make` on first use
    and never changed after: one per install, shared by every instance."""
    row = await session.get(KeyValue, key)
    if row is None:
        session.add(KeyValue(key=key, value=make()))
        try:
            await session.commit()
        except IntegrityError:  # another instance made it at the same moment: use theirs
            await session.rollback()
        row = await session.get(KeyValue, key)
        assert row is not None
    return row.value


class Database:
    """The engine and the session factory, created once per process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self.sessions = session_factory(self.engine)

    async def migrate(self) -> None:
        await migrate(self.engine)

    async def close(self) -> None:
        hot(self.engine).close()
        await self.engine.dispose()
