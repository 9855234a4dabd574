"""A local Telegram Bot API that enforces the flood limits, for tests and benchmarks.

Methods (POST or GET `/bot<token>/<method>`, JSON, form or multipart bodies, like
the real API): getMe, sendMessage, sendPhoto, editMessageText, answerCallbackQuery,
getUpdates (long poll over queued updates; 409 while a webhook is set), setWebhook,
deleteWebhook, getWebhookInfo, getChatAdministrators, pinChatMessage, setMyCommands,
deleteMessage. Unknown methods answer 404 like Telegram; a wrong token answers 401.

Limits (what Telegram documents): `rate` messages/s for the whole bot, counted in a sliding window (at most rate × `window_seconds` accepted in any
`window_seconds`, wherever the window starts; only sends with allow_paid_broadcast
count beyond 30/s); one message per `1/private_per_second` s to a
private chat (positive id); `group_per_minute` to a group (negative id). Past a limit
it answers 429 with `parameters.retry_after` and delivers nothing.

In a test:
    server = FakeTelegramServer(rate=1000)
    base_url = await server.start()          # TELEGRAM_API_BASE_URL, ends in /bot
    server.fail("123", "blocked")            # next send to chat 123 → 403
    server.push_text(123, "/start")          # an update for getUpdates
    ... server.delivered["123"], server.http_429, server.duplicates ...
    await server.stop()

Faults (`fail(chat_id, fault, times=1)`, or `random_faults={fault: probability}`):
blocked (403), kicked (403, groups), invalid (400 chat not found), server_error (500),
bad_gateway (502), timeout (hold the request `hang_seconds`, then 500), disconnect
(close the connection unanswered), migrate (400 with migrate_to_chat_id; later sends
to the old id keep failing so), throttle (429 for this chat, `retry_after` s).

As a process (benchmarks: the server gets its own core):
    python -m bot.fakes.telegram_server --port 0 --rate 30
prints its base URL on the first line; GET /_fake/stats gives the counters as JSON,
POST /_fake/reset clears them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.fakes.window import SlidingWindow, retry_after

TOKEN = "123456789:AAFakeTokenForLocalTestsOnly_abcdefgh"
BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Loa phường",
    "username": "LoaPhuongBot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
MAX_TEXT = 4096
MAX_CAPTION = 1024
SEND_METHODS = {"sendMessage", "sendPhoto"}
# Sends a second without allow_paid_broadcast (https://core.telegram.org/bots/faq).
FREE_RATE = 30
# A command of the menu (setMyCommands): 1-32 lowercase letters, digits, underscores.
COMMAND = re.compile(r"[a-z0-9_]{1,32}")
FAULTS = {
    "blocked": (403, "Forbidden: bot was blocked by the user"),
    "kicked": (403, "Forbidden: bot was kicked from the group chat"),
    "invalid": (400, "Bad Request: chat not found"),
    "server_error": (500, "Internal Server Error"),
    "bad_gateway": (502, "Bad Gateway"),
    "timeout": (500, "Internal Server Error: timed out"),
    "migrate": (400, "Bad Request: group chat was upgraded to a supergroup chat"),
    "throttle": (429, "Too Many Requests: retry after {retry_after}"),
    "disconnect": (0, ""),
}


@dataclass
class Fault:
    kind: str
    times: int
    retry_after: int = 1
    new_chat_id: int | None = None


class FakeTelegramServer:
    def __init__(
        self,
        *,
        token: str = TOKEN,
        rate: float = 30.0,
        window_seconds: float = 1.0,
        free_rate: float = FREE_RATE,
        private_per_second: float = 1.0,
        group_per_minute: float = 20.0,
        hang_seconds: float = 1.0,
        random_faults: dict[str, float] | None = None,
        seed: int | None = None,
    ) -> None:
        self.token = token
        self.rate = rate
        self.private_per_second = private_per_second
        self.group_per_minute = group_per_minute
        self.hang_seconds = hang_seconds
        self.random_faults = random_faults or {}
        self._random = random.Random(seed)
        self._bot_window = SlidingWindow(round(rate * window_seconds), window_seconds)
        # Above 30/s only sends marked allow_paid_broadcast pass (Telegram's paid broadcasts).
        self._free_window = SlidingWindow(
            round(min(rate, free_rate) * window_seconds), window_seconds
        )
        # A private chat's window holds one send: its time is all there is to keep.
        self._private_last: dict[str, float] = {}
        self._group_windows: dict[str, SlidingWindow] = {}
        self._faults: dict[str, Fault] = {}
        self._migrated: dict[str, int] = {}
        self._message_ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._updates: list[dict[str, Any]] = []
        self._new_update = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.admins: dict[str, list[int]] = {}
        # Groups where the bot has no right to pin.
        self.cannot_pin: set[str] = set()
        # answerCallbackQuery's error while set (real Telegram: presses older than ~15 min).
        self.stale_button_presses = False
        self.webhook: dict[str, Any] = {}
        # The menus the bot set with setMyCommands, by language_code ("" for everyone).
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.base_url = ""
        self.reset()

    def reset(self) -> None:
        """Forget every delivery and counter (limits and faults stay)."""
        self.calls: Counter[str] = Counter()
        self.delivered: dict[str, list[str]] = defaultdict(list)
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.pinned: list[tuple[str, int]] = []
        self.http_429 = 0
        # Which limit each 429 of the limits (not of `fail`) was for: bot, chat, unpaid.
        self.refused_by: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self.first_send = 0.0
        self.last_send = 0.0
        self.accepted = 0
        self.keep_payloads = True
        self._seen: Counter[tuple[str, int]] = Counter()

    # --- test helpers -------------------------------------------------------------

    def fail(
        self,
        chat_id: str | int,
        fault: str,
        *,
        times: int = 1,
        retry_after: int = 1,
        new_chat_id: int | None = None,
    ) -> None:
        """Make the next `times` sends to this chat fail with `fault` (see FAULTS)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {sorted(FAULTS)}")
        if fault == "migrate" and new_chat_id is None:
            new_chat_id = -(10**12) - abs(int(chat_id))
        self._faults[str(chat_id)] = Fault(fault, times, retry_after, new_chat_id)

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        self._new_update.set()
        return update

    def push_text(
        self, chat_id: int, text: str, *, user_id: int | None = None, chat_type: str = "private"
    ) -> dict[str, Any]:
        """Queue a message from a user, as getUpdates would hand it out."""
        user = {"id": user_id or chat_id, "is_bot": False, "first_name": "Cư dân"}
        return self.push_update(
            {
                "message": {
                    "message_id": next(self._message_ids),
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": chat_type},
                    "from": user,
                    "text": text,
                }
            }
        )

    def push_button(self, chat_id: int, data: str, *, user_id: int | None = None) -> None:
        user = {"id": user_id or chat_id, "is_bot": False, "first_name": "Cư dân"}
        self.push_update(
            {
                "callback_query": {
                    "id": str(next(self._message_ids)),
                    "from": user,
                    "chat_instance": "1",
                    "data": data,
                    "message": {
                        "message_id": 1,
                        "date": int(time.time()),
                        "chat": {"id": chat_id, "type": "private"},
                    },
                }
            }
        )

    @property
    def duplicates(self) -> int:
        """Deliveries of a text a chat had already received."""
        return sum(count - 1 for count in self._seen.values() if count > 1)

    @property
    def achieved_per_s(self) -> float:
        span = self.last_send - self.first_send
        return (self.accepted - 1) / span if self.accepted > 1 and span > 0 else 0.0

    def stats(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "chats": len(self.delivered),
            "http_429": self.http_429,
            "refused_by": dict(self.refused_by),
            "duplicates": self.duplicates,
            "achieved_per_s": self.achieved_per_s,
            "first_send": self.first_send,
            "last_send": self.last_send,
            "injected": dict(self.injected),
            "calls": dict(self.calls),
        }

    # --- lifecycle ----------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=60 * 1024**2)
        app.router.add_route("*", "/bot{token}/{method}", self._method)
        app.router.add_get("/_fake/stats", self._stats)
        app.router.add_post("/_fake/reset", self._reset)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve; returns the base URL to configure (…/bot)."""
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://{host}:{bound}/bot"
        return self.base_url

    async def stop(self) -> None:
        self._new_update.set()
        if self._runner:
            await self._runner.cleanup()

    # --- the API ------------------------------------------------------------------

    async def _method(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        self.calls[method] += 1
        params = await _params(request)
        if method in SEND_METHODS:
            return await self._send(request, method, params)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        return await handler(params)

    async def _send(
        self, request: web.Request, method: str, params: dict[str, Any]
    ) -> web.StreamResponse:
        chat_id = str(params.get("chat_id", ""))
        if not chat_id:
            return _error(400, "Bad Request: chat_id is empty")
        fault = self._fault_for(chat_id)
        if fault is not None:
            return await self._inject(request, chat_id, fault)
        now = time.monotonic()
        paid = _truthy(params.get("allow_paid_broadcast"))
        waits = {
            "bot": self._bot_window.wait(now),
            "chat": self._chat_wait(chat_id, now),
            "unpaid": 0.0 if paid else self._free_window.wait(now),
        }
        wait = max(waits.values())
        if wait:
            self.http_429 += 1
            self.refused_by[max(waits, key=waits.__getitem__)] += 1
            seconds = retry_after(wait)
            return _error(
                429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds}
            )
        text = str(params.get("text" if method == "sendMessage" else "caption", ""))
        limit = MAX_TEXT if method == "sendMessage" else MAX_CAPTION
        if method == "sendMessage" and not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(text) > limit:
            return _error(400, "Bad Request: message is too long")
        self._count_send(chat_id, now, paid=paid)
        self._record(chat_id, text, method, params, now)
        message = self._message(chat_id, text=text if method == "sendMessage" else None)
        if method == "sendPhoto":
            message["caption"] = text
            message["photo"] = [
                {"file_id": "photo-1", "file_unique_id": "p1", "width": 800, "height": 600}
            ]
        return _ok(message)

    def _record(
        self, chat_id: str, text: str, method: str, params: dict[str, Any], now: float
    ) -> None:
        self.accepted += 1
        self.first_send = self.first_send or now
        self.last_send = now
        self._seen[(chat_id, hash(text))] += 1
        if self.keep_payloads:
            self.delivered[chat_id].append(text)
            self.sent.append((method, params))
        else:
            self.delivered.setdefault(chat_id, [])

    def _chat_wait(self, chat_id: str, now: float) -> float:
        if not chat_id.startswith("-"):
            last = self._private_last.get(chat_id)
            return 0.0 if last is None else max(0.0, last + 1 / self.private_per_second - now)
        window = self._group_windows.get(chat_id)
        if window is None:
            window = self._group_windows[chat_id] = SlidingWindow(round(self.group_per_minute), 60)
        return window.wait(now)

    def _count_send(self, chat_id: str, now: float, *, paid: bool) -> None:
        self._bot_window.record(now)
        if not paid:
            self._free_window.record(now)
        if chat_id.startswith("-"):
            self._group_windows[chat_id].record(now)
        else:
            self._private_last[chat_id] = now

    def _fault_for(self, chat_id: str) -> Fault | None:
        if chat_id in self._migrated:
            return Fault("migrate", 1, new_chat_id=self._migrated[chat_id])
        fault = self._faults.get(chat_id)
        if fault is not None:
            fault.times -= 1
            if fault.times <= 0:
                del self._faults[chat_id]
            return fault
        for kind, probability in self.random_faults.items():
            if self._random.random() < probability:
                return Fault(kind, 1)
        return None

    async def _inject(self, request: web.Request, chat_id: str, fault: Fault) -> web.StreamResponse:
        self.injected[fault.kind] += 1
        status, description = FAULTS[fault.kind]
        if fault.kind == "disconnect":
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)
        if fault.kind == "timeout":
            await asyncio.sleep(self.hang_seconds)
        if fault.kind == "migrate":
            assert fault.new_chat_id is not None
            self._migrated[chat_id] = fault.new_chat_id
            return _error(status, description, {"migrate_to_chat_id": fault.new_chat_id})
        if fault.kind == "throttle":
            self.http_429 += 1
            return _error(
                status,
                description.format(retry_after=fault.retry_after),
                {"retry_after": fault.retry_after},
            )
        if fault.kind == "bad_gateway":
            return web.Response(status=502, text="<html>502 Bad Gateway</html>")
        return _error(status, description)

    def _message(self, chat_id: str, **fields: Any) -> dict[str, Any]:
        kind = "supergroup" if chat_id.startswith("-100") else "group"
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": int(chat_id), "type": "private" if chat_id[0] != "-" else kind},
            "from": BOT_USER,
        }
        message.update({key: value for key, value in fields.items() if value is not None})
        return message

    async def _api_getMe(self, _params: dict[str, Any]) -> web.Response:
        return _ok(BOT_USER)

    async def _api_getUpdates(self, params: dict[str, Any]) -> web.Response:
        if self.webhook.get("url"):
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._new_update.clear()
            timeout = float(params.get("timeout") or 0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        limit = int(params.get("limit") or 100)
        return _ok(self._updates[:limit])

    async def _api_setWebhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook = {"url": params.get("url", ""), "secret_token": params.get("secret_token")}
        return _ok(True, description="Webhook was set")

    async def _api_deleteWebhook(self, _params: dict[str, Any]) -> web.Response:
        self.webhook = {}
        return _ok(True, description="Webhook was deleted")

    async def _api_getWebhookInfo(self, _params: dict[str, Any]) -> web.Response:
        return _ok({"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                    "pending_update_count": len(self._updates)})  # fmt: skip

    async def _api_answerCallbackQuery(self, _params: dict[str, Any]) -> web.Response:
        if self.stale_button_presses:
            return _error(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        return _ok(True)

    async def _api_setMyCommands(self, params: dict[str, Any]) -> web.Response:
        commands = params.get("commands")
        commands = json.loads(commands) if isinstance(commands, str) else commands
        if not isinstance(commands, list) or len(commands) > 100:
            return _error(400, "Bad Request: can't parse commands JSON object")
        for entry in commands:
            name = str(entry.get("command", "")) if isinstance(entry, dict) else ""
            description = str(entry.get("description", "")) if isinstance(entry, dict) else ""
            if not COMMAND.fullmatch(name) or not 1 <= len(description) <= 256:
                return _error(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands[str(params.get("language_code") or "")] = commands
        return _ok(True)

    async def _api_deleteMessage(self, _params: dict[str, Any]) -> web.Response:
        return _ok(True)

    async def _api_pinChatMessage(self, params: dict[str, Any]) -> web.Response:
        if not params.get("message_id"):
            return _error(400, "Bad Request: message to pin not found")
        chat_id = str(params.get("chat_id", ""))
        if chat_id in self.cannot_pin:
            return _error(400, "Bad Request: not enough rights to manage pinned messages")
        self.pinned.append((chat_id, int(params["message_id"])))
        return _ok(True)

    async def _api_editMessageText(self, params: dict[str, Any]) -> web.Response:
        chat_id = str(params.get("chat_id", ""))
        message = self._message(chat_id, text=str(params.get("text", "")))
        message["message_id"] = int(params.get("message_id") or 0)
        message["edit_date"] = int(time.time())
        return _ok(message)

    async def _api_getChatAdministrators(self, params: dict[str, Any]) -> web.Response:
        ids = self.admins.get(str(params.get("chat_id", "")), [])
        members = [
            {
                "status": "creator" if index == 0 else "administrator",
                "user": {"id": user_id, "is_bot": False, "first_name": f"Admin {user_id}"},
                "is_anonymous": False,
                **({} if index == 0 else _ADMIN_RIGHTS),
            }
            for index, user_id in enumerate(ids)
        ]
        return _ok(members)

    async def _stats(self, _request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    async def _reset(self, _request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})


_ADMIN_RIGHTS = {
    name: True
    for name in [
        "can_be_edited",
        "can_manage_chat",
        "can_delete_messages",
        "can_manage_video_chats",
        "can_restrict_members",
        "can_promote_members",
        "can_change_info",
        "can_invite_users",
        "can_post_stories",
        "can_edit_stories",
        "can_delete_stories",
    ]
}


async def _params(request: web.Request) -> dict[str, Any]:
    """JSON body, form or multipart (PTB sends non-string values JSON-encoded), or query."""
    params: dict[str, Any] = dict(request.query)
    if not request.can_read_body:
        return params
    if request.content_type == "application/json":
        params.update(await request.json())
        return params
    form = await request.post()
    for key, value in form.items():
        params[key] = value if isinstance(value, str) else getattr(value, "filename", "")
    return params


def _truthy(value: object) -> bool:
    """A boolean parameter as JSON (true) or a form field ("true")."""
    return value is True or str(value).lower() == "true"


def _ok(result: Any, **extra: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result, **extra})


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


async def _serve(args: argparse.Namespace) -> None:
    server = FakeTelegramServer(
        rate=args.rate,
        window_seconds=args.window_seconds,
        private_per_second=args.private_per_second,
        group_per_minute=args.group_per_minute,
        random_faults=json.loads(args.faults) if args.faults else None,
        seed=args.seed,
    )
    server.keep_payloads = False
    print(await server.start(port=args.port), flush=True)
    await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API server")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--window-seconds", type=float, default=1.0)
    parser.add_argument("--private-per-second", type=float, default=1.0)
    parser.add_argument("--group-per-minute", type=float, default=20.0)
    parser.add_argument("--faults", default="", help='JSON, e.g. {"server_error": 0.01}')
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
