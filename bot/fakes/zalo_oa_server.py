"""A local Zalo Official Account: the OA message API, the OAuth token endpoint, and
signed webhook events, answered like the real services.

- POST /v3.0/oa/message/cs, header `access_token`: `{"error": 0, "message": "Success",
  "data": {"message_id", "user_id"}}`, or an error code: -216 unknown token, -220
  expired token, -201 bad text or buttons, -32 past `rate` calls a second (the app's
  call limit), -230 the resident has not written within 7 days (or never), plus
  failures scripted with `fail`. As on Zalo, a consultation message is free within
  48 hours of the resident's last message; from 48 hours to 7 days it is accepted but
  paid for: such messages are listed in `charged` (the adapter must never cause one).
- A message counts as a reply only when `recipient` carries the `message_id` of one of
  the resident's own messages; with `user_id` alone it is a proactive message, listed
  in `proactive` (Zalo OA help centre: "Nếu tin gửi đi có chỉ user_id và không có
  message_id thì tin sẽ được tính là tin chủ động").
- Success answers carry `data.quota` as documented for message/cs: `quota_type`
  ("reply" inside the 48-hour window, else "sub_quota"); `remain`/`total` only while
  `quota_remain` is set (Zalo stopped returning them after 1 March 2026).
- `misconfigure(code, message)`: every send answers an account-level error (app not
  allowed this API, OA not verified, Zalo Cloud Account out of money, …) until
  `misconfigure(None)`; `calls` counts the message API calls that reached the fake.
- `clock` (epoch seconds) is the fake's now: a test moves it with the adapter's.
- POST /v4/oa/access_token (form, header `secret_key`): refresh tokens are single-use,
  each refresh returns a new pair with `expires_in` as a string, like Zalo.
- `event(...)` builds a user_send_text event and `deliver(...)` posts it to the
  adapter's webhook with X-ZEvent-Signature = sha256(app_id + body + timestamp + OA key).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bot.fakes.window import SlidingWindow

APP_ID = "4291763606161179100"
APP_SECRET = "fake-app-secret-key"
OA_SECRET_KEY = "fake-oa-secret-key"
OA_ID = "3662729599332560487"
MAX_TEXT = 2000
MAX_BUTTONS = 5
FREE_WINDOW_S = 48 * 3600
WINDOW_S = 7 * 24 * 3600


@dataclass
class FakeZaloOAServer:
    app_id: str = APP_ID
    app_secret: str = APP_SECRET
    oa_secret_key: str = OA_SECRET_KEY
    expires_in: int = 90000
    sent: list[dict[str, Any]] = field(default_factory=list)
    charged: list[dict[str, Any]] = field(default_factory=list)
    proactive: list[dict[str, Any]] = field(default_factory=list)
    calls: int = 0
    quota_remain: int | None = None
    refreshes: int = 0
    rate: float = 20.0
    throttled: int = 0
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._window = SlidingWindow(round(self.rate), 1.0)
        self.access_tokens: dict[str, float] = {}  # token → expiry (epoch seconds)
        self.refresh_tokens: set[str] = set()
        self.last_interaction: dict[str, float] = {}  # user → epoch seconds
        self._failures: dict[str, tuple[int, str, int]] = {}
        self._account_error: tuple[int, str] | None = None
        self._messages_from: dict[str, str] = {}  # the residents' msg_id → user_id
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v3.0/oa/message/cs", self._send_cs)
        app.router.add_post("/v4/oa/access_token", self._access_token)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    # --- what tests script ---

    def issue_tokens(self, lifetime: float | None = None) -> tuple[str, str]:
        """A fresh (access, refresh) pair, as the OA admin's authorization gives."""
        number = next(self._ids)
        access, refresh = f"access-{number}", f"refresh-{number}"
        self.access_tokens[access] = self.clock() + (lifetime or self.expires_in)
        self.refresh_tokens.add(refresh)
        return access, refresh

    def expire(self, access_token: str) -> None:
        self.access_tokens[access_token] = 0.0

    def fail(self, user_id: str, code: int, message: str, times: int = 1) -> None:
        self._failures[user_id] = (code, message, times)

    def misconfigure(self, code: int | None, message: str = "") -> None:
        self._account_error = None if code is None else (code, message)

    def texts_to(self, user_id: str) -> list[str]:
        return [
            m["message"].get("text", "") for m in self.sent if m["recipient"]["user_id"] == user_id
        ]

    def event(self, user_id: str, text: str, **message: Any) -> dict[str, Any]:
        """A user_send_text event; the resident's message also opens Zalo's own window."""
        now = self.clock()
        self.last_interaction[user_id] = now
        msg_id = f"msg-{next(self._ids)}"
        self._messages_from[msg_id] = user_id
        return {
            "app_id": self.app_id,
            "user_id_by_app": f"app-{user_id}",
            "event_name": "user_send_text",
            "timestamp": str(int(now * 1000)),
            "sender": {"id": user_id},
            "recipient": {"id": OA_ID},
            "message": {"msg_id": msg_id, "text": text} | message,
        }

    def follow_event(self, user_id: str) -> dict[str, Any]:
        """A resident follows the OA: an interaction, as a message is."""
        now = self.clock()
        self.last_interaction[user_id] = now
        return {
            "app_id": self.app_id,
            "event_name": "follow",
            "timestamp": str(int(now * 1000)),
            "oa_id": OA_ID,
            "source": "testing_webhook",
            "follower": {"id": user_id},
        }

    def sign(self, raw_body: bytes, timestamp: str, secret: str | None = None) -> str:
        key = self.oa_secret_key if secret is None else secret
        signed = self.app_id.encode() + raw_body + timestamp.encode() + key.encode()
        return hashlib.sha256(signed).hexdigest()

    async def deliver(
        self, url: str, event: dict[str, Any], *, signature: str | None = None
    ) -> int:
        """Post a signed event to the adapter's webhook; the HTTP status."""
        raw = json.dumps(event, ensure_ascii=False).encode()
        mac = self.sign(raw, str(event.get("timestamp", ""))) if signature is None else signature
        headers = {"X-ZEvent-Signature": mac, "Content-Type": "application/json"}
        async with (
            aiohttp.ClientSession() as client,
            client.post(url, data=raw, headers=headers) as response,
        ):
            return response.status

    # --- the API ---

    async def _send_cs(self, request: web.Request) -> web.Response:
        self.calls += 1
        token_error = self._check_token(request.headers.get("access_token", ""))
        if token_error:
            return token_error
        if self._account_error is not None:
            return _error(*self._account_error)
        body = await request.json()
        recipient = body.get("recipient") or {}
        user_id = str(recipient.get("user_id") or "")
        replied_to = recipient.get("message_id")
        message = body.get("message") or {}
        problem = _message_problem(message) if user_id else "recipient.user_id is invalid"
        if replied_to is not None and self._messages_from.get(str(replied_to)) != user_id:
            problem = "recipient.message_id is invalid"
        if problem:
            return _error(-201, problem)
        if user_id in self._failures:
            return self._scripted_failure(user_id)
        if self._window.take(time.monotonic()):
            self.throttled += 1
            return _error(-32, "Your application reached limit call api")
        since = self.clock() - self.last_interaction.get(user_id, float("-inf"))
        if since > WINDOW_S:
            return _error(-230, "User has not interacted with the OA in the past 7 days")
        free = since <= FREE_WINDOW_S
        if not free:
            self.charged.append(body)
        if replied_to is None:
            self.proactive.append(body)
        self.sent.append(body)
        quota: dict[str, str] = {"quota_type": "reply" if free else "sub_quota"}
        if self.quota_remain is not None:
            self.quota_remain = max(self.quota_remain - 1, 0)
            quota |= {"remain": str(self.quota_remain), "total": "8"}
        data = {
            "message_id": f"oa-msg-{next(self._ids)}",
            "user_id": user_id,
            "sent_time": str(int(self.clock() * 1000)),
            "quota": quota,
        }
        return web.json_response({"error": 0, "message": "Success", "data": data})

    async def _access_token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if request.headers.get("secret_key") != self.app_secret:
            return web.json_response({"error": -14002, "error_name": "Invalid secret key"})
        if form.get("app_id") != self.app_id or form.get("grant_type") != "refresh_token":
            return web.json_response({"error": -14001, "error_name": "Invalid parameter"})
        refresh = str(form.get("refresh_token") or "")
        if refresh not in self.refresh_tokens:
            return web.json_response({"error": -14014, "error_name": "Invalid refresh token"})
        self.refresh_tokens.discard(refresh)  # single-use, as on Zalo
        self.refreshes += 1
        access, new_refresh = self.issue_tokens()
        return web.json_response(
            {
                "access_token": access,
                "refresh_token": new_refresh,
                "expires_in": str(self.expires_in),
            }
        )

    def _check_token(self, token: str) -> web.Response | None:
        if token not in self.access_tokens:
            return _error(-216, "Access token is invalid")
        if self.access_tokens[token] <= self.clock():
            return _error(-220, "access_token is expired or removed")
        return None

    def _scripted_failure(self, user_id: str) -> web.Response:
        code, message, times = self._failures[user_id]
        if times <= 1:
            del self._failures[user_id]
        else:
            self._failures[user_id] = (code, message, times - 1)
        return _error(code, message)


def _message_problem(message: dict[str, Any]) -> str | None:
    text = message.get("text")
    attachment = message.get("attachment")
    if text is None and attachment is None:
        return "message is invalid"
    if text is not None and not 1 <= len(text) <= MAX_TEXT:
        return "text is invalid"
    buttons = ((attachment or {}).get("payload") or {}).get("buttons")
    if buttons is not None and not 1 <= len(buttons) <= MAX_BUTTONS:
        return "buttons is invalid"
    return None


def _error(code: int, message: str) -> web.Response:
    # Zalo answers errors with HTTP 200 and the code in the body.
    return web.json_response({"error": code, "message": message})
