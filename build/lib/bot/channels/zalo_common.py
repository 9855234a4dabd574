"""What the two Zalo adapters share: plain-text rendering, typed button presses,
network failures, and the background tasks that answer webhooks.

Zalo shows no Markdown, so replies go out as plain text (bot.channels.markdown),
cut at Zalo's 2,000-character text limit on paragraph boundaries.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Coroutine
from typing import Any

import aiohttp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import Dispatch, FailureKind, SendError
from bot.channels.markdown import to_plain_text
from bot.core import Button, Reply
from bot.i18n import Gettext, translator
from bot.models.core import Subscriber

log = logging.getLogger(__name__)

# Both the Bot Platform (sendMessage) and the OA API (message.text) cap a text at 2,000.
MAX_TEXT = 2000
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=20)
NETWORK_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, ValueError)


def plain_text(reply: Reply) -> str:
    return to_plain_text(reply.text)


def numbered_buttons(buttons: list[Button], first: int, _: Gettext) -> str:
    """Buttons as a list the resident answers by number: "1. Đăng ký" …"""
    lines = [f"{number}. {button.text}" for number, button in enumerate(buttons, first)]
    return "\n".join([*lines, _("(Trả lời bằng số để chọn)")])


class ButtonMemory:
    """The buttons last shown in each chat, so that typing a number or a label presses one.

    Kept in memory: after a restart, an old list simply stops answering to numbers,
    like an expired Telegram button.
    """

    def __init__(self, max_chats: int = 10_000) -> None:
        self._chats: OrderedDict[str, tuple[list[Button], bool]] = OrderedDict()
        self._max_chats = max_chats

    def remember(self, chat_id: str, buttons: list[Button], *, numbered: bool) -> None:
        if not buttons:
            self._chats.pop(chat_id, None)
            return
        self._chats[chat_id] = (list(buttons), numbered)
        self._chats.move_to_end(chat_id)
        while len(self._chats) > self._max_chats:
            self._chats.popitem(last=False)

    def shown(self, chat_id: str) -> list[Button]:
        return self._chats.get(chat_id, ([], False))[0]

    def press(self, chat_id: str, text: str) -> str | None:
        """The data of the button this text chooses, if any."""
        buttons, numbered = self._chats.get(chat_id, ([], False))
        answer = text.strip().rstrip(".").casefold()
        if numbered and answer.isdigit() and 1 <= int(answer) <= len(buttons):
            return buttons[int(answer) - 1].data
        # Labels repeat across replies ("Hủy"); the latest one is the one meant.
        for button in reversed(buttons):
            if button.text.strip().casefold() == answer:
                return button.data
        return None


class BackgroundTasks:
    """Webhook work done after answering 200: references kept, errors logged, cancelled at stop."""

    def __init__(self, owner: str) -> None:
        self._owner = owner
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s: background work failed: %r", self._owner, task.exception())

    async def drain(self) -> None:
        """Wait until the work started so far is done (tests, orderly shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        self._tasks.clear()


class ZaloHttp:
    """The one HTTP session of a Zalo adapter: JSON answers, failures as SendError."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def open(self) -> None:
        self._session = aiohttp.ClientSession(timeout=HTTP_TIMEOUT)

    async def close(self) -> None:
        if self._session:
            await self._session.close()
            self._session = None

    async def post(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        **body: Any,
    ) -> dict[str, Any]:
        """POST `json=` or `data=`; the answer's JSON object. `timeout` for long polls."""
        if self._session is None:
            raise SendError(FailureKind.TRANSIENT, "channel not started")
        if timeout:
            body["timeout"] = aiohttp.ClientTimeout(total=timeout)
        try:
            async with self._session.post(url, headers=headers, **body) as response:
                failure = http_failure(response.status)
                if failure is not None:
                    raise failure
                return await read_json(response)
        except NETWORK_ERRORS as exc:
            raise network_failure(exc) from exc


class ZaloLifecycle:
    """What both Zalo adapters own between start and stop: the HTTP session, one
    long-running task (polling, token upkeep), and webhook work done in the background."""

    def __init__(self, name: str) -> None:
        self.http = ZaloHttp()
        self.buttons = ButtonMemory()
        self._dispatch: Dispatch | None = None
        self._work = BackgroundTasks(name)
        self._background: asyncio.Task[None] | None = None
        self._name = name

    def _begin(self, dispatch: Dispatch) -> None:
        self._dispatch = dispatch
        self.http.open()

    def _run_in_background(self, work: Coroutine[Any, Any, None], what: str) -> None:
        self._background = asyncio.create_task(work, name=f"{self._name}.{what}")

    async def stop(self) -> None:
        if self._background:
            self._background.cancel()
            await asyncio.gather(self._background, return_exceptions=True)
            self._background = None
        await self._work.cancel()
        await self._before_closing()
        await self.http.close()
        self._dispatch = None

    async def _before_closing(self) -> None:
        """Work that still needs the HTTP session once the rest has stopped."""

    async def drain(self) -> None:
        """Finish the webhook work already started (tests, orderly shutdown)."""
        await self._work.drain()


async def chat_translator(
    sessions: async_sessionmaker[AsyncSession] | None, channel: str, chat_id: str
) -> Gettext:
    """The gettext of the language this chat chose (/chude), Vietnamese by default."""
    if sessions is None:
        return translator(None)
    async with sessions() as session:
        language = await session.scalar(
            select(Subscriber.language).where(
                Subscriber.channel == channel, Subscriber.chat_id == chat_id
            )
        )
    return translator(language)


def network_failure(exc: BaseException) -> SendError:
    # Only the exception's type: aiohttp messages carry the URL, and the bot token is in it.
    return SendError(FailureKind.TRANSIENT, f"network: {type(exc).__name__}")


def http_failure(status: int) -> SendError | None:
    """The failure an HTTP status means by itself, before the JSON body is read."""
    if status == 429:
        return SendError(FailureKind.THROTTLED, "HTTP 429", retry_after=1.0)
    if status >= 500:
        return SendError(FailureKind.TRANSIENT, f"HTTP {status}")
    return None


async def read_json(response: aiohttp.ClientResponse) -> dict[str, Any]:
    data = await response.json(content_type=None)
    if not isinstance(data, dict):
        raise ValueError("JSON object expected")
    return data
