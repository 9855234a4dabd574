"""`/healthz` for monitors: figures when the database answers, 503 when it does not."""

from __future__ import annotations

from aiohttp import web

from bot.db import Database
from bot.models.core import Subscriber
from bot.outbox.audience import Audience
from bot.outbox.broadcasts import BroadcastRequest, create_broadcast
from bot.web.health import health_routes


async def client_for(database: Database, aiohttp_client):
    app = web.Application()
    app.add_routes(health_routes(database.sessions))
    return await aiohttp_client(app)


async def test_health_reports_the_outbox_backlog(database, aiohttp_client):
    client = await client_for(database, aiohttp_client)
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {
        "ok": True, "database": "ok", "outbox_due": 0, "oldest_due_waiting_s": 0.0,
    }  # fmt: skip
    async with database.sessions() as session:
        session.add(Subscriber(channel="web", chat_id="a"))
        await session.flush()
        await create_broadcast(session, BroadcastRequest(text="Tin", audience=Audience()))
        await session.commit()
    figures = await (await client.get("/healthz")).json()
    assert figures["outbox_due"] == 1 and figures["oldest_due_waiting_s"] >= 0


async def test_health_is_503_when_the_database_is_unreachable(tmp_path, aiohttp_client):
    missing = Database(f"sqlite+aiosqlite:///{tmp_path / 'no-such-dir' / 'bot.db'}")
    client = await client_for(missing, aiohttp_client)
    response = await client.get("/healthz")
    assert response.status == 503
    assert (await response.json())["ok"] is False
    await missing.close()
