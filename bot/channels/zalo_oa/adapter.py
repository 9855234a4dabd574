"""The Zalo OA channel: the webhook in, consultation messages out, within the window,
and the whole channel stopped once while the OA account needs an admin."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import Dispatch, FailureKind, SendError, Sent
from bot.channels.zalo_common import MAX_TEXT, ZaloLifecycle, chat_translator
from bot.channels.zalo_oa.errors import CONFIG_ERRORS, CONFIG_RETRY_S, TOKEN_ERRORS, oa_failure
from bot.channels.zalo_oa.events import (
    FOLLOW_EVENTS,
    MAX_EVENT_AGE_S,
    SIGNATURE_HEADER,
    WINDOW_OPENERS,
    event_key,
    image_url,
    signature_valid,
    timestamp_in,
)
from bot.channels.zalo_oa.rendering import oa_messages
from bot.channels.zalo_oa.tokens import Clock, TokenKeeper
from bot.channels.zalo_oa.window import (
    FREE_REPLIES,
    FREE_WINDOW,
    claim_reply,
    open_window,
    release_reply,
)
from bot.config import Settings
from bot.core import Incoming, Reply
from bot.i18n import Gettext
from bot.models.types import utcnow
from bot.web.safe_json import BadJson, json_object, read_body

log = logging.getLogger("bot.channels.zalo_oa")

WEBHOOK_PATH = "/zalo/oa/webhook"
MESSAGE_PATH = "/v3.0/oa/message/cs"


def enabled(settings: Settings) -> bool:
    return bool(
        settings.zalo_oa_app_id
        and settings.zalo_oa_secret_key
        and (settings.zalo_oa_access_token or settings.zalo_oa_refresh_token)
    )


class ZaloOAChannel(ZaloLifecycle):
    name = "zalo_oa"
    max_text_length = MAX_TEXT
    # A photo is a message of its own on the OA: any first part goes with it.
    max_caption_length = MAX_TEXT

    def __init__(
        self,
        *,
        app_id: str,
        oa_secret_key: str,
        app_secret: str,
        access_token: str,
        refresh_token: str,
        api_base_url: str,
        oauth_base_url: str,
        sessions: async_sessionmaker[AsyncSession],
        window: timedelta = FREE_WINDOW,
        free_replies: int = FREE_REPLIES,
        clock: Clock = utcnow,
    ) -> None:
        super().__init__("zalo_oa")
        self._app_id = app_id
        self._oa_secret_key = oa_secret_key
        self._message_url = api_base_url.rstrip("/") + MESSAGE_PATH
        self._sessions = sessions
        self._window = window
        self._free_replies = free_replies
        self._clock = clock
        self.quota: dict[str, str] = {}
        # Why the OA cannot send at all (an account setting), and when to try again.
        self.problem: str | None = None
        self._problem_retry_at = 0.0
        self.tokens = TokenKeeper(
            app_id=app_id,
            app_secret=app_secret,
            oauth_base_url=oauth_base_url,
            access_token=access_token,
            refresh_token=refresh_token,
            sessions=sessions,
            post_form=self._post_form,
            clock=clock,
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, sessions: async_sessionmaker[AsyncSession]
    ) -> ZaloOAChannel:
        app_secret = settings.zalo_oa_app_secret
        if not app_secret:
            log.warning("zalo_oa: ZALO_OA_APP_SECRET not set, the access token cannot be refreshed")
        return cls(
            app_id=settings.zalo_oa_app_id,
            oa_secret_key=settings.zalo_oa_secret_key,
            app_secret=app_secret,
            access_token=settings.zalo_oa_access_token,
            refresh_token=settings.zalo_oa_refresh_token,
            api_base_url=settings.zalo_oa_api_base_url,
            oauth_base_url=settings.zalo_oa_oauth_base_url,
            sessions=sessions,
        )

    async def start(self, dispatch: Dispatch) -> None:
        self._begin(dispatch)
        await self.tokens.load()
        self._run_in_background(self.tokens.keep_fresh(), "tokens")
        log.info("zalo_oa: webhook at %s", WEBHOOK_PATH)

    async def _before_closing(self) -> None:
        await self.tokens.settle()  # a refresh in flight stores its new tokens

    def web_routes(self) -> list[web.RouteDef]:
        return [web.post(WEBHOOK_PATH, self.webhook)]

    async def webhook(self, request: web.Request) -> web.Response:
        try:
            raw = await read_body(request)
        except BadJson:
            return web.Response(status=400)
        # The signature first: nobody unsigned gets the body parsed.
        timestamp = timestamp_in(raw)
        if not self._signed(raw, timestamp, request.headers.get(SIGNATURE_HEADER, "")):
            log.warning("zalo_oa webhook: wrong or missing signature, refused")
            return web.Response(status=403)
        age = self._clock().timestamp() - int(timestamp) / 1000
        if age > MAX_EVENT_AGE_S:
            # A replay, or a resend long after the fact: answered, not acted on.
            log.warning("zalo_oa webhook: an event %.0f s old skipped", age)
            return web.json_response({"error": 0})
        try:
            event = json_object(request, raw)
        except BadJson:
            return web.Response(status=400)
        # Zalo wants 200 within 2 s and resends otherwise; the work goes on after answering.
        self._work.spawn(self.handle_event(event))
        return web.json_response({"error": 0})

    async def send(self, chat_id: str, reply: Reply) -> Sent:
        _ = await chat_translator(self._sessions, self.name, chat_id)
        message_id, numbered = await self._deliver(chat_id, reply, first_number=1, _=_)
        if reply.buttons:
            self.buttons.remember(chat_id, reply.buttons, numbered=numbered)
        return Sent(message_id)

    async def handle_event(self, event: dict[str, Any]) -> None:
        """Open the resident's window, dispatch what they did, show the replies."""
        incoming = self.to_incoming(event)
        if incoming is None:
            return
        if str(event.get("event_name", "")).startswith(WINDOW_OPENERS):
            message_id = (event.get("message") or {}).get("msg_id")
            async with self._sessions() as session, session.begin():
                await open_window(
                    session,
                    incoming.user_id,
                    self._clock(),
                    str(message_id) if message_id else None,
                )
        if self._dispatch is not None:
            await self._dispatch(incoming)  # it answers through the pacer

    def to_incoming(self, event: dict[str, Any]) -> Incoming | None:
        name = str(event.get("event_name", ""))
        if name in FOLLOW_EVENTS:
            user_id = str((event.get("follower") or {}).get("id") or "")
            return self._incoming(user_id, event, event=FOLLOW_EVENTS[name]) if user_id else None
        if not name.startswith("user_send_"):
            log.info("zalo_oa: %s skipped", name or "unknown event")
            return None
        user_id = str((event.get("sender") or {}).get("id") or "")
        if not user_id:
            return None
        message = event.get("message") or {}
        text = str(message.get("text") or "")
        photo = image_url(message) if name == "user_send_image" else None
        button = self.buttons.press(user_id, text) if name == "user_send_text" else None
        if button is not None:
            return self._incoming(user_id, event, button=button)
        # Stickers, files, locations come through without text, as on Telegram.
        return self._incoming(user_id, event, text=text or None, photo=photo)

    def _incoming(self, user_id: str, source: dict[str, Any], **fields: Any) -> Incoming:
        return Incoming(
            channel=self.name,
            chat_id=user_id,
            user_id=user_id,
            update_key=event_key(source),
            **fields,
        )

    def _signed(self, raw: bytes, timestamp: str, given: str) -> bool:
        return bool(timestamp) and signature_valid(
            given,
            app_id=self._app_id,
            raw_body=raw,
            timestamp=timestamp,
            oa_secret_key=self._oa_secret_key,
        )

    async def _deliver(
        self, user_id: str, reply: Reply, *, first_number: int, _: Gettext
    ) -> tuple[str, bool]:
        """Send one reply as one or more OA messages; (last message id, numbered list used)."""
        messages, numbered = oa_messages(reply, first_number, _)
        message_id = ""
        for message in messages:
            message_id = await self._send_counted(user_id, message)
        return message_id, numbered

    async def _send_counted(self, user_id: str, message: dict[str, Any]) -> str:
        self._check_stopped()
        async with self._sessions() as session, session.begin():
            claim = await claim_reply(
                session, user_id, self._clock(), self._window, self._free_replies
            )
        if claim.refused:
            raise SendError(FailureKind.OUTSIDE_WINDOW, claim.refused)
        try:
            return await self._send_message(user_id, message, claim.reply_to)
        except SendError:
            async with self._sessions() as session, session.begin():
                await release_reply(session, user_id)
            raise

    async def _send_message(
        self, user_id: str, message: dict[str, Any], reply_to: str | None
    ) -> str:
        recipient = {"user_id": user_id}
        if reply_to:
            recipient["message_id"] = reply_to  # a reply, not proactive
        body = {"recipient": recipient, "message": message}
        for first_try in (True, False):
            token = await self.tokens.access_token()
            data = await self.http.post(
                self._message_url, headers={"access_token": token}, json=body
            )
            code = int(data.get("error") or 0)
            if code == 0:
                self._resume()
                result = data.get("data") or {}
                self._note_quota(result.get("quota"))
                return str(result.get("message_id", ""))
            if code in TOKEN_ERRORS and first_try:
                await self.tokens.expire(token)
                continue
            if code in CONFIG_ERRORS:
                self._stop_sending(code, str(data.get("message") or ""))
            raise oa_failure(code, str(data.get("message") or ""))
        raise AssertionError("unreachable")

    def _check_stopped(self) -> None:
        """While the OA's account is misconfigured, rows wait without calling the API;
        once per CONFIG_RETRY_S one send goes through to see whether it was fixed."""
        if self.problem is None:
            return
        now = self._clock().timestamp()
        if now < self._problem_retry_at:
            wait = self._problem_retry_at - now
            raise SendError(FailureKind.THROTTLED, self.problem, retry_after=wait, whole_bot=True)
        self._problem_retry_at = now + CONFIG_RETRY_S

    def _stop_sending(self, code: int, message: str) -> None:
        if self.problem is None:
            log.error(
                "zalo_oa: channel stopped, error %d %s: the OA account needs an admin "
                "(developers.zalo.me / oa.zalo.me); messages wait and sending is tried "
                "again every %.0f s",
                code,
                message,
                CONFIG_RETRY_S,
            )
        self.problem = f"{code} {message}".strip()
        self._problem_retry_at = self._clock().timestamp() + CONFIG_RETRY_S

    def _resume(self) -> None:
        if self.problem is not None:
            log.warning("zalo_oa: channel sends again (was: %s)", self.problem)
            self.problem = None

    def _note_quota(self, quota: Any) -> None:
        if not isinstance(quota, dict):
            return
        seen = {key: str(quota[key]) for key in ("quota_type", "remain", "total") if key in quota}
        if seen != self.quota:
            log.info("zalo_oa: message quota %s", seen)
            self.quota = seen

    async def _post_form(
        self, url: str, form: dict[str, str], headers: dict[str, str]
    ) -> dict[str, Any]:
        return await self.http.post(url, headers=headers, data=form)
