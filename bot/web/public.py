"""`/b/<id>`: a public broadcast as a page, the target of forward-kit links.

Pages only in Vietnamese, never aiohttp's English error pages: a resident following a
stale link is told so in words they read.
"""

from __future__ import annotations

import re
from html import escape

from aiohttp import web
from markdown_it import MarkdownIt
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.forward_kit import public_broadcast
from bot.models.types import ROW_ID
from bot.web.dashboard.uploads import upload_routes
from content.station import load_station

_markdown = MarkdownIt("commonmark", {"html": False})

PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="/static/chat.css"></head>
<body><header><h1>{station}</h1><p>Tin từ trạm y tế phường</p></header>
<main><article class="msg bot">{body}</article></main></body></html>"""
NOT_FOUND = (
    "<p><b>Không có tin này.</b></p><p>Tin có thể đã bị trạm y tế dừng, hoặc đường dẫn "
    "bị chép thiếu. Bà con hỏi lại người gửi đường dẫn, hoặc gọi trạm y tế ạ.</p>"
)
UNKNOWN_ADDRESS = (
    "<p><b>Không tìm thấy trang này.</b></p><p>Đường dẫn có thể bị gõ sai hoặc chép thiếu. "
    'Trang trò chuyện với trạm y tế ở <a href="/">trang chủ</a> ạ.</p>'
)
_BROADCAST_ID = re.compile(ROW_ID)


def public_routes(sessions: async_sessionmaker[AsyncSession]) -> list[web.RouteDef]:
    async def show(request: web.Request) -> web.Response:
        raw_id = request.match_info["broadcast_id"]
        broadcast = None
        if _BROADCAST_ID.fullmatch(raw_id):
            async with sessions() as session:
                broadcast = await public_broadcast(session, int(raw_id))
        if broadcast is None:
            return _page(load_station().name, NOT_FOUND, status=404)
        body = _markdown.render(broadcast.text)
        if (broadcast.photo or "").startswith(("https://", "http://")):
            body = (
                f'<img class="photo" src="{escape(broadcast.photo or "")}" alt="Ảnh kèm tin">'
                + body
            )
        return _page(broadcast.title or load_station().name, body)

    return [web.get("/b/{broadcast_id}", show), *upload_routes()]


def not_found_page() -> web.Response:
    """For an address that leads nowhere on the public site."""
    return _page(load_station().name, UNKNOWN_ADDRESS, status=404)


def _page(title: str, body_html: str, status: int = 200) -> web.Response:
    station = escape(load_station().name)
    page = PAGE.format(title=escape(title), station=station, body=body_html)
    return web.Response(text=page, content_type="text/html", status=status)
