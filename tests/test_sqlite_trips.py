"""SQLite through one trip per statement (bot/sqlite_trips.py) behaves as the DB-API says:
rows, row counts and new ids come back, a rolled-back write is gone, a failed write gives
its error and frees the file for the next writer; connections are kept for the next
chat; marked reads run on the loop and marked writes commit as they run."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import column, event, func, insert, select, table, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_engine
from bot.sqlite_trips import FewTripsConnection, committed_at_once, on_the_loop


async def test_rows_counts_ids_rollback_and_a_failed_write(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'trips.db'}")
    try:
        async with engine.begin() as connection:
            raw = await connection.get_raw_connection()
            assert isinstance(raw.driver_connection, FewTripsConnection)
            await connection.execute(text("CREATE TABLE note (n INTEGER PRIMARY KEY, t TEXT)"))
            added = await connection.execute(text("INSERT INTO note (t) VALUES ('a')"))
            assert added.lastrowid == 1
            await connection.execute(
                text("INSERT INTO note (t) VALUES (:t)"), [{"t": "b"}, {"t": "c"}]
            )
            changed = await connection.execute(text("UPDATE note SET t = 'x' WHERE n > 1"))
            assert changed.rowcount == 2
        async with engine.connect() as connection:
            await connection.execute(text("INSERT INTO note (t) VALUES ('gone')"))
            await connection.rollback()
        with pytest.raises(IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO note (n, t) VALUES (1, 'dup')"))
        async with engine.begin() as connection:  # the failed writer let go of the file
            await connection.execute(text("INSERT INTO note (t) VALUES ('d')"))
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT n, t FROM note ORDER BY n"))).all()
        assert [tuple(row) for row in rows] == [(1, "a"), (2, "x"), (3, "x"), (4, "d")]
    finally:
        await engine.dispose()


async def test_twenty_chats_at_once_reuse_their_connections(tmp_path):
    # Opening a connection starts a thread and sets the pragmas: twenty residents
    # chatting at once must not pay that again on every message.
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'pool.db'}")
    opened: list[object] = []
    event.listen(engine.sync_engine, "connect", lambda connection, _record: opened.append(1))

    async def one_read() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            await asyncio.sleep(0.01)

    try:
        for _ in range(3):
            await asyncio.gather(*(one_read() for _ in range(20)))
        assert len(opened) == 20
    finally:
        await engine.dispose()


NOTE = table("note", column("n"), column("t"))


@pytest.fixture
async def notes(tmp_path) -> AsyncIterator[AsyncEngine]:
    """An engine on a new SQLite file with an empty `note` table."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'notes.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE note (n INTEGER PRIMARY KEY, t TEXT)"))
    yield engine
    await engine.dispose()


async def test_a_read_marked_on_the_loop_is_answered_there_and_sees_its_transaction(notes):
    async with notes.begin() as connection:
        raw = await connection.get_raw_connection()
        await raw.driver_connection.create_function("thread", 0, threading.get_ident)
        await connection.execute(insert(NOTE).values(t="a"))
        marked = on_the_loop(select(NOTE.c.t, func.thread()).where(NOTE.c.n == 1))
        assert (await connection.execute(marked)).one() == ("a", threading.get_ident())
        plain = select(func.thread())
        assert (await connection.execute(plain)).scalar() != threading.get_ident()


async def test_a_write_marked_committed_at_once_is_committed_as_it_runs(notes):
    async with notes.connect() as connection:
        await connection.execute(committed_at_once(insert(NOTE).values(t="kept")))
        await connection.rollback()
    async with notes.begin() as connection:  # the file is free for the next writer
        await connection.execute(committed_at_once(update(NOTE).values(t="changed")))
    async with notes.connect() as connection:
        assert (await connection.execute(select(NOTE.c.t))).scalars().all() == ["changed"]


async def test_many_rows_marked_committed_at_once_are_committed_as_they_run(notes):
    async with notes.connect() as connection:
        await connection.execute(committed_at_once(insert(NOTE)), [{"t": "a"}, {"t": "b"}])
        await connection.rollback()
    async with notes.connect() as connection:
        assert (await connection.execute(select(NOTE.c.t))).scalars().all() == ["a", "b"]
