"""The built-in web chat: the page at `/`, the JSON API, and an inbox for broadcasts.

API (a contract — keep it exact):
  POST /api/chat  {"user_id": str, "text": str} or {"user_id": str, "button": str}
  → {"replies": [{"text": str, "buttons": [{"text": str, "data": str}]}]}
  GET /api/inbox?user_id=…&after=<id>
  → {"messages": [{"id": int, "text": str, "buttons": [...]}]}   (broadcasts, alerts)
Errors answer 400 with {"error": "<Vietnamese reason>"}.

The browser chooses its user_id, so it proves nothing: a request is a staff member's only
when it carries a live dashboard session (cookie), and its chat identity is then that
account's ("staff:<id>", whatever user_id says), so one person is never two approvers.
Anonymous requests may not claim a "staff:" id. A photo travels as a link in the text.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, replace
from functools import partial
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp_session import AbstractStorage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import Dispatch, Sent
from bot.core import Incoming, Reply
from bot.models.core import WebMessage
from bot.staff import WEB_STAFF_PREFIX, web_chat_id
from bot.web.dashboard.auth import cookie_secret, cookie_storage, signed_in_member

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
    # The answer is the HTTP response itself: nothing to pace.
    answers_in_response = True
    max_text_length = 20_000
    # A photo's link goes under the text it came with: a first part this long, as the
    # outbox has always split it here (Telegram's figure; the web chat has no limit).
    max_caption_length = 900

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._dispatch: Dispatch | None = None
        self._cookies: AbstractStorage | None = None

    async def start(self, dispatch: Dispatch) -> None:
        self._cookies = cookie_storage(await cookie_secret(self._sessions))
        self._dispatch = dispatch

    async def stop(self) -> None:
        self._dispatch = None

    async def send(self, chat_id: str, reply: Reply) -> Sent:
        async with self._sessions() as session, session.begin():
            message = WebMessage(
                user_id=chat_id, text=_with_photo_link(reply), buttons=_buttons_json(reply)
            )
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
            incoming = await self._as_signed_in_staff(request, incoming)
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
        if user_id.startswith(WEB_STAFF_PREFIX) and await self._staff_id(request) != user_id:
            return web.json_response({"error": STAFF_ONLY}, status=403)
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

    async def _staff_id(self, request: web.Request) -> str | None:
        """The chat identity of the staff account signed in on this browser, if any."""
        if self._cookies is None:
            return None
        member = await signed_in_member(self._sessions, await self._cookies.load_session(request))
        return web_chat_id(member) if member else None

    async def _as_signed_in_staff(self, request: web.Request, incoming: Incoming) -> Incoming:
        staff_id = await self._staff_id(request)
        if staff_id is not None:
            return replace(incoming, chat_id=staff_id, user_id=staff_id)
        if incoming.user_id.startswith(WEB_STAFF_PREFIX):
            raise BadRequest(STAFF_ONLY)
        return incoming


STAFF_ONLY = "user_id này dành cho cán bộ đã đăng nhập trang quản trị (/admin)."


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
    return {
        "text": _with_photo_link(reply),
        "buttons": [asdict(button) for button in reply.buttons],
    }


def _with_photo_link(reply: Reply) -> str:
    """The web chat shows links, not images: a photo (when it is a web address) becomes one.
    Platform file ids (a Telegram photo) mean nothing here and are left out."""
    if not (reply.photo or "").startswith(("https://", "http://")):
        return reply.text
    return f"{reply.text}\n\n[🖼 Xem ảnh kèm theo]({reply.photo})"


def _buttons_json(reply: Reply) -> str:
    return json.dumps([asdict(button) for button in reply.buttons], ensure_ascii=False)
