"""A local Zalo Bot Platform: the methods the adapter uses, answered like the real API.

`POST /bot<token>/<method>` with a JSON body → `{"ok": true, "result": …}` or
`{"ok": false, "error_code": …, "description": …}`. getUpdates long-polls and hands
out one update per call (408 when none came in time), refuses while a webhook is set;
setWebhook checks the 8–256-character secret; sends check the 2,000-character limit
of a text or a caption. More than `rate` sends in any second (a sliding window) are
refused with HTTP 429 and error_code 429 ("quota exceeded"), nothing delivered: Zalo
documents no figure and no retry_after. Its 403 is an internal server error.
Tests queue updates with `push_text`, script failures with `fail`, and in webhook mode
`deliver` posts an update to the registered URL with the secret header, as Zalo does.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bot.fakes.window import SlidingWindow

TOKEN = "1459232241454765289:fake-zalo-bot-token"
MAX_TEXT = 2000


@dataclass
class Failure:
    status: int
    error_code: int
    description: str
    times: int = 1


@dataclass
class FakeZaloBotServer:
    token: str = TOKEN
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    webhook_url: str = ""
    webhook_secret: str = ""
    calls: dict[str, int] = field(default_factory=dict)
    rate: float = 30.0
    http_429: int = 0

    def __post_init__(self) -> None:
        self._window = SlidingWindow(round(self.rate), 1.0)
        self._updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._failures: dict[str, Failure] = {}
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self.base_url = ""

    async def start(self) -> str:
        """Serve on a free local port; returns the base URL to configure (…/bot)."""
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._method)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/bot"
        return self.base_url

    async def stop(self) -> None:
        self._closing.set()  # long polls end now, not at their timeout
        if self._runner:
            await self._runner.cleanup()

    # --- what tests script ---

    def push_text(self, text: str, chat_id: str = "u-1", **message: Any) -> dict[str, Any]:
        update = self.text_update(text, chat_id, **message)
        self._updates.put_nowait(update)
        return update

    def text_update(
        self,
        text: str,
        chat_id: str = "u-1",
        *,
        user_id: str | None = None,
        chat_type: str = "PRIVATE",
        event_name: str = "message.text.received",
        **extra: Any,
    ) -> dict[str, Any]:
        message = {
            "message_id": f"m{next(self._ids)}",
            "date": int(time.time() * 1000),
            "text": text,
            "from": {"id": user_id or chat_id, "display_name": "Người dân"},
            "chat": {"id": chat_id, "chat_type": chat_type},
        } | extra
        return {"event_name": event_name, "message": message}

    def fail(
        self, chat_id: str, status: int, error_code: int, description: str, times: int = 1
    ) -> None:
        """The next `times` sends to this chat fail with this error."""
        self._failures[chat_id] = Failure(status, error_code, description, times)

    def texts_to(self, chat_id: str) -> list[str]:
        return [
            p.get("text") or p.get("caption", "") for _m, p in self.sent if p["chat_id"] == chat_id
        ]

    async def deliver(self, update: dict[str, Any], secret: str | None = None) -> int:
        """Post an update to the registered webhook, as Zalo does; the HTTP status."""
        headers = {"X-Bot-Api-Secret-Token": self.webhook_secret if secret is None else secret}
        async with (
            aiohttp.ClientSession() as client,
            client.post(self.webhook_url, json=update, headers=headers) as response,
        ):
            return response.status

    # --- the API ---

    async def _method(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls[method] = self.calls.get(method, 0) + 1
        if request.match_info["token"] != self.token:
            return _error(401, 401, "Unauthorized")
        try:
            payload = await request.json() if request.can_read_body else {}
        except ValueError:
            return _error(400, 400, "Bad Request: invalid JSON")
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return _error(404, 404, "Not Found: method not found")
        return await handler(payload or {})

    async def _getMe(self, _payload: dict[str, Any]) -> web.Response:
        return _ok(
            {
                "id": self.token.split(":")[0],
                "account_name": "bot.LoaPhuong",
                "account_type": "BASIC",
                "can_join_groups": True,
            }
        )

    async def _getUpdates(self, payload: dict[str, Any]) -> web.Response:
        if self.webhook_url:
            return _error(409, 409, "Conflict: webhook is active, use deleteWebhook first")
        timeout = float(payload.get("timeout") or 30)
        waiting = asyncio.ensure_future(self._updates.get())
        closing = asyncio.ensure_future(self._closing.wait())
        await asyncio.wait({waiting, closing}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        closing.cancel()
        if not waiting.done():
            waiting.cancel()
            return _error(408, 408, "Request timeout")
        return _ok(waiting.result())

    async def _setWebhook(self, payload: dict[str, Any]) -> web.Response:
        url, secret = str(payload.get("url") or ""), str(payload.get("secret_token") or "")
        if not url or not 8 <= len(secret) <= 256:
            return _error(400, 400, "Bad Request: url and secret_token (8-256 chars) required")
        self.webhook_url, self.webhook_secret = url, secret
        return _ok({"url": url, "updated_at": int(time.time() * 1000)})

    async def _deleteWebhook(self, _payload: dict[str, Any]) -> web.Response:
        self.webhook_url = self.webhook_secret = ""
        return _ok({"url": "", "updated_at": int(time.time() * 1000)})

    async def _sendMessage(self, payload: dict[str, Any]) -> web.Response:
        text = payload.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT:
            return _error(400, 400, "Bad Request: text must be 1-2000 characters")
        return self._sent("sendMessage", payload)

    async def _sendPhoto(self, payload: dict[str, Any]) -> web.Response:
        caption = payload.get("caption")
        if not payload.get("photo") or (caption is not None and len(caption) > MAX_TEXT):
            return _error(400, 400, "Bad Request: photo required, caption up to 2000")
        return self._sent("sendPhoto", payload)

    def _sent(self, method: str, payload: dict[str, Any]) -> web.Response:
        chat_id = str(payload.get("chat_id") or "")
        if not chat_id:
            return _error(400, 400, "Bad Request: chat_id required")
        failure = self._failures.get(chat_id)
        if failure is not None:
            failure.times -= 1
            if failure.times <= 0:
                del self._failures[chat_id]
            return _error(failure.status, failure.error_code, failure.description)
        if self._window.take(time.monotonic()):
            self.http_429 += 1
            return _error(429, 429, "Quota exceeded")
        self.sent.append((method, payload))
        return _ok({"message_id": f"s{next(self._ids)}", "date": int(time.time() * 1000)})


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, code: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": code, "description": description}, status=status
    )
