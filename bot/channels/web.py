"""The built-in web chat: the page at `/`, the JSON API, and an inbox for broadcasts.

API (a contract — keep it exact):
  POST /api/chat  {"user_id": str, "text": str} or {"user_id": str, "button": str}
  → {"replies": [{"text": str, "buttons": [{"text": str, "data": str}]}]}
  GET /api/inbox?user_id=…&after=<id>
  → {"messages": [{"id": int, "text": str, "buttons": [...]}]}   (broadcasts, alerts)
Errors answer 400 with {"error": "<Vietnamese reason>"}.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import Dispatch, Sent
from bot.core import Incoming, Reply
from bot.models.core import WebMessage

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
USER_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_TEXT = 4096
MAX_BUTTON = 64
INBOX_PAGE = 50
_json_dumps = partial(json.dumps, ensure_ascii=False)


class BadRequest(Exception):
    pass


class WebChannel:
    name = "web"
    max_text_length = 20_000

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._dispatch: Dispatch | None = None

    async def start(self, dispatch: Dispatch) -> None:
        self._dispatch = dispatch

    async def stop(self) -> None:
        self._dispatch = None

    async def send(self, chat_id: str, reply: Reply) -> Sent:
        async with self._sessions() as session, session.begin():
            message = WebMessage(user_id=chat_id, text=reply.text, buttons=_buttons_json(reply))
            session.add(message)
            await session.flush()
            return Sent(str(message.id))

    def web_routes(self) -> list[web.RouteDef]:
        return [
            web.get("/", self.page),
            web.post("/api/chat", self.chat),
            web.get("/api/inbox", self.inbox),
            web.static("/static", STATIC_DIR),
        ]

    async def page(self, _request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC_DIR / "chat.html")

    async def chat(self, request: web.Request) -> web.Response:
        if self._dispatch is None:
            return web.json_response({"error": "Máy chủ đang khởi động, thử lại sau."}, status=503)
        try:
            incoming = parse_chat_request(await _json_body(request))
        except BadRequest as exc:
            return web.json_response({"error": str(exc)}, status=400)
        replies = await self._dispatch(incoming)
        return web.json_response(
            {"replies": [render_reply(reply) for reply in replies]}, dumps=_json_dumps
        )

    async def inbox(self, request: web.Request) -> web.Response:
        user_id = request.query.get("user_id", "")
        if not USER_ID.match(user_id):
            return web.json_response({"error": "user_id không hợp lệ."}, status=400)
        try:
            after = int(request.query.get("after", "0"))
        except ValueError:
            return web.json_response({"error": "after phải là số."}, status=400)
        async with self._sessions() as session:
            rows = await session.scalars(
                select(WebMessage)
                .where(WebMessage.user_id == user_id, WebMessage.id > after)
                .order_by(WebMessage.id)
                .limit(INBOX_PAGE)
            )
            messages = [
                {"id": row.id, "text": row.text, "buttons": json.loads(row.buttons)} for row in rows
            ]
        return web.json_response({"messages": messages}, dumps=_json_dumps)


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest("Nội dung gửi lên không phải JSON hợp lệ.") from exc
    if not isinstance(body, dict):
        raise BadRequest("Nội dung gửi lên phải là một đối tượng JSON.")
    return body


def parse_chat_request(body: dict[str, Any]) -> Incoming:
    user_id = body.get("user_id")
    if not isinstance(user_id, str) or not USER_ID.match(user_id):
        raise BadRequest("Thiếu user_id, hoặc user_id không hợp lệ (1–64 ký tự chữ, số, _.:-).")
    text, button = body.get("text"), body.get("button")
    if (text is None) == (button is None):
        raise BadRequest("Cần đúng một trong hai trường: text hoặc button.")
    if text is not None and (not isinstance(text, str) or len(text) > MAX_TEXT):
        raise BadRequest(f"text phải là chuỗi tối đa {MAX_TEXT} ký tự.")
    if button is not None and (not isinstance(button, str) or len(button) > MAX_BUTTON):
        raise BadRequest(f"button phải là chuỗi tối đa {MAX_BUTTON} ký tự.")
    locale = body.get("locale") if isinstance(body.get("locale"), str) else None
    return Incoming(
        channel="web", chat_id=user_id, user_id=user_id, text=text, button=button, locale=locale
    )


def render_reply(reply: Reply) -> dict[str, Any]:
    return {"text": reply.text, "buttons": [asdict(button) for button in reply.buttons]}


def _buttons_json(reply: Reply) -> str:
    return json.dumps([asdict(button) for button in reply.buttons], ensure_ascii=False)
