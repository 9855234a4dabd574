"""The way in (bot/inbound.py): one chat at a time, each update once, double taps and
several instances at once on SQLite and on a real PostgreSQL, migrations started together."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import build_dispatcher
from bot.config import Settings, load_settings
from bot.core import Incoming, Reply
from bot.db import Database
from bot.inbound import REMEMBER_UPDATES_FOR, Inbound, forget_old_updates
from bot.models.core import HandledUpdate, Subscriber
from bot.models.types import utcnow
from bot.routing import Services
from bot.state import SqlStateStorage
from bot.subscribers import topics_of
from tests.postgres import new_database

TROUBLE = "trục trặc"


class Recorder:
    """A dispatcher stand-in that notes what it handled and when it ran."""

    def __init__(self, pause: float = 0.0) -> None:
        self.handled: list[str | None] = []
        self.running: set[str] = set()
        self.overlapped: set[str] = set()
        self.pause = pause

    async def __call__(self, incoming: Incoming) -> list[Reply]:
        if incoming.chat_id in self.running:
            self.overlapped.add(incoming.chat_id)
        self.running.add(incoming.chat_id)
        await asyncio.sleep(self.pause)
        self.running.discard(incoming.chat_id)
        self.handled.append(incoming.text)
        return [Reply("ok")]


def said(chat_id: str, text: str, key: str | None = None) -> Incoming:
    return Incoming(channel="telegram", chat_id=chat_id, user_id=chat_id, text=text, update_key=key)


async def test_one_chat_at_a_time_in_arrival_order_and_no_lock_left_behind(database: Database):
    recorder = Recorder(pause=0.01)
    inbound = Inbound(recorder, database.sessions)
    texts = [f"tin {n}" for n in range(8)]
    await asyncio.gather(*(inbound.dispatch(said("1", text)) for text in texts))
    assert recorder.handled == texts and not recorder.overlapped
    # Other chats are not held up by this one: they run side by side.
    await asyncio.gather(*(inbound.dispatch(said(str(n), "chào")) for n in range(5)))
    assert len(inbound.chats) == 0


async def test_each_update_once_through_retries_replays_and_restarts(database: Database):
    recorder = Recorder()
    update = said("7", "tiêm vắc xin ở đâu", key="815000001")
    first = Inbound(recorder, database.sessions)
    await asyncio.gather(*(first.dispatch(update) for _ in range(3)))
    restarted = Inbound(recorder, database.sessions)
    assert await restarted.dispatch(update) == []
    await restarted.dispatch(said("7", "tin mới", key="815000002"))
    await restarted.dispatch(said("7", "web chat: no key"))
    await restarted.dispatch(said("7", "web chat: no key"))
    assert recorder.handled == [
        "tiêm vắc xin ở đâu",
        "tin mới",
        "web chat: no key",
        "web chat: no key",
    ]
    # Old keys are forgotten by the periodic job; recent ones kept.
    async with database.sessions() as session, session.begin():
        later = utcnow() + REMEMBER_UPDATES_FOR + timedelta(minutes=1)
        assert await forget_old_updates(session, utcnow()) == 0
        assert await forget_old_updates(session, later) == 2
        assert await session.scalar(select(func.count()).select_from(HandledUpdate)) == 0


@pytest.fixture(params=["sqlite", "postgresql"])
async def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    return await new_database(request.getfixturevalue("postgres_server"))


@pytest.fixture
async def two_instances(shared_url: str) -> AsyncIterator[tuple[list[Inbound], Database]]:
    """Two bots on one database, as behind a balancer; each with its own engine."""
    settings: Settings = load_settings(database_url=shared_url, _env_file=None)
    databases = [Database(shared_url) for _ in range(2)]
    await databases[0].migrate()
    inbounds = []
    for database in databases:
        services = Services(settings, database.sessions, SqlStateStorage(database.sessions))
        inbounds.append(Inbound(build_dispatcher(services).dispatch, database.sessions))
    yield inbounds, databases[0]
    for database in databases:
        await database.close()


async def test_a_double_tap_never_answers_with_an_error_and_every_toggle_counts(
    two_instances: tuple[list[Inbound], Database],
):
    inbounds, database = two_instances

    async def tap(times: int, **what: str) -> list[str]:
        """The same thing sent `times` times at once, over both instances, on web chat
        (no update key: each press is a press)."""
        incoming = Incoming(channel="web", chat_id="r1", user_id="r1", **what)
        answers = await asyncio.gather(*(inbounds[n % 2].dispatch(incoming) for n in range(times)))
        return [reply.text for replies in answers for reply in replies]

    texts = await tap(6, text="/start")
    texts += await tap(3, text="/chude")
    texts += await tap(5, button="topic:tre_em")
    texts += await tap(6, button="sub:done")
    texts += await tap(4, text="tổ 3")
    assert texts and not [text for text in texts if TROUBLE in text]
    async with database.sessions() as session:
        subscriber = await session.scalar(select(Subscriber).where(Subscriber.chat_id == "r1"))
        assert subscriber is not None
        # Five presses of one topic: on, off, on, off, on.
        assert "tre_em" in await topics_of(session, subscriber.id)


async def test_five_instances_started_together_on_an_empty_database_all_come_up(
    shared_url: str,
):
    databases = [Database(shared_url) for _ in range(5)]
    try:
        await asyncio.gather(*(database.migrate() for database in databases))
        async with databases[-1].sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Subscriber)) == 0
    finally:
        for database in databases:
            await database.close()
