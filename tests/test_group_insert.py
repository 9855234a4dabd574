"""Rows from many requests stored together: all kept, in the order handed in, with fewer
commits than callers; an error reaches every caller whose rows it stopped."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, insert, select
from sqlalchemy.exc import IntegrityError

from bot.db import create_engine
from bot.group_insert import GroupInsert

NOTE = Table(
    "note", MetaData(), Column("n", Integer, primary_key=True), Column("t", String, nullable=False)
)


@pytest.fixture
async def engine(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'group.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(NOTE.metadata.create_all)
    yield engine
    await engine.dispose()


async def test_many_callers_share_commits_and_keep_their_order(engine):
    commits: list[object] = []
    event.listen(engine.sync_engine, "commit", commits.append)
    group = GroupInsert(engine, insert(NOTE))
    await asyncio.gather(*(group.insert([{"t": f"{i}a"}, {"t": f"{i}b"}]) for i in range(10)))
    async with engine.connect() as connection:
        stored = list(await connection.scalars(select(NOTE.c.t).order_by(NOTE.c.n)))
    assert stored == [f"{i}{part}" for i in range(10) for part in "ab"]
    assert 1 <= len(commits) < 10


async def test_an_error_reaches_each_caller_it_stopped_and_the_next_insert_works(engine):
    group = GroupInsert(engine, insert(NOTE))
    await group.insert([{"n": 1, "t": "first"}])
    results = await asyncio.gather(  # handed in together, so stored (or not) together
        group.insert([{"n": 2, "t": "x"}]),
        group.insert([{"n": 2, "t": "duplicate"}]),
        return_exceptions=True,
    )
    assert all(isinstance(result, IntegrityError) for result in results)
    await group.insert([{"n": 3, "t": "later"}])
    async with engine.connect() as connection:
        assert list(await connection.scalars(select(NOTE.c.t).order_by(NOTE.c.n))) == [
            "first",
            "later",
        ]
