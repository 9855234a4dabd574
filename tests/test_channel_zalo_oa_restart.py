"""Zalo OA replies after the bot restarts: the whole app, twice, on one database file,
against the local OA (bot/fakes/zalo_oa_server.py). A reply must still name the
resident's message, or Zalo counts it as a paid proactive message."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from bot.app import LoaPhuong
from bot.channels.zalo_oa import WEBHOOK_PATH
from bot.config import load_settings
from bot.fakes.processes import free_port
from bot.fakes.zalo_oa_server import APP_ID, APP_SECRET, OA_SECRET_KEY, FakeZaloOAServer
from bot.models.outbox import OutboxMessage
from tests.helpers import eventually


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, migrated_sqlite) -> str:
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    shutil.copyfile(migrated_sqlite, tmp_path / "bot.db")
    return f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"


async def test_a_reply_sent_after_a_restart_still_names_the_residents_message(database_url):
    fake = FakeZaloOAServer()
    await fake.start()
    access_token, refresh_token = fake.issue_tokens()
    port = free_port()
    settings = load_settings(
        database_url=database_url,
        web_port=port,
        zalo_oa_app_id=APP_ID,
        zalo_oa_secret_key=OA_SECRET_KEY,
        zalo_oa_app_secret=APP_SECRET,
        zalo_oa_access_token=access_token,
        zalo_oa_refresh_token=refresh_token,
        zalo_oa_api_base_url=fake.base_url,
        zalo_oa_oauth_base_url=fake.base_url,
        _env_file=None,
    )
    event = fake.event("u-1", "/start")
    fake.fail("u-1", -200, "Hệ thống bận", times=1)  # so the welcome waits in the outbox
    try:
        first = LoaPhuong(settings)
        try:
            await first.start()
            assert await fake.deliver(f"http://127.0.0.1:{port}{WEBHOOK_PATH}", event) == 200

            async def welcome_waits() -> bool:
                async with first.database.sessions() as session:
                    return bool(await session.scalar(select(func.count(OutboxMessage.id))))

            await eventually(welcome_waits, "the welcome was not queued")
        finally:
            await first.stop()
        assert fake.sent == []

        second = LoaPhuong(settings)  # the bot restarted, or another instance sends it
        try:
            await second.start()

            async def welcomed() -> bool:
                return bool(fake.sent)

            await eventually(welcomed, "the welcome was not sent after the restart")
        finally:
            await second.stop()
    finally:
        await fake.stop()
    replied_to = {"user_id": "u-1", "message_id": event["message"]["msg_id"]}
    assert [body["recipient"] for body in fake.sent] == [replied_to] * len(fake.sent)
    assert fake.proactive == []
