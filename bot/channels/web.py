"""The built-in web chat: the page at `/`, the JSON API, and an inbox for broadcasts.

API (a contract — keep it exact):
  POST /api/chat  {"text": str} or {"button": str}
  → {"replies": [{"text": str, "buttons": [{"text": str, "data": str}]}]}
  GET /api/inbox?after=<id>
  → {"messages": [{"id": int, "text": str, "buttons": [...]}]}   (broadcasts, alerts)
  GET /api/history
  → {"messages": [{"id": int, "role": "me"|"reply"|"inbox", "text": str, "buttons": [...]}]}
  GET /api/frame
  → {"lang": "vi"|"en", "tagline": str, "placeholder": str, "send": str, "label": str}
    (the page's own words, in the language the resident chose in /chude)
Errors answer 4xx with {"error": "<Vietnamese reason>"}.

Who is talking is never taken from the request body: it is the resident id the server gave
this browser in a signed cookie (bot/web/identity.py; a posted "user_id" is ignored), or,
when the browser carries a live dashboard session, that staff account ("staff:<id>"), so
one person is never two approvers. A photo travels as a link in the text.

Integrations (a kiosk, another site) use their own route with a bearer token
(WEB_API_TOKEN), naming their user; their ids live apart ("ext-…") from residents' and staff's:
  POST /api/integration/chat  {"user_id": str, "text"|"button": str}   (same answer)
  GET /api/integration/inbox?user_id=…&after=<id>
"""

from __future__ import annotations

import hmac
import json
import re
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import Dispatch, Sent
from bot.core import Incoming, Reply
from bot.db import engine_of
from bot.hot_statements import hot
from bot.i18n import normalize_locale, translator
from bot.models.core import WebMessage
from bot.models.types import utcnow
from bot.staff import web_chat_id
from bot.subscribers import language_of
from bot.web.dashboard.auth import signed_in_member
from bot.web.identity import TOO_MANY_NEW, ChatIdentities, TooManyNewChats
from bot.web.safe_json import BadJson, read_json_object

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
# An integration's own user ids; "ext-" is put before them.
INTEGRATION_USER_ID = re.compile(r"^[A-Za-z0-9_.-]{1,60}$")
INTEGRATION_PREFIX = "ext-"
MAX_TEXT = 4096
MAX_BUTTON = 64
INBOX_PAGE = 50
MAX_ID = 2**63 - 1  # the largest id a database column holds
HISTORY_PAGE = 100
_REMEMBER = insert(WebMessage.__table__)  # type: ignore[attr-defined]


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

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        secure_cookies: bool = False,
        api_token: str = "",
        new_chats_per_hour: int = 30,
    ) -> None:
        self._sessions = sessions
        # Every chat's messages and replies, stored as they are exchanged.
        self._hot = hot(engine_of(sessions))
        self._dispatch: Dispatch | None = None
        self._identities: ChatIdentities | None = None
        self._secure_cookies = secure_cookies
        self._api_token = api_token
        self._new_chats_per_hour = new_chats_per_hour

    async def start(self, dispatch: Dispatch) -> None:
        self._identities = await ChatIdentities.load(
            self._sessions, secure=self._secure_cookies, new_per_hour=self._new_chats_per_hour
        )
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
            web.get("/api/history", self.history),
            web.get("/api/frame", self.frame),
            web.post("/api/integration/chat", self.integration_chat),
            web.get("/api/integration/inbox", self.integration_inbox),
            web.static("/static", STATIC_DIR),
        ]

    async def page(self, _request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC_DIR / "chat.html")

    async def chat(self, request: web.Request) -> web.Response:
        if self._dispatch is None or self._identities is None:
            return _error("Máy chủ đang khởi động, thử lại sau.", 503)
        try:
            text, button, locale = parse_chat_request(await read_json_object(request))
        except (BadRequest, BadJson) as exc:
            return _error(str(exc), 400)
        talker, issued = await self._known_talker(request), False
        if talker is None:
            try:
                talker, issued = await self._identities.issue(request), True
            except TooManyNewChats:
                return _error(TOO_MANY_NEW, 429)
        incoming = _incoming(talker, text, button, locale)
        response = await self._answer(self._dispatch, incoming, keep_history=True)
        if issued:
            self._identities.set_cookie(response, talker)
        return response

    async def inbox(self, request: web.Request) -> web.Response:
        talker = await self._known_talker(request)
        return await self._inbox_of(talker, request.query.get("after", "0"))

    async def history(self, request: web.Request) -> web.Response:
        """The chat so far, oldest first, so a reload shows it again."""
        talker = await self._known_talker(request)
        if talker is None:
            return _json({"messages": []})
        async with self._sessions() as session:
            rows = list(
                await session.scalars(
                    select(WebMessage)
                    .where(WebMessage.user_id == talker)
                    .order_by(WebMessage.id.desc())
                    .limit(HISTORY_PAGE)
                )
            )
        messages = [_message_json(row) | {"role": row.role} for row in reversed(rows)]
        return _json({"messages": messages})

    async def integration_chat(self, request: web.Request) -> web.Response:
        if self._dispatch is None:
            return _error("Máy chủ đang khởi động, thử lại sau.", 503)
        if not self._integration_allowed(request):
            return _error(INTEGRATION_ONLY, 401)
        try:
            body = await read_json_object(request)
            talker = _integration_user(body.get("user_id"))
            text, button, locale = parse_chat_request(body)
        except (BadRequest, BadJson) as exc:
            return _error(str(exc), 400)
        return await self._answer(
            self._dispatch, _incoming(talker, text, button, locale), keep_history=False
        )

    async def integration_inbox(self, request: web.Request) -> web.Response:
        if not self._integration_allowed(request):
            return _error(INTEGRATION_ONLY, 401)
        try:
            talker = _integration_user(request.query.get("user_id"))
        except BadRequest as exc:
            return _error(str(exc), 400)
        return await self._inbox_of(talker, request.query.get("after", "0"))

    def _integration_allowed(self, request: web.Request) -> bool:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return bool(self._api_token) and hmac.compare_digest(given, self._api_token)

    async def _known_talker(self, request: web.Request) -> str | None:
        """The signed-in staff account's chat identity, else this browser's resident id."""
        member = await signed_in_member(self._sessions, request)
        if member is not None:
            return web_chat_id(member)
        return self._identities.of(request) if self._identities else None

    async def _answer(
        self, dispatch: Dispatch, incoming: Incoming, *, keep_history: bool
    ) -> web.Response:
        replies = await dispatch(incoming)
        if keep_history:
            await self._remember(incoming.chat_id, incoming.text, replies)
        return _json({"replies": [render_reply(reply) for reply in replies]})

    async def _remember(self, talker: str, text: str | None, replies: list[Reply]) -> None:
        now = utcnow()
        said = [] if text is None else [{"role": "me", "text": text, "buttons": "[]"}]
        answered = [
            {"role": "reply", "text": _with_photo_link(reply), "buttons": _buttons_json(reply)}
            for reply in replies
        ]
        await self._hot.write(
            _REMEMBER, [row | {"user_id": talker, "created_at": now} for row in said + answered]
        )

    async def _inbox_of(self, talker: str | None, after_text: str) -> web.Response:
        try:
            after = int(after_text)
        except ValueError:
            after = -1
        if not 0 <= after <= MAX_ID:
            return _error("after phải là số nguyên không âm.", 400)
        if talker is None:
            return _json({"messages": []})
        async with self._sessions() as session:
            rows = await session.scalars(
                select(WebMessage)
                .where(
                    WebMessage.user_id == talker,
                    WebMessage.role == "inbox",
                    WebMessage.id > after,
                )
                .order_by(WebMessage.id)
                .limit(INBOX_PAGE)
            )
            messages = [_message_json(row) for row in rows]
        return _json({"messages": messages})

    async def frame(self, request: web.Request) -> web.Response:
        """The page's header, placeholder and "Gửi" in the resident's chosen language."""
        talker = await self._known_talker(request)
        chosen = None
        if talker is not None:
            async with self._sessions() as session:
                chosen = await language_of(session, _incoming(talker, None, None, None))
        return _json(page_frame(chosen))


INTEGRATION_ONLY = "Cần mã truy cập hợp lệ (Authorization: Bearer <WEB_API_TOKEN>)."


def _error(message: str, status: int) -> web.Response:
    return _json({"error": message}, status)


def _json(payload: object, status: int = 200) -> web.Response:
    # orjson: an answer's JSON in a tenth of json.dumps's time (bench inbound).
    return web.Response(
        body=orjson.dumps(payload), status=status, content_type="application/json", charset="utf-8"
    )


def _incoming(talker: str, text: str | None, button: str | None, locale: str | None) -> Incoming:
    return Incoming(
        channel="web", chat_id=talker, user_id=talker, text=text, button=button, locale=locale
    )


def _message_json(row: WebMessage) -> dict[str, Any]:
    return {"id": row.id, "text": row.text, "buttons": json.loads(row.buttons)}


def _integration_user(user_id: object) -> str:
    if not isinstance(user_id, str) or not INTEGRATION_USER_ID.match(user_id):
        raise BadRequest("Thiếu user_id, hoặc user_id không hợp lệ (1–60 ký tự chữ, số, _.-).")
    return INTEGRATION_PREFIX + user_id


def parse_chat_request(body: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(text, button, locale) from a chat request; any "user_id" in it is not looked at."""
    text, button = body.get("text"), body.get("button")
    if (text is None) == (button is None):
        raise BadRequest("Cần đúng một trong hai trường: text hoặc button.")
    if text is not None and (not isinstance(text, str) or len(text) > MAX_TEXT):
        raise BadRequest(f"text phải là chuỗi tối đa {MAX_TEXT} ký tự.")
    if button is not None and (not isinstance(button, str) or len(button) > MAX_BUTTON):
        raise BadRequest(f"button phải là chuỗi tối đa {MAX_BUTTON} ký tự.")
    locale = body.get("locale") if isinstance(body.get("locale"), str) else None
    return text, button, locale


def page_frame(locale: str | None) -> dict[str, str]:
    _ = translator(locale)
    return {
        "lang": normalize_locale(locale),
        "tagline": _("Trạm Y tế phường nhắn tin cho bà con"),
        "placeholder": _("Nhập tin nhắn hoặc câu hỏi…"),
        "send": _("Gửi"),
        "label": _("Tin nhắn"),
    }


def render_reply(reply: Reply) -> dict[str, Any]:
    return {
        "text": _with_photo_link(reply),
        "buttons": _buttons(reply),
    }


def _with_photo_link(reply: Reply) -> str:
    """The web chat shows links, not images: a photo (when it is a web address) becomes one.
    Platform file ids (a Telegram photo) mean nothing here and are left out."""
    if not (reply.photo or "").startswith(("https://", "http://")):
        return reply.text
    return f"{reply.text}\n\n[🖼 Xem ảnh kèm theo]({reply.photo})"


def _buttons_json(reply: Reply) -> str:
    return orjson.dumps(_buttons(reply)).decode()


def _buttons(reply: Reply) -> list[dict[str, str]]:
    # What dataclasses.asdict gives, without its deep copy of every field of every
    # button, which profiling found among the costliest steps of an answer.
    return [{"text": button.text, "data": button.data} for button in reply.buttons]
