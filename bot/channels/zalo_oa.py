"""Zalo Official Account adapter, over aiohttp.

Receives webhook events at /zalo/oa/webhook, accepted only with a valid
X-ZEvent-Signature; answers through the OA API's consultation messages; keeps the
access token fresh with the refresh token and stores both (KeyValue), since Zalo's
refresh tokens are single-use and a restart must continue the chain.

The consultation window: a reply is free only within 48 hours of the resident's last
message, and only FREE_REPLIES of them per window. Sends outside it raise
SendError(OUTSIDE_WINDOW, reason) — never retried; staff get a forward kit instead.

API as checked against Zalo's docs (developers.zalo.me, mirrored in public SDKs,
integration guides and gateway docs), and what is assumed:
- verified: signature = sha256_hex(app_id + raw body + body["timestamp"] + OA secret
  key), in X-ZEvent-Signature (a "mac=" prefix seen in some integrations is accepted);
  the OA secret key is not the app secret. Events: `{"app_id", "event_name":
  "user_send_text" | "user_send_image" | … | "follow" | "unfollow", "sender": {"id"},
  "recipient": {"id"}, "message": {"msg_id", "text", "attachments": [{"type",
  "payload": {"url"}}]}, "timestamp": "<ms>"}`. Sending: POST
  {api}/v3.0/oa/message/cs, header `access_token`, body `{"recipient": {"user_id"},
  "message": {"text" (≤ 2,000), "attachment": {"type": "template", "payload":
  {"buttons": [{"title", "type": "oa.query.show", "payload"}]} | {"template_type":
  "media", "elements": [{"media_type": "image", "url"}]}}}}`; answer `{"error": 0,
  "message", "data": {"message_id"}}`. Token refresh: POST {oauth}/v4/oa/access_token,
  form app_id, grant_type=refresh_token, refresh_token, header `secret_key` = the APP
  secret; answer access_token, refresh_token (new, single-use), expires_in (seconds,
  often a string; 90000). Error codes: -32 rate limit, -211 out of quota, -213 not
  following, -216/-220 access token invalid/expired, -227 user inactive, -230/-232 no
  interaction within the window, -244 user restricted this message type.
- assumed: 8 free replies per 48 h window (a Zalo quota figure seen in gateway docs;
  a constructor argument); at most 5 buttons per message and 100 characters per title
  (more buttons fall back to a numbered list); a pressed oa.query.show button arrives
  as user_send_text carrying its payload, which is the label, so the label maps back
  to the button; -32 waits 60 s; "follow" opens no window and starts no dialogue.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import Dispatch, FailureKind, SendError, Sent
from bot.channels.zalo_common import (
    MAX_TEXT,
    ZaloLifecycle,
    chat_translator,
    numbered_buttons,
    plain_text,
)
from bot.config import Settings
from bot.core import Button, Incoming, Reply
from bot.i18n import Gettext
from bot.models.core import KeyValue
from bot.models.types import utcnow
from bot.models.zalo import ZaloOAWindow
from bot.outbox.split import split_text
from bot.web.safe_json import BadJson, json_object, read_body

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/zalo/oa/webhook"
SIGNATURE_HEADER = "X-ZEvent-Signature"
# A follower arrives (welcomed, as /start would) or leaves (as if they blocked the bot).
FOLLOW_EVENTS = {"follow": "follow", "unfollow": "bot_blocked"}
# Events that open the resident's free window: their messages, and following the OA.
WINDOW_OPENERS = ("user_send_", "follow")
# Events older than this are not acted on (replays; resends long after the fact).
MAX_EVENT_AGE_S = 300
TIMESTAMP = re.compile(rb'"timestamp"\s*:\s*"?(\d{1,15})"?')
MESSAGE_PATH = "/v3.0/oa/message/cs"
TOKEN_PATH = "/v4/oa/access_token"
TOKENS_KEY = "zalo_oa.tokens"
FREE_WINDOW = timedelta(hours=48)
FREE_REPLIES = 8
MAX_BUTTONS = 5
MAX_BUTTON_TITLE = 100
REFRESH_MARGIN = timedelta(hours=1)
# Seconds between tries to store refreshed tokens, and before token upkeep tries again.
STORE_RETRY_DELAYS = (0.5, 2.0, 5.0)
UPKEEP_RETRY_S = 60.0
TOKEN_ERRORS = {-216, -220}

Clock = Callable[[], datetime]


def enabled(settings: Settings) -> bool:
    return bool(
        settings.zalo_oa_app_id
        and settings.zalo_oa_secret_key
        and (settings.zalo_oa_access_token or settings.zalo_oa_refresh_token)
    )


def signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    signed = app_id.encode() + raw_body + timestamp.encode() + oa_secret_key.encode()
    return hashlib.sha256(signed).hexdigest()


def signature_valid(
    given: str, *, app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str
) -> bool:
    given = given.strip().removeprefix("mac=").lower()
    expected = signature(app_id, raw_body, timestamp, oa_secret_key)
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


# --- tokens ---------------------------------------------------------------------------


class TokenError(Exception):
    """The access token could not be refreshed (the reason names no secret)."""


@dataclass
class OATokens:
    access_token: str
    refresh_token: str
    # None: unknown (tokens from the settings), so refreshed at first use.
    expires_at: datetime | None
    # Which configured refresh token started this chain; a new one in the settings wins.
    seed: str

    def due(self, now: datetime) -> bool:
        return self.expires_at is None or now >= self.expires_at - REFRESH_MARGIN

    def to_json(self) -> str:
        expires = self.expires_at.isoformat() if self.expires_at else None
        return json.dumps(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_at": expires,
                "seed": self.seed,
            }
        )

    @classmethod
    def from_json(cls, value: str) -> OATokens:
        data = json.loads(value)
        expires = data.get("expires_at")
        return cls(
            data["access_token"],
            data["refresh_token"],
            datetime.fromisoformat(expires) if expires else None,
            data.get("seed", ""),
        )


PostForm = Callable[[str, dict[str, str], dict[str, str]], Awaitable[dict[str, Any]]]


class TokenKeeper:
    """The OA access token: refreshed before expiry, once at a time, stored after each refresh."""

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        oauth_base_url: str,
        access_token: str,
        refresh_token: str,
        sessions: async_sessionmaker[AsyncSession],
        post_form: PostForm,
        clock: Clock = utcnow,
    ) -> None:
        self._app_id = app_id
        self._app_secret = app_secret
        self._url = oauth_base_url.rstrip("/") + TOKEN_PATH
        self._sessions = sessions
        self._post_form = post_form
        self._clock = clock
        seed = hashlib.sha256(refresh_token.encode()).hexdigest()[:16]
        self.tokens = OATokens(access_token, refresh_token, None, seed)
        self._lock = asyncio.Lock()
        self._renewal: asyncio.Task[None] | None = None
        # New tokens the database has not taken yet: they, not the stored ones, are current.
        self._unsaved = False

    async def load(self) -> None:
        stored = await self._stored()
        if stored is not None and stored.seed == self.tokens.seed:
            self.tokens = stored

    async def access_token(self) -> str:
        if self.tokens.due(self._clock()):
            try:
                await self.refresh()
            except TokenError as exc:
                # The old token may still work; the API says so if not.
                log.warning("zalo_oa: token refresh failed: %s", exc)
        return self.tokens.access_token

    async def expire(self, rejected_token: str) -> None:
        """The API refused this token: refresh at next use (unless already replaced)."""
        if self.tokens.access_token == rejected_token:
            self.tokens.expires_at = datetime.fromtimestamp(0, UTC)

    async def refresh(self) -> None:
        async with self._lock:
            await self.settle()
            if not self.tokens.due(self._clock()):
                return  # another caller refreshed while this one waited
            if await self._adopt_stored():
                return
            if not self._app_secret or not self.tokens.refresh_token:
                raise TokenError("no app secret or refresh token configured")
            self._renewal = asyncio.create_task(self._renew())
            await asyncio.shield(self._renewal)

    async def settle(self) -> None:
        """Let a refresh in flight store its tokens (before shutdown)."""
        if self._renewal is not None and not self._renewal.done():
            await asyncio.gather(self._renewal, return_exceptions=True)

    async def _renew(self) -> None:
        # Refresh tokens are single-use: once Zalo answered, only the new pair works. It is
        # kept in memory at once, then stored (retried), even if the caller is cancelled:
        # otherwise the chain is lost until an admin authorizes the OA again.
        self.tokens = await self._request_new_tokens()
        self._unsaved = True
        log.info("zalo_oa: access token refreshed, valid until %s", self.tokens.expires_at)
        await self._save()

    async def _save(self) -> None:
        """Store the tokens in memory, a few times over if the database is busy."""
        for attempt, delay in enumerate((*STORE_RETRY_DELAYS, None), start=1):
            try:
                await self._store(self.tokens)
            except Exception as exc:
                if delay is None:
                    log.error("zalo_oa: refreshed tokens still not stored (%r)", exc)
                    return  # kept in memory; keep_fresh tries again
                log.warning("zalo_oa: storing refreshed tokens failed (try %d)", attempt)
                await asyncio.sleep(delay)
            else:
                self._unsaved = False
                return

    async def keep_fresh(self) -> None:
        """Refresh ahead of expiry even when nothing is sent (refresh tokens lapse too);
        an error is logged and tried again later, never the end of the refresher."""
        while True:
            try:
                if self._unsaved:
                    await self._save()
                await self.access_token()
                pause = self._seconds_until_due()
            except Exception:
                log.exception("zalo_oa: token upkeep failed, trying again later")
                pause = UPKEEP_RETRY_S
            await asyncio.sleep(pause)

    def _seconds_until_due(self) -> float:
        if self.tokens.expires_at is None:
            return 300.0
        due = self.tokens.expires_at - REFRESH_MARGIN - self._clock()
        return min(max(due.total_seconds(), 60.0), 6 * 3600.0)

    async def _adopt_stored(self) -> bool:
        # With several instances, another one may have used the refresh token already.
        if self._unsaved:
            return False  # what is stored is older than what this instance holds
        stored = await self._stored()
        if (
            stored is None
            or stored.seed != self.tokens.seed
            or stored.access_token == self.tokens.access_token
            or stored.due(self._clock())
        ):
            return False
        self.tokens = stored
        return True

    async def _request_new_tokens(self) -> OATokens:
        form = {
            "app_id": self._app_id,
            "grant_type": "refresh_token",
            "refresh_token": self.tokens.refresh_token,
        }
        try:
            data = await self._post_form(self._url, form, {"secret_key": self._app_secret})
        except SendError as exc:
            raise TokenError(exc.reason) from exc
        if not data.get("access_token") or not data.get("refresh_token"):
            code = data.get("error", "?")
            raise TokenError(f"error {code}: {data.get('error_name') or data.get('message', '')}")
        lifetime = timedelta(seconds=int(data.get("expires_in") or 90000))
        return OATokens(
            str(data["access_token"]),
            str(data["refresh_token"]),
            self._clock() + lifetime,
            self.tokens.seed,
        )

    async def _stored(self) -> OATokens | None:
        async with self._sessions() as session:
            row = await session.get(KeyValue, TOKENS_KEY)
            if row is None:
                return None
            try:
                return OATokens.from_json(row.value)
            except (ValueError, KeyError):
                log.warning("zalo_oa: stored tokens unreadable, using the configured ones")
                return None

    async def _store(self, tokens: OATokens) -> None:
        async with self._sessions() as session, session.begin():
            await session.merge(
                KeyValue(key=TOKENS_KEY, value=tokens.to_json(), updated_at=utcnow())
            )


# --- the consultation window -----------------------------------------------------------


async def open_window(session: AsyncSession, user_id: str, at: datetime) -> None:
    """The resident wrote: a new free window starts, with a fresh reply count."""
    await session.merge(ZaloOAWindow(user_id=user_id, last_inbound_at=at, replies_sent=0))


async def claim_reply(
    session: AsyncSession, user_id: str, now: datetime, window: timedelta, quota: int
) -> str | None:
    """Count one reply against the window; the reason it is refused, or None."""
    claimed = await session.execute(
        update(ZaloOAWindow)
        .where(
            ZaloOAWindow.user_id == user_id,
            ZaloOAWindow.last_inbound_at >= now - window,
            ZaloOAWindow.replies_sent < quota,
        )
        .values(replies_sent=ZaloOAWindow.replies_sent + 1)
    )
    if claimed.rowcount == 1:  # type: ignore[attr-defined]
        return None
    row = await session.scalar(select(ZaloOAWindow).where(ZaloOAWindow.user_id == user_id))
    hours = int(window.total_seconds() // 3600)
    if row is None:
        return "the resident has never written to the OA"
    if row.last_inbound_at < now - window:
        return f"no message from the resident in the last {hours} h"
    return f"all {quota} free replies of this {hours} h window used"


async def release_reply(session: AsyncSession, user_id: str) -> None:
    await session.execute(
        update(ZaloOAWindow)
        .where(ZaloOAWindow.user_id == user_id, ZaloOAWindow.replies_sent > 0)
        .values(replies_sent=ZaloOAWindow.replies_sent - 1)
    )


# --- the channel -----------------------------------------------------------------------


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
        timestamp = _timestamp_in(raw)
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
            async with self._sessions() as session, session.begin():
                await open_window(session, incoming.user_id, self._clock())
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
        photo = _image_url(message) if name == "user_send_image" else None
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
            update_key=_event_key(source),
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
        async with self._sessions() as session, session.begin():
            refused = await claim_reply(
                session, user_id, self._clock(), self._window, self._free_replies
            )
        if refused:
            raise SendError(FailureKind.OUTSIDE_WINDOW, refused)
        try:
            return await self._send_message(user_id, message)
        except SendError:
            async with self._sessions() as session, session.begin():
                await release_reply(session, user_id)
            raise

    async def _send_message(self, user_id: str, message: dict[str, Any]) -> str:
        body = {"recipient": {"user_id": user_id}, "message": message}
        for first_try in (True, False):
            token = await self.tokens.access_token()
            data = await self.http.post(
                self._message_url, headers={"access_token": token}, json=body
            )
            code = int(data.get("error") or 0)
            if code == 0:
                return str((data.get("data") or {}).get("message_id", ""))
            if code in TOKEN_ERRORS and first_try:
                await self.tokens.expire(token)
                continue
            raise oa_failure(code, str(data.get("message") or ""))
        raise AssertionError("unreachable")

    async def _post_form(
        self, url: str, form: dict[str, str], headers: dict[str, str]
    ) -> dict[str, Any]:
        return await self.http.post(url, headers=headers, data=form)


def oa_messages(reply: Reply, first_number: int, _: Gettext) -> tuple[list[dict[str, Any]], bool]:
    """A reply as OA message bodies: photo first, then the text, buttons on the last piece.

    Up to MAX_BUTTONS become real buttons; more are listed by number in the text.
    """
    native = 0 < len(reply.buttons) <= MAX_BUTTONS
    text = plain_text(reply)
    if reply.buttons and not native:
        listing = numbered_buttons(reply.buttons, first_number, _)
        text = f"{text}\n\n{listing}" if text else listing
    messages: list[dict[str, Any]] = []
    if reply.photo:
        media = {"media_type": "image", "url": reply.photo}
        messages.append(_template({"template_type": "media", "elements": [media]}))
    messages.extend({"text": piece} for piece in split_text(text, MAX_TEXT))
    if native:
        buttons = {"buttons": [_query_button(button) for button in reply.buttons]}
        if messages and "text" in messages[-1]:
            messages[-1] |= _template(buttons)
        else:
            messages.append(_template(buttons))
    return messages, bool(reply.buttons) and not native


def _template(payload: dict[str, Any]) -> dict[str, Any]:
    return {"attachment": {"type": "template", "payload": payload}}


def _query_button(button: Button) -> dict[str, str]:
    # The label comes back as the resident's message; ButtonMemory maps it to the data.
    title = button.text[:MAX_BUTTON_TITLE]
    return {"title": title, "type": "oa.query.show", "payload": title}


OUTSIDE_WINDOW_CODES = {-211, -218, -230, -232}
BLOCKED_CODES = {-213, -217, -227, -244}


def oa_failure(code: int, message: str) -> SendError:
    """An OA API error as the outbox understands it."""
    reason = f"{code} {message}".strip()
    if code in OUTSIDE_WINDOW_CODES:
        return SendError(FailureKind.OUTSIDE_WINDOW, reason)
    if code in BLOCKED_CODES:
        return SendError(FailureKind.BLOCKED, reason)
    if code == -32:
        # The app's own call limit (per minute), not one resident's.
        return SendError(FailureKind.THROTTLED, reason, retry_after=60.0, whole_bot=True)
    if code in TOKEN_ERRORS or code == -200:
        return SendError(FailureKind.TRANSIENT, reason)
    return SendError(FailureKind.INVALID, reason)


def _event_key(event: dict[str, Any]) -> str:
    """What tells a resent event from a new one (Zalo resends what it thinks was lost):
    a message's msg_id; an event without one (unfollow) by its name, sender and time,
    hashed, so the table of handled updates holds no one's id."""
    message_id = (event.get("message") or {}).get("msg_id")
    if message_id:
        return str(message_id)
    who = (event.get("follower") or event.get("sender") or {}).get("id")
    seen = f"{event.get('event_name')}:{who}:{event.get('timestamp')}"
    return hashlib.sha256(seen.encode()).hexdigest()


def _image_url(message: dict[str, Any]) -> str | None:
    for attachment in message.get("attachments") or []:
        url = (attachment.get("payload") or {}).get("url")
        if url:
            return str(url)
    return None


def _timestamp_in(raw: bytes) -> str:
    """The event's "timestamp" (epoch ms, signed with the body), read without parsing
    the body; "" when there is none."""
    found = TIMESTAMP.search(raw)
    return found.group(1).decode() if found else ""


__all__ = [
    "WEBHOOK_PATH",
    "ZaloOAChannel",
    "enabled",
    "oa_failure",
    "signature",
    "signature_valid",
]
