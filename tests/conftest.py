"""Shared fixtures: a real migrated SQLite file per test, the real dispatcher, a chat driver."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import settings as hypothesis_settings

from bot import staff
from bot.app import build_dispatcher
from bot.channels.base import Channel, Dispatch
from bot.config import Settings, load_settings
from bot.db import Database
from bot.fakes.telegram_server import FakeTelegramServer
from bot.outbox.pacing import Limits, limits_for
from bot.outbox.worker import OutboxRunner, Tuning
from bot.routing import Dispatcher, Services
from bot.staff import add_staff, web_chat_id
from bot.state import SqlStateStorage
from tests.helpers import ChatDriver, CliRun, cli_runner

# Hypothesis's per-example deadline (200 ms) measures the machine, not the code: on a busy
# 2-core CI runner it failed correct examples. Slow code is the benchmarks' to find.
hypothesis_settings.register_profile("loaphuong", deadline=None)
hypothesis_settings.load_profile("loaphuong")

# The PostgreSQL cluster fixtures (postgres_server, postgres_url) for the scale-out tests.
pytest_plugins = ["tests.postgres"]


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at its production cost takes most of a second on a busy CI core; tests check
    logins, not the hash's strength, so they hash with the smallest settings argon2 allows."""
    monkeypatch.setattr(staff, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeTelegramServer]:
    """The fake Bot API in-process, with limits high enough never to slow a test down
    (the real limits are the benchmark's); a hung request lasts half a second."""
    server = FakeTelegramServer(
        rate=1000, free_rate=1000, private_per_second=1000, group_per_minute=60_000
    )
    server.hang_seconds = 0.5
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'loaphuong.db'}"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return load_settings(
        database_url=db_url,
        staff_ids="telegram:9001",
        web_port=18080,
        _env_file=None,
    )


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file brought to head by the real migrations, once per test run: each test
    starts from a copy (alembic from nothing costs ~0.1 s a test; tests/test_run_e2e.py and
    the PostgreSQL tests still migrate from nothing)."""
    path = tmp_path_factory.mktemp("migrated") / "loaphuong.db"

    async def build() -> None:
        template = Database(f"sqlite+aiosqlite:///{path}")
        await template.migrate()
        await template.close()

    asyncio.run(build())
    return path


@pytest.fixture
async def database(
    settings: Settings, db_url: str, tmp_path: Path, migrated_sqlite: Path
) -> AsyncIterator[Database]:
    if settings.database_url == db_url:
        shutil.copyfile(migrated_sqlite, tmp_path / "loaphuong.db")
    database = Database(settings.database_url)
    await database.migrate()  # at head already: a check that the copy is current
    yield database
    await database.close()


@pytest.fixture
def services(settings: Settings, database: Database) -> Services:
    return Services(settings, database.sessions, SqlStateStorage(database.sessions))


@pytest.fixture
async def answering(
    database: Database, settings: Settings
) -> AsyncIterator[Callable[[Channel, Dispatch], Awaitable[Dispatch]]]:
    """`await answering(channel, dispatch)`: the dispatch the app gives a platform channel,
    answering through a running outbox's pacer (stopped after the test)."""
    runners: list[OutboxRunner] = []

    async def wrap(channel: Channel, dispatch: Dispatch) -> Dispatch:
        tuning = Tuning(idle_poll=0.05, flush_interval=0.02, presence_interval=0.5)
        # The platform's rate, but no spacing per chat: a dialogue test taps through its
        # steps faster than once a second (the fakes here allow it; pacing has its own tests).
        rate = limits_for(channel.name, settings).per_second
        limits = {channel.name: Limits(rate, private_interval=0.0, group_interval=0.0)}
        runner = OutboxRunner(
            database, {channel.name: channel}, settings, tuning=tuning, limits=limits
        )
        await runner.start()
        runners.append(runner)
        return runner.answering(channel.name, dispatch)

    yield wrap
    for runner in runners:
        await runner.stop()


@pytest.fixture
def dispatcher(services: Services) -> Dispatcher:
    return build_dispatcher(services)


@pytest.fixture
def chat(dispatcher: Dispatcher) -> ChatDriver:
    return ChatDriver(dispatcher)


@pytest.fixture
async def staff_chat(dispatcher: Dispatcher, database: Database) -> ChatDriver:
    """Staff account "lan" on the web chat while signed in to the dashboard (the web
    channel gives such a browser this identity; no other web user is staff)."""
    async with database.sessions() as session:
        member = await add_staff(session, "lan", "staff", password="mat-khau-rat-dai")
    return ChatDriver(dispatcher, user_id=web_chat_id(member))


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_url: str) -> CliRun:
    """`cli("screening", "session", "list")` → (exit code, stdout, stderr) on this test's database."""
    return cli_runner(monkeypatch, capsys, db_url)
