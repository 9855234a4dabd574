"""The one interface every channel adapter implements.

An adapter does two things and nothing else:
- turns platform updates into `Incoming` and hands them to `dispatch`, which answers
  through the outbox's pacer (the web chat shows the replies in its HTTP response);
- sends one `Reply` to one chat, rendered in the platform's own form (`send`),
  reporting failures as a `SendError` whose `kind` the outbox knows how to handle.

Handlers never import an adapter; adapters never decide what to say.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

import aiohttp
from aiohttp import web

from bot.core import Incoming, Reply

Dispatch = Callable[[Incoming], Awaitable[list[Reply]]]


class FailureKind(StrEnum):
    """What went wrong, in terms the outbox acts on."""

    THROTTLED = "throttled"  # 429: wait retry_after (this chat or the whole bot), then retry
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
        whole_bot: bool | None = None,
        new_chat_id: str | None = None,
        bounded: bool = False,
    ) -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind = kind
        self.reason = reason
        self.retry_after = retry_after
        # Whether a 429 was for the whole bot; None when the platform does not say
        # (the outbox then judges by how many chats are refused at once).
        self.whole_bot = whole_bot
        self.new_chat_id = new_chat_id
        # A 429 that counts as an attempt (a spent quota, not a rate): retried a bounded
        # number of times, like a transient failure.
        self.bounded = bounded


def maybe_delivered(error: SendError) -> bool:
    """Whether the platform may have taken the message although the send failed: the
    request went out and no answer came back (a timeout, a dropped connection, an
    unreadable answer). A connection never made, or an error the platform answered,
    delivered nothing."""
    cause = error.__cause__
    if error.kind is not FailureKind.TRANSIENT or cause is None:
        return False
    return not isinstance(cause, aiohttp.ClientConnectorError)


def secret_header_ok(request: web.Request, header_name: str, secret: bytes) -> bool:
    """Whether a webhook request carries `secret` in `header_name`; never without a
    secret. Compared as bytes: aiohttp hands a non-ASCII header over as str, undecodable
    bytes as surrogates, which compare_digest and a plain encode() refuse."""
    given = request.headers.get(header_name, "").encode("utf-8", "surrogateescape")
    return bool(secret) and hmac.compare_digest(given, secret)


@dataclass(frozen=True)
class Sent:
    """A delivered message: the platform's message id (for pinning, editing, audits)."""

    message_id: str


class Channel(Protocol):
    name: str
    # Longest text one message may carry; longer texts are split on paragraphs.
    max_text_length: int
    # Longest text sent with a photo; a longer first part follows the photo on its own.
    max_caption_length: int

    async def start(self, dispatch: Dispatch) -> None:
        """Begin receiving updates (polling task or webhook routes). A platform channel's
        `dispatch` answers by itself, through the outbox's pacer (OutboxRunner.answering):
        the adapter only turns updates into Incoming. A channel whose answer is its HTTP
        response (the web chat) says so with `answers_in_response = True` and gets the
        replies back to show."""

    async def stop(self) -> None:
        """Stop receiving and close connections."""

    async def send(self, chat_id: str, reply: Reply) -> Sent:
        """Deliver one message or raise SendError."""

    def web_routes(self) -> list[web.RouteDef]:
        """Routes this channel adds to the bot's web server (webhooks); may be empty."""

    # Optional: AccountStatus, for a platform account that can stop the whole channel.
    # Optional: `async def pin(chat_id, message_id)` on channels whose groups can pin a
    # message; the outbox pins urgent alerts with it.


@runtime_checkable
class AccountStatus(Protocol):
    """A channel whose platform account can stop it as a whole (Zalo OA): why it cannot
    send now (None while it can), and what the platform last said of its message quota."""

    problem: str | None
    quota: Mapping[str, str]
