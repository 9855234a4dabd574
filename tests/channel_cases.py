"""One table-driven harness for the channels' webhooks, after RapidPro courier's
handlertest: each case is a small record (the body a platform posts, the headers, the
HTTP status expected, the Incoming expected) and one helper runs it against any
adapter. Each adapter's test module supplies a `WebhookRig`: its client, how a genuine
request is authenticated, and how to wait until what was posted has been handled.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.channels.base import Channel
from bot.core import Incoming


@dataclass(frozen=True)
class WebhookCase:
    name: str
    # A dict is posted as JSON, a str as is; a callable builds the body from the rig's
    # platform fake (for events that must carry its ids or the current time).
    body: Any
    status: int = 200
    # Fields of the one Incoming the adapter must dispatch; None: it dispatches nothing.
    incoming: dict[str, Any] | None = None
    # None: the rig's genuine headers (secret, signature); else exactly these.
    headers: dict[str, str] | None = None


@dataclass
class WebhookRig:
    client: Any  # aiohttp's TestClient for an app holding the channel's web routes
    path: str
    platform: Any  # the fake whose events the cases build
    genuine_headers: Callable[[bytes], dict[str, str]]
    settle: Callable[[], Awaitable[None]]  # until everything posted has been handled
    received: list[Incoming] = field(default_factory=list)


async def check_webhook_case(rig: WebhookRig, case: WebhookCase) -> None:
    body = case.body(rig.platform) if callable(case.body) else case.body
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    headers = rig.genuine_headers(raw) if case.headers is None else case.headers
    headers = {"Content-Type": "application/json", **headers}
    response = await rig.client.post(rig.path, data=raw, headers=headers)
    assert response.status == case.status, f"{case.name}: HTTP {response.status}"
    await rig.settle()
    if case.incoming is None:
        assert rig.received == [], f"{case.name}: dispatched {rig.received}"
        return
    assert len(rig.received) == 1, f"{case.name}: dispatched {rig.received}"
    got = {name: getattr(rig.received[0], name) for name in case.incoming}
    assert got == case.incoming, case.name


def keeping(received: list[Incoming]) -> Callable[[Incoming], Awaitable[list[Any]]]:
    """A dispatch that keeps what it is given and answers nothing."""

    async def dispatch(incoming: Incoming) -> list[Any]:
        received.append(incoming)
        return []

    return dispatch


@asynccontextmanager
async def running(channel: Channel, rig: WebhookRig) -> AsyncIterator[WebhookRig]:
    """The channel started with a dispatch that keeps what it gets in `rig.received`."""
    await channel.start(keeping(rig.received))
    try:
        yield rig
    finally:
        await channel.stop()


def webhook_cases_test(cases: list[WebhookCase]) -> Callable[..., Awaitable[None]]:
    """The one test a channel's module needs for its table: it asks for a `rig` fixture."""

    @pytest.mark.parametrize("case", cases, ids=lambda case: case.name)
    async def test_webhook_case(rig: WebhookRig, case: WebhookCase) -> None:
        await check_webhook_case(rig, case)

    return test_webhook_case
