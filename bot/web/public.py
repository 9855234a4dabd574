"""`/b/<id>`: a public broadcast as a page, the target of forward-kit links."""

from __future__ import annotations

from html import escape

from aiohttp import web
from markdown_it import MarkdownIt
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.forward_kit import public_broadcast
from content.station import load_station

_markdown = MarkdownIt("commonmark", {"html": False})

PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="/static/chat.css"></head>
<body><header><h1>{station}</h1><p>Tin từ trạm y tế phường</p></header>
<main><article class="msg bot">{body}</article></main></body></html>"""


def public_routes(sessions: async_sessionmaker[AsyncSession]) -> list[web.RouteDef]:
    async def show(request: web.Request) -> web.Response:
        raw_id = request.match_info["broadcast_id"]
        if not raw_id.isdigit():
            raise web.HTTPNotFound(text="Không có tin này.")
        async with sessions() as session:
            broadcast = await public_broadcast(session, int(raw_id))
        if broadcast is None:
            raise web.HTTPNotFound(text="Không có tin này.")
        page = PAGE.format(
            title=escape(broadcast.title or load_station().name),
            station=escape(load_station().name),
            body=_markdown.render(broadcast.text),
        )
        return web.Response(text=page, content_type="text/html")

    return [web.get("/b/{broadcast_id}", show)]
