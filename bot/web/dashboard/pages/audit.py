"""Audit log: who read, exported or changed personal data, sent or approved, and when."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from bot.models.core import AuditLog
from bot.web.dashboard.pages.common import render, services

TITLE = "Nhật ký"
PATH = "/admin/audit"
PAGE_SIZE = 200
routes = web.RouteTableDef()


@routes.get("/audit", name="audit")
async def audit_log(request: web.Request) -> web.Response:
    async with services(request).sessions() as session:
        rows = list(
            await session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(PAGE_SIZE))
        )
    tz = services(request).settings.tz
    return render("audit.html", request, {"rows": rows, "tz": tz})
