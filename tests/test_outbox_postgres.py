"""Scale-out on real PostgreSQL: migrations, a dialogue, and two bot instances sharing one outbox."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from sqlalchemy import func, insert, select, update

from bot.app import build_dispatcher
from bot.config import load_settings
from bot.core import Reply
from bot.db import Database
from bot.models.core import KeyValue, Subscriber
from bot.models.outbox import OutboxMessage
from bot.models.types import utcnow
from bot.outbox.audience import Audience
from bot.outbox.broadcasts import BroadcastRequest, create_broadcast
from bot.outbox.pacing import Limits
from bot.outbox.worker import OutboxRunner, Tuning
from bot.routing import Services
from bot.state import SqlStateStorage
from tests.helpers import ChatDriver

RECIPIENTS = 3000
MORNING = datetime(2026, 11, 24, 10, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


class RecordingChannel:
    """A channel that delivers by writing down who got what (every instance shares `log`)."""

    name = "telegram"
    max_text_length = 4096
    max_caption_length = 900

    def __init__(self, log: Counter[str]) -> None:
        self.log = log

    async def start(self, dispatch) -> None: ...

    async def stop(self) -> None: ...

    def web_routes(self) -> list[web.RouteDef]:
        return []

    async def send(self, chat_id: str, reply: Reply):
        from bot.channels.base import Sent

        await asyncio.sleep(0.001)  # a network round trip, so both instances interleave
        self.log[chat_id] += 1
        return Sent(f"m{self.log.total()}")


@pytest.fixture
async def database(postgres_url: str) -> AsyncIterator[Database]:
    database = Database(postgres_url)
    await database.migrate()
    yield database
    await database.close()


async def test_migrations_and_a_dialogue_run_on_postgres(database, postgres_url):
    settings = load_settings(database_url=postgres_url, _env_file=None)
    services = Services(settings, database.sessions, SqlStateStorage(database.sessions))
    chat = ChatDriver(build_dispatcher(services))
    await chat.send("/start")
    await chat.send("/chude")
    await chat.press(chat.button_data("Xong"))
    await chat.send("tổ 3")
    await chat.press("lang:vi")
    assert "Tổ dân phố: Tổ 3" in chat.text
    async with database.sessions() as session:
        subscriber = (await session.scalars(select(Subscriber))).one()
    assert (subscriber.area, subscriber.language) == ("Tổ 3", "vi")
    await database.migrate()  # a second instance starting: nothing to do, nothing broken


async def test_two_instances_drain_one_broadcast_without_sending_twice(database, postgres_url):
    table = Subscriber.__table__  # type: ignore[attr-defined]
    async with database.engine.begin() as connection:
        await connection.execute(
            insert(table),
            [{"channel": "telegram", "chat_id": str(10_000 + i), "kind": "private",
              "language": "vi", "active": True, "created_at": utcnow(), "updated_at": utcnow()}
             for i in range(RECIPIENTS)],
        )  # fmt: skip

    settings = load_settings(database_url=postgres_url, _env_file=None)
    delivered: Counter[str] = Counter()
    tuning = Tuning(idle_poll=0.05, flush_interval=0.05, presence_interval=0.2)
    limits = {"telegram": Limits(per_second=2000, private_interval=0, group_interval=0)}
    instances = [Database(postgres_url) for _ in range(2)]
    runners = [
        OutboxRunner(db, {"telegram": RecordingChannel(delivered)}, settings, tuning=tuning,
                     limits=limits, clock=lambda: MORNING)
        for db in instances
    ]  # fmt: skip
    # Both running before the broadcast comes, so each has a share to do.
    await asyncio.gather(*(runner.start() for runner in runners))
    try:
        # Each started knowing of the other (read now: once one stops, the other may count
        # it out).
        assert all(runner.senders == 2 for runner in runners)
        async with database.sessions() as session:
            await create_broadcast(session, BroadcastRequest(text="Tin thử", audience=Audience()))
            await session.commit()
        for _ in range(600):
            async with database.sessions() as session:
                left = await session.scalar(
                    select(func.count()).where(OutboxMessage.status.in_(("pending", "sending")))
                )
            if left == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        for runner in runners:
            await runner.stop()
        for instance in instances:
            await instance.close()

    assert len(delivered) == RECIPIENTS  # nobody lost
    assert max(delivered.values()) == 1  # nobody twice
    assert all(runner.stats.sent > RECIPIENTS / 10 for runner in runners)  # both did work
    async with database.sessions() as session:
        statuses = set(await session.scalars(select(OutboxMessage.status)))
    assert statuses == {"sent"}


async def test_counting_senders_never_waits_for_one_announcing_itself(database):
    """Two senders each finding the other's presence stale used to delete it while
    holding their own row: each waited for the other, and PostgreSQL broke the deadlock
    by failing one. A presence row locked now is skipped, not waited for."""
    from bot.outbox.store import OutboxStore

    stale = 0.15
    gone, counter = OutboxStore(database), OutboxStore(database)
    await gone.announce("gone", stale, 2)
    for _ in range(3):  # the other misses the counter's announcements
        await counter.announce("counter", stale, 2)
        await asyncio.sleep(stale / 3 + 0.02)
    async with database.engine.connect() as announcing:
        transaction = await announcing.begin()
        # The other sender is mid-announcement: its row locked, not yet committed.
        await announcing.execute(
            update(KeyValue).where(KeyValue.key == "outbox.sender.gone").values(value="2")
        )
        presence = await asyncio.wait_for(counter.announce("counter", stale, 2), timeout=5)
        await transaction.rollback()
    assert presence.live == 1  # counted out all the same
