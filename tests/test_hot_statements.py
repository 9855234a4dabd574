"""Hot statements on a SQLite file: the same answers as through the engine; a write that
meets another writer (a session of this process, another process) waits in line without
holding up the event loop and lands after it, in the order handed in; an error reaches
its caller only; the WAL is checkpointed off the loop and started over even when the
checkpoint meets a reader. A session they left untouched closes without waiting for the
loop's next turn."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, delete, insert, select
from sqlalchemy import update as update_
from sqlalchemy.exc import IntegrityError

from bot import hot_statements
from bot.db import create_engine
from bot.hot_statements import hot
from bot.models.types import UtcDateTime

NOTE = Table(
    "note",
    MetaData(),
    Column("n", Integer, primary_key=True),
    Column("t", String, nullable=False),
    Column("at", UtcDateTime(), nullable=True),
)
BY_N = select(NOTE.c.t, NOTE.c.at).where(NOTE.c.n == bindparam("n"))
ALL = select(NOTE.c.t).order_by(NOTE.c.n)
ADD = insert(NOTE)
RENAME = update_(NOTE).where(NOTE.c.n == bindparam("which"))
REMOVE = delete(NOTE).where(NOTE.c.t == bindparam("t"))


@pytest.fixture
async def engine(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'hot.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(NOTE.metadata.create_all)
    yield engine
    hot(engine).close()
    await engine.dispose()


async def stored(engine) -> list[str]:
    async with engine.connect() as connection:
        return list(await connection.scalars(ALL))


async def test_reads_and_writes_answer_as_the_engine_does(engine):
    statements = hot(engine)
    at = datetime(2026, 12, 6, 8, 30, 15, tzinfo=UTC)
    added = await statements.write(ADD, {"t": "một", "at": at})
    assert added.rowcount == 1 and added.new_id == 1
    assert (
        await statements.write(ADD, [{"t": "hai", "at": None}, {"t": "ba", "at": at}])
    ).rowcount == 2
    assert await statements.rows(BY_N, {"n": 1}) == [("một", at)]
    async with engine.connect() as connection:  # the engine reads what was written here
        assert (await connection.execute(BY_N, {"n": 1})).one() == ("một", at)
        assert (await connection.execute(BY_N, {"n": 3})).one() == ("ba", at)
    renamed = await statements.write(RENAME, {"which": 2, "t": "hai mươi"})
    assert renamed.rowcount == 1 and renamed.new_id is None
    assert (await statements.write(REMOVE, {"t": "không có"})).rowcount == 0
    assert await stored(engine) == ["một", "hai mươi", "ba"]


async def test_a_write_waits_for_a_session_of_this_process_without_holding_up_the_loop(engine):
    statements = hot(engine)
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(ticking())
    async with engine.begin() as connection:  # this process's other writer, mid-transaction
        await connection.execute(ADD, {"t": "session"})
        waiting = [asyncio.create_task(statements.write(ADD, {"t": f"hot {i}"})) for i in range(3)]
        await asyncio.sleep(0.2)
        assert not any(task.done() for task in waiting)
        assert ticks >= 5  # the loop went on meanwhile
    await asyncio.wait_for(asyncio.gather(*waiting), 5)
    ticker.cancel()
    assert await stored(engine) == ["session", "hot 0", "hot 1", "hot 2"]


async def test_a_write_waits_for_another_process_and_lands_after_it(engine, tmp_path):
    other = sqlite3.connect(tmp_path / "hot.db", isolation_level=None)  # not this process's lock
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO note (t) VALUES ('other process')")
    writing = asyncio.create_task(hot(engine).write(ADD, {"t": "hot"}))
    await asyncio.sleep(0.1)
    assert not writing.done()
    other.execute("COMMIT")
    other.close()
    await asyncio.wait_for(writing, 5)
    assert await stored(engine) == ["other process", "hot"]


async def test_an_error_reaches_its_caller_only_and_the_next_write_works(engine):
    statements = hot(engine)
    await statements.write(ADD, {"n": 1, "t": "first"})
    with pytest.raises(IntegrityError):
        await statements.write(ADD, {"n": 1, "t": "duplicate"})
    async with engine.begin() as connection:  # the next ones wait in line, then one fails
        await connection.execute(ADD, {"n": 2, "t": "session"})
        waiting = asyncio.gather(
            statements.write(ADD, {"n": 3, "t": "in line"}),
            statements.write(ADD, {"n": 3, "t": "in line, duplicate"}),
            statements.write(ADD, {"n": 4, "t": "after it"}),
            return_exceptions=True,
        )
        await asyncio.sleep(0.05)
    results = await waiting
    assert [type(result) for result in results][1] is IntegrityError
    assert not any(isinstance(result, Exception) for result in (results[0], results[2]))
    assert await stored(engine) == ["first", "session", "in line", "after it"]


async def test_the_wal_is_checkpointed_into_the_database_file(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(hot_statements, "CHECKPOINT_EVERY", 5)
    statements = hot(engine)
    for i in range(5):
        await statements.write(ADD, {"t": f"row {i}"})
    for _ in range(100):  # the checkpoint runs on a worker thread
        await asyncio.sleep(0.02)
        shutil.copy(tmp_path / "hot.db", tmp_path / "file-only.db")  # without its WAL
        copy = sqlite3.connect(tmp_path / "file-only.db")
        count = copy.execute("SELECT count(*) FROM note").fetchone()[0]
        copy.close()
        if count == 5:
            break
    assert count == 5


async def test_in_memory_sqlite_goes_through_the_engine():
    engine = create_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(NOTE.metadata.create_all)
    statements = hot(engine)
    assert (await statements.write(ADD, {"t": "in memory"})).new_id == 1
    assert await statements.rows(ALL, {}) == [("in memory",)]
    await engine.dispose()


async def test_the_wal_starts_over_after_a_checkpoint_that_met_a_reader(
    engine, tmp_path, monkeypatch
):
    # Else, with residents chatting all the time (and a second instance on the same file),
    # the WAL only ever grows: hundreds of megabytes in a minute.
    monkeypatch.setattr(hot_statements, "CHECKPOINT_EVERY", 20)
    monkeypatch.setattr(hot_statements, "RESTART_WAIT_S", 1.0)  # outlasts the reader
    statements = hot(engine)
    wal = tmp_path / "hot.db-wal"
    sizes = []
    for _round in range(3):
        reader = sqlite3.connect(tmp_path / "hot.db", isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM note").fetchone()  # a snapshot held meanwhile
        asyncio.get_running_loop().call_later(0.05, reader.close)
        for i in range(20):
            await statements.write(ADD, {"t": f"row {i}"})
        while statements._checkpoint is not None:
            await asyncio.sleep(0.005)
        sizes.append(wal.stat().st_size)
    assert sizes[2] == sizes[0]


async def test_leaving_an_untouched_session_does_not_wait_for_the_loop(database):
    others: list[str] = []
    asyncio.get_running_loop().call_soon(others.append, "ran")
    async with database.sessions():
        pass
    assert others == []  # closed without giving the loop a turn
    async with database.sessions() as session:
        await session.execute(select(1))
    assert database.engine.pool.checkedout() == 0  # one that read gave its connection back
