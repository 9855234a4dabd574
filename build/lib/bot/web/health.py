"""`/healthz`: is the bot up, can it reach its database, is the outbox moving?

For a station's uptime monitor or a load balancer: 200 with figures when the database
answers, 503 when it does not. Counts only, never a name or a chat.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models.outbox import OutboxMessage
from bot.models.types import utcnow


def health_routes(sessions: async_sessionmaker[AsyncSession]) -> list[web.RouteDef]:
    async def health(_request: web.Request) -> web.Response:
        try:
            async with sessions() as session:
                pending, oldest = (
                    await session.execute(
                        select(func.count(), func.min(OutboxMessage.not_before)).where(
                            OutboxMessage.status.in_(("pending", "sending")),
                            OutboxMessage.not_before <= utcnow(),
                        )
                    )
                ).one()
        except (SQLAlchemyError, OSError) as error:
            return web.json_response({"ok": False, "database": type(error).__name__}, status=503)
        waiting = (utcnow() - oldest).total_seconds() if oldest else 0.0
        return web.json_response(
            {
                "ok": True,
                "database": "ok",
                "outbox_due": pending,
                "oldest_due_waiting_s": round(max(waiting, 0.0), 1),
            }
        )

    return [web.get("/healthz", health)]
