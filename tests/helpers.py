"""Drive dialogues the way a channel adapter would (feed Incoming, read Replies), and the CLI."""

from __future__ import annotations

import asyncio
import inspect
import io
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest

from bot.cli import main
from bot.config import get_settings
from bot.core import ChatKind, Incoming, Reply
from bot.routing import Dispatcher

CliRun = Callable[..., tuple[int, str, str]]


@dataclass
class ChatDriver:
    """One person chatting on one channel; `send` text, `press` buttons."""

    dispatcher: Dispatcher
    user_id: str = "resident-1"
    channel: str = "web"
    chat_id: str | None = None
    chat_kind: ChatKind = ChatKind.PRIVATE
    locale: str | None = None
    last: list[Reply] = field(default_factory=list)

    def _incoming(self, **fields: object) -> Incoming:
        return Incoming(
            channel=self.channel,
            chat_id=self.chat_id or self.user_id,
            user_id=self.user_id,
            chat_kind=self.chat_kind,
            locale=self.locale,
            **fields,  # type: ignore[arg-type]
        )

    async def send(self, text: str | None, **fields: object) -> list[Reply]:
        self.last = await self.dispatcher.dispatch(self._incoming(text=text, **fields))
        return self.last

    async def press(self, data: str) -> list[Reply]:
        self.last = await self.dispatcher.dispatch(self._incoming(button=data))
        return self.last

    async def event(self, name: str) -> list[Reply]:
        self.last = await self.dispatcher.dispatch(self._incoming(event=name))
        return self.last

    @property
    def text(self) -> str:
        """All texts of the last answer, joined."""
        return "\n".join(reply.text for reply in self.last)

    @property
    def buttons(self) -> dict[str, str]:
        """Button label → data, of the last answer."""
        return {b.text: b.data for reply in self.last for b in reply.buttons}

    def button_data(self, containing: str) -> str:
        """The data of the one button whose label contains `containing`."""
        matches = [data for label, data in self.buttons.items() if containing in label]
        assert len(matches) == 1, f"{containing!r} matches {matches} among {list(self.buttons)}"
        return matches[0]


def cli_runner(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_url: str
) -> CliRun:
    """`run("screening", "session", "list")` → (exit code, stdout, stderr) on `db_url`;
    `stdin=` is what the command reads (e.g. a password)."""
    monkeypatch.setenv("DATABASE_URL", db_url)

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        # The CLI starts its own event loop, so it runs on a thread of its own: callable
        # from async tests (whose loop is running) as well as from plain ones.
        get_settings.cache_clear()
        with ThreadPoolExecutor(max_workers=1) as pool:
            code = pool.submit(main, list(argv)).result()
        get_settings.cache_clear()
        out, err = capsys.readouterr()
        return code, out, err

    return run


async def eventually(
    condition: Callable[[], object], what: str = "the awaited result", timeout: float = 15
) -> None:
    """Poll `condition()` (a function or a coroutine function) until it is true: a generous
    deadline, never a fixed sleep (a busy machine may take seconds for what a quiet one does
    in milliseconds)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        assert time.monotonic() < deadline, f"not in time: {what}"
        await asyncio.sleep(0.02)
