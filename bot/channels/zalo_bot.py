"""Zalo Bot Platform adapter (the Telegram-like HTTP API), over aiohttp.

Polling by default (getUpdates); webhook mode when ZALO_BOT_WEBHOOK_URL is set,
answering only requests whose X-Bot-Api-Secret-Token equals ZALO_BOT_WEBHOOK_SECRET.
ZALO_BOT_API_BASE_URL points it at any compatible server (bot/fakes/zalo_bot_server.py).

The platform has no inline keyboards: buttons are shown as a numbered list, and a
reply of that number (or the button's label) is handed to the handlers as the press.

API as checked against the platform's docs (bot.zaloplatforms.com/docs, mirrored in
public SDKs and READMEs), and what is assumed:
- verified: `POST {base}{token}/{method}` with a JSON body; answers
  `{"ok": true, "result": …}` or `{"ok": false, "error_code": int, "description": str}`;
  getMe, getUpdates (`timeout` in seconds, as a string), setWebhook (`url`,
  `secret_token` of 8–256 characters, sent back in `X-Bot-Api-Secret-Token`),
  deleteWebhook (getUpdates does not work while a webhook is set), sendMessage
  (`chat_id`, `text` of 1–2,000 characters), sendPhoto (`chat_id`, `photo` URL,
  `caption`); results carry `message_id`. getUpdates returns ONE update per call
  (`result` is an object, not a list), and error_code 408 when nothing arrived.
  An update is `{"event_name": "message.text.received" | "message.image.received" |
  "message.sticker.received" | "message.unsupported.received", "message": {
  "message_id", "date", "text"|"photo"+"caption", "from": {"id", …},
  "chat": {"id", "chat_type": "PRIVATE"|"GROUP"}}}`; webhooks post it unwrapped.
- error codes as documented: 403 is the platform's internal server error (not a
  blocked resident: retried with backoff, never unsubscribed), 429 "quota exceeded"
  (the whole bot waits QUOTA_WAIT, a bounded number of times per message),
  400/404 a bad request or an unknown chat, 408 no update in time.
- assumed (not documented): no retry_after is given; a list in `result` is accepted
  too; in groups the bot is "addressed" by a /command or its name, as the API reports
  no mentions.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import Dispatch, FailureKind, SendError, Sent, secret_header_ok
from bot.channels.zalo_common import (
    MAX_TEXT,
    ZaloLifecycle,
    chat_translator,
    numbered_buttons,
    plain_text,
)
from bot.config import ConfigError, Settings
from bot.core import ChatKind, Incoming, Reply
from bot.i18n import Gettext
from bot.outbox.split import split_text
from bot.web.safe_json import BadJson, read_json_object

log = logging.getLogger(__name__)
# Seconds the whole bot waits after "quota exceeded": a quota is not back in a second.
QUOTA_WAIT = 60.0

WEBHOOK_PATH = "/zalo/bot/webhook"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
POLL_TIMEOUT = 30
NOTHING_NEW = 408
MAX_BACKOFF = 30.0
IMAGE_EVENT = "message.image.received"
HANDLED_EVENTS = {
    "message.text.received",
    IMAGE_EVENT,
    "message.sticker.received",
    "message.unsupported.received",
}


class ZaloBotChannel(ZaloLifecycle):
    name = "zalo_bot"
    max_text_length = MAX_TEXT
    max_caption_length = MAX_TEXT

    def __init__(
        self,
        token: str,
        *,
        api_base_url: str,
        webhook_url: str = "",
        webhook_secret: str = "",
        sessions: async_sessionmaker[AsyncSession] | None = None,
        poll_timeout: int = POLL_TIMEOUT,
    ) -> None:
        super().__init__("zalo_bot")
        self._api = f"{api_base_url}{token}/"
        self._webhook_url = webhook_url
        self._webhook_secret = webhook_secret
        self._sessions = sessions
        self._poll_timeout = poll_timeout
        self.bot_name = ""

    @classmethod
    def from_settings(
        cls, settings: Settings, sessions: async_sessionmaker[AsyncSession] | None = None
    ) -> ZaloBotChannel:
        secret = settings.zalo_bot_webhook_secret
        if settings.zalo_bot_webhook_url and not 8 <= len(secret) <= 256:
            raise ConfigError(
                "cấu hình sai: ZALO_BOT_WEBHOOK_SECRET: cần 8–256 ký tự khi dùng webhook"
            )
        return cls(
            settings.zalo_bot_token,
            api_base_url=settings.zalo_bot_api_base_url,
            webhook_url=settings.zalo_bot_webhook_url,
            webhook_secret=secret,
            sessions=sessions,
        )

    async def start(self, dispatch: Dispatch) -> None:
        self._begin(dispatch)
        me = await self._call("getMe")
        self.bot_name = str(me.get("account_name") or me.get("name") or "")
        if self._webhook_url:
            await self._call(
                "setWebhook", {"url": self._webhook_url, "secret_token": self._webhook_secret}
            )
            log.info("zalo_bot: webhook mode")
        else:
            await self._call("deleteWebhook")
            self._run_in_background(self._poll_forever(), "poll")
            log.info("zalo_bot: polling mode")

    def web_routes(self) -> list[web.RouteDef]:
        return [web.post(WEBHOOK_PATH, self.webhook)] if self._webhook_url else []

    async def webhook(self, request: web.Request) -> web.Response:
        if not secret_header_ok(request, SECRET_HEADER, self._webhook_secret.encode()):
            log.warning("zalo_bot webhook: wrong or missing secret token, refused")
            return web.Response(status=403)
        try:
            body = await read_json_object(request)
        except BadJson:
            return web.Response(status=400)
        for update in _updates_in(body.get("result") if body.get("ok") else body):
            self._work.spawn(self.handle_update(update))
        return web.json_response({"ok": True})

    async def send(self, chat_id: str, reply: Reply) -> Sent:
        _ = await chat_translator(self._sessions, self.name, chat_id)
        message_id = await self._deliver(chat_id, reply, first_number=1, _=_)
        if reply.buttons:
            self.buttons.remember(chat_id, reply.buttons, numbered=True)
        return Sent(message_id)

    async def handle_update(self, update: dict[str, Any]) -> None:
        """Turn one update into an Incoming, dispatch it, show the replies."""
        incoming = self.to_incoming(update)
        if incoming is not None and self._dispatch is not None:
            await self._dispatch(incoming)  # it answers through the pacer

    def to_incoming(self, update: dict[str, Any]) -> Incoming | None:
        event = update.get("event_name", "")
        message = update.get("message") or {}
        chat, sender = message.get("chat") or {}, message.get("from") or {}
        if not chat.get("id") or not sender.get("id"):
            log.info("zalo_bot: update without chat or sender skipped (%s)", event)
            return None
        if event not in HANDLED_EVENTS:
            log.info("zalo_bot: %s skipped", event or "unknown update")
            return None
        # Stickers and unsupported messages come through without text, like on Telegram,
        # so the handlers can say they only read text.
        text = message.get("caption" if event == IMAGE_EVENT else "text") or ""
        photo = message.get("photo") if event == IMAGE_EVENT else None
        chat_id = str(chat["id"])
        is_group = chat.get("chat_type") == "GROUP"
        button = self.buttons.press(chat_id, text) if text and not photo else None
        return Incoming(
            channel=self.name,
            chat_id=chat_id,
            user_id=str(sender["id"]),
            chat_kind=ChatKind.GROUP if is_group else ChatKind.PRIVATE,
            text=None if button is not None else (text or None),
            button=button,
            addressed=not is_group or button is not None or self._addressed(text),
            photo=str(photo) if photo else None,
            update_key=str(message.get("message_id") or "") or None,
        )

    def _addressed(self, text: str) -> bool:
        if text.startswith("/"):
            return True
        return bool(self.bot_name) and self.bot_name.casefold() in text.casefold()

    async def _deliver(self, chat_id: str, reply: Reply, *, first_number: int, _: Gettext) -> str:
        text = plain_text(reply)
        if reply.buttons:
            listing = numbered_buttons(reply.buttons, first_number, _)
            text = f"{text}\n\n{listing}" if text else listing
        pieces = split_text(text, MAX_TEXT)
        result: dict[str, Any] = {}
        if reply.photo:
            photo: dict[str, Any] = {"chat_id": chat_id, "photo": reply.photo}
            if pieces:
                photo["caption"] = pieces.pop(0)
            result = await self._call("sendPhoto", photo)
        for piece in pieces:
            result = await self._call("sendMessage", {"chat_id": chat_id, "text": piece})
        return str(result.get("message_id", ""))

    async def _poll_forever(self) -> None:
        backoff = 1.0
        while True:
            try:
                for update in await self._next_updates():
                    await self.handle_update(update)
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except SendError as exc:
                log.warning("zalo_bot: getUpdates failed (%s), retrying in %.0f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
            except Exception:
                log.exception("zalo_bot: update handling failed")

    async def _next_updates(self) -> list[dict[str, Any]]:
        data = await self.http.post(
            self._api + "getUpdates",
            json={"timeout": str(self._poll_timeout)},
            timeout=self._poll_timeout + 10,
        )
        if not data.get("ok") and data.get("error_code") == NOTHING_NEW:
            return []
        return _updates_in(_result(data))

    async def _call(self, method: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        result = _result(await self.http.post(self._api + method, json=payload or {}))
        return result if isinstance(result, dict) else {}


def _result(data: dict[str, Any]) -> Any:
    if data.get("ok"):
        return data.get("result")
    raise bot_failure(int(data.get("error_code") or 0), str(data.get("description") or ""))


def bot_failure(code: int, description: str) -> SendError:
    """A Bot Platform error as the outbox understands it (the codes: see the docstring)."""
    reason = f"{code} {description}".strip()
    if code == 429:
        return SendError(
            FailureKind.THROTTLED, reason, retry_after=QUOTA_WAIT, whole_bot=True, bounded=True
        )
    if code in (403, 408) or code >= 500:
        return SendError(FailureKind.TRANSIENT, reason)
    return SendError(FailureKind.INVALID, reason)


def _updates_in(result: Any) -> list[dict[str, Any]]:
    if isinstance(result, list):
        return [update for update in result if isinstance(update, dict)]
    return [result] if isinstance(result, dict) and result.get("event_name") else []


__all__ = ["WEBHOOK_PATH", "ZaloBotChannel", "bot_failure"]
