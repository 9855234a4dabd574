"""The one interface every channel adapter implements.

An adapter does two things and nothing else:
- turns platform updates into `Incoming` and hands them to `dispatch`, then
  renders the returned `Reply` list in the platform's own form;
- sends one `Reply` to one chat for the outbox (`send`), reporting failures as
  a `SendError` whose `kind` the outbox knows how to handle.

Handlers never import an adapter; adapters never decide what to say.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from aiohttp import web

from bot.core import Incoming, Reply

Dispatch = Callable[[Incoming], Awaitable[list[Reply]]]


class FailureKind(StrEnum):
    """What went wrong, in terms the outbox acts on."""

    THROTTLED = "throttled"  # 429: wait retry_after (whole bot or this chat), then retry
    BLOCKED = "blocked"  # 403 blocked/kicked/deactivated: recipient inactive, no retry
    MIGRATED = "migrated"  # group became a supergroup: store new_chat_id, resend
    TRANSIENT = "transient"  # 5xx, timeout, connection: back off and retry, bounded
    INVALID = "invalid"  # 400 chat not found, bad request: failed, no retry
    OUTSIDE_WINDOW = "outside_window"  # Zalo OA: free messages only within the window


class SendError(Exception):
    def __init__(
        self,
        kind: FailureKind,
        reason: str,
        *,
        retry_after: float | None = None,
        whole_bot: bool = True,
        new_chat_id: str | None = None,
    ) -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind = kind
        self.reason = reason
        self.retry_after = retry_after
        self.whole_bot = whole_bot
        self.new_chat_id = new_chat_id


@dataclass(frozen=True)
class Sent:
    """A delivered message: the platform's message id (for pinning, editing, audits)."""

    message_id: str


class Channel(Protocol):
    name: str
    # Longest text one message may carry; longer texts are split on paragraphs.
    max_text_length: int

    async def start(self, dispatch: Dispatch) -> None:
        """Begin receiving updates (polling task or webhook routes)."""

    async def stop(self) -> None:
        """Stop receiving and close connections."""

    async def send(self, chat_id: str, reply: Reply) -> Sent:
        """Deliver one message or raise SendError."""

    def web_routes(self) -> list[web.RouteDef]:
        """Routes this channel adds to the bot's web server (webhooks); may be empty."""

    # Optional: `async def pin(chat_id, message_id)` on channels whose groups can pin a
    # message; the outbox pins urgent alerts with it.
