"""Broadcasts: everything sent through the outbox lately, with live progress and cancel."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web
from sqlalchemy import select

from bot.forward_kit import PUBLIC_KINDS, forward_kit
from bot.models.outbox import Broadcast, BroadcastStatus
from bot.models.types import ROW_ID
from bot.outbox.broadcasts import broadcast_progress, cancel_broadcast_as
from bot.reports import KIND_NAMES
from bot.web.dashboard.pages.common import redirect, render, services, staff_name

TITLE = "Tin đã gửi"
PATH = "/admin/broadcasts"
RECENT = 50
routes = web.RouteTableDef()


@routes.get("/broadcasts", name="broadcasts")
async def broadcasts_page(request: web.Request) -> web.Response:
    async with services(request).sessions() as session:
        broadcasts = list(
            await session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(RECENT))
        )
        rows = [
            {"broadcast": b, "progress": await broadcast_progress(session, b.id or 0)}
            for b in broadcasts
        ]
    base_url = services(request).settings.base_url
    for row in rows:
        # Every public message comes with its forward kit, for the tổ dân phố Zalo groups the
        # bot cannot join (and for Zalo OA residents outside the 48-hour window).
        b = row["broadcast"]
        if b.kind in PUBLIC_KINDS and b.status != BroadcastStatus.CANCELLED:
            row["kit"] = forward_kit(b, base_url).as_message()
    return render(
        "broadcasts.html",
        request,
        {
            "rows": rows,
            "kinds": KIND_NAMES,
            "tz": services(request).settings.tz,
            "message": request.query.get("msg", ""),
        },
    )


@routes.get(f"/broadcasts/{{broadcast_id:{ROW_ID}}}/progress", name="broadcast_progress")
async def progress(request: web.Request) -> web.Response:
    """JSON for the live progress bars (this page and the alerts page)."""
    broadcast_id = int(request.match_info["broadcast_id"])
    async with services(request).sessions() as session:
        if await session.get(Broadcast, broadcast_id) is None:
            raise web.HTTPNotFound()
        figures = await broadcast_progress(session, broadcast_id)
    return web.json_response({**asdict(figures), "summary": figures.summary()})


@routes.post(f"/broadcasts/{{broadcast_id:{ROW_ID}}}/cancel", name="broadcast_cancel")
async def cancel(request: web.Request) -> web.Response:
    broadcast_id = int(request.match_info["broadcast_id"])
    async with services(request).sessions() as session:
        if await session.get(Broadcast, broadcast_id) is None:
            raise web.HTTPNotFound()
        withdrawn = await cancel_broadcast_as(session, broadcast_id, staff_name(request))
        await session.commit()
    raise redirect(PATH, f"Đã dừng tin số {broadcast_id}: {withdrawn} tin chưa gửi được rút lại.")
