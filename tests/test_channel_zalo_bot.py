"""Zalo Bot Platform adapter, through the local fake server (bot/fakes/zalo_bot_server.py).

Tables of cases, one shared runner each: updates → Incoming, Reply → requests, and
platform errors → SendError kinds.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from bot.channels.base import FailureKind, SendError
from bot.channels.zalo_bot import SECRET_HEADER, WEBHOOK_PATH, ZaloBotChannel
from bot.config import ConfigError, load_settings
from bot.core import Button, ChatKind, Incoming, Reply
from bot.fakes.zalo_bot_server import TOKEN, FakeZaloBotServer
from bot.routing import Dispatcher
from tests.channel_cases import WebhookCase, WebhookRig, running, webhook_cases_test
from tests.helpers import eventually

SECRET = "webhook-secret-123"


class Recorder:
    """A dispatch that remembers what it was given and answers with fixed replies."""

    def __init__(self, *replies: Reply) -> None:
        self.incoming: list[Incoming] = []
        self.replies = list(replies) or [Reply("Đã nhận")]

    async def __call__(self, incoming: Incoming) -> list[Reply]:
        self.incoming.append(incoming)
        return list(self.replies)


@pytest.fixture
async def fake() -> AsyncIterator[FakeZaloBotServer]:
    server = FakeZaloBotServer()
    await server.start()
    yield server
    await server.stop()


def polling_channel(fake: FakeZaloBotServer, **options: Any) -> ZaloBotChannel:
    return ZaloBotChannel(TOKEN, api_base_url=fake.base_url, poll_timeout=1, **options)


@pytest.fixture
async def channel(fake: FakeZaloBotServer, answering) -> AsyncIterator[ZaloBotChannel]:
    channel = polling_channel(fake)
    await channel.start(await answering(channel, Recorder()))
    yield channel
    await channel.stop()


# --- updates → Incoming ---------------------------------------------------------------

MENU = [Button("Chọn chủ đề", "sub:topics"), Button("Đăng ký khám", "screen:start")]


@dataclass
class IncomingCase:
    name: str
    update: dict[str, Any]
    expected: dict[str, Any] | None  # Incoming fields, None = skipped
    shown: list[Button] = field(default_factory=list)


def update(text: str | None = None, event: str = "message.text.received", **message: Any):
    body: dict[str, Any] = {
        "message_id": "m1",
        "date": 1766619597466,
        "from": {"id": "u-1", "display_name": "A"},
        "chat": {"id": "u-1", "chat_type": "PRIVATE"},
    }
    if text is not None:
        body["text"] = text
    return {"event_name": event, "message": body | message}


GROUP = {"chat": {"id": "g-1", "chat_type": "GROUP"}}

INCOMING_CASES = [
    IncomingCase(
        "sticker comes without text",
        update(event="message.sticker.received", sticker="abc"),
        {"text": None, "photo": None},
    ),
    IncomingCase(
        "group chatter is not addressed",
        update("chào cả nhà", **GROUP),
        {"chat_kind": ChatKind.GROUP, "chat_id": "g-1", "user_id": "u-1", "addressed": False},
    ),
    IncomingCase("group command is addressed", update("/chude", **GROUP), {"addressed": True}),
    IncomingCase(
        "group mention of the bot", update("bot.LoaPhuong ơi", **GROUP), {"addressed": True}
    ),
    IncomingCase(
        "number presses a button", update("2"), {"button": "screen:start", "text": None}, MENU
    ),
    IncomingCase("label presses a button", update(" chọn chủ đề "), {"button": "sub:topics"}, MENU),
    IncomingCase(
        "number out of range stays text", update("3"), {"text": "3", "button": None}, MENU
    ),
    IncomingCase("number without a list stays text", update("1"), {"text": "1", "button": None}),
]


@pytest.mark.parametrize("case", INCOMING_CASES, ids=lambda c: c.name)
def test_update_becomes_incoming(case: IncomingCase):
    channel = ZaloBotChannel(TOKEN, api_base_url="http://unused/bot")
    channel.bot_name = "bot.LoaPhuong"
    chat_id = case.update.get("message", {}).get("chat", {}).get("id", "u-1")
    channel.buttons.remember(chat_id, case.shown, numbered=True)
    incoming = channel.to_incoming(case.update)
    if case.expected is None:
        assert incoming is None
        return
    assert incoming is not None and incoming.channel == "zalo_bot"
    for name, value in case.expected.items():
        assert getattr(incoming, name) == value, name


# --- Reply → requests ------------------------------------------------------------------


@dataclass
class SendCase:
    name: str
    reply: Reply
    expected: list[tuple[str, dict[str, Any]]]  # (method, payload fields) per request


LONG = "\n\n".join(["Đoạn văn " + "a" * 1200] * 3)

SEND_CASES = [
    SendCase(
        "markdown becomes plain text",
        Reply("**Chào** bà con"),
        [("sendMessage", {"text": "Chào bà con"})],
    ),
    SendCase(
        "buttons become a numbered list",
        Reply("Chọn:", MENU),
        [
            (
                "sendMessage",
                {"text": "Chọn:\n\n1. Chọn chủ đề\n2. Đăng ký khám\n(Trả lời bằng số để chọn)"},
            )
        ],
    ),
    SendCase(
        "photo carries the text as caption",
        Reply("Ảnh tờ rơi", photo="https://x/flyer.png"),
        [("sendPhoto", {"photo": "https://x/flyer.png", "caption": "Ảnh tờ rơi"})],
    ),
    SendCase(
        "long text is cut at paragraphs",
        Reply(LONG),
        [("sendMessage", {})] * 3,
    ),
]


@pytest.mark.parametrize("case", SEND_CASES, ids=lambda c: c.name)
async def test_reply_becomes_requests(
    case: SendCase, fake: FakeZaloBotServer, channel: ZaloBotChannel
):
    sent = await channel.send("u-9", case.reply)
    assert sent.message_id.startswith("s")
    assert len(fake.sent) == len(case.expected)
    for (method, payload), (want_method, want_fields) in zip(fake.sent, case.expected, strict=True):
        assert method == want_method and payload["chat_id"] == "u-9"
        assert len(payload.get("text") or payload.get("caption") or "") <= 2000
        for name, value in want_fields.items():
            assert payload[name] == value


# --- platform errors → SendError -------------------------------------------------------

ERROR_CASES = [
    ("internal error", 403, 403, "Internal server error", FailureKind.TRANSIENT),
    ("quota exceeded", 429, 429, "Quota exceeded", FailureKind.THROTTLED),
    ("chat not found", 400, 400, "Bad Request: chat not found", FailureKind.INVALID),
    ("server error", 502, 502, "Bad Gateway", FailureKind.TRANSIENT),
]


@pytest.mark.parametrize(
    ("name", "status", "code", "description", "kind"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES]
)
async def test_platform_error_becomes_send_error(
    name: str,
    status: int,
    code: int,
    description: str,
    kind: FailureKind,
    fake: FakeZaloBotServer,
    channel: ZaloBotChannel,
):
    fake.fail("u-9", status, code, description)
    with pytest.raises(SendError) as failure:
        await channel.send("u-9", Reply("Tin"))
    assert failure.value.kind is kind
    if kind is FailureKind.THROTTLED:
        assert failure.value.retry_after
    assert TOKEN not in str(failure.value)


async def test_unreachable_server_is_transient_and_names_no_token(
    fake: FakeZaloBotServer, channel: ZaloBotChannel
):
    await fake.stop()
    with pytest.raises(SendError) as failure:
        await channel.send("u-9", Reply("Tin"))
    assert failure.value.kind is FailureKind.TRANSIENT
    assert TOKEN.split(":")[1] not in failure.value.reason


# --- polling and webhooks ---------------------------------------------------------------


async def test_sending_past_the_platform_rate_is_throttled_not_lost(answering):
    fake = FakeZaloBotServer(rate=2)
    await fake.start()
    channel = polling_channel(fake)
    await channel.start(await answering(channel, Recorder()))
    try:
        for number in range(2):
            await channel.send("u-1", Reply(f"Tin {number}"))
        with pytest.raises(SendError) as failure:
            await channel.send("u-1", Reply("Tin 2"))
    finally:
        await channel.stop()
        await fake.stop()
    assert failure.value.kind is FailureKind.THROTTLED and failure.value.retry_after
    assert fake.texts_to("u-1") == ["Tin 0", "Tin 1"] and fake.http_429 == 1


async def test_polling_dispatches_and_answers_with_numbered_buttons(
    fake: FakeZaloBotServer, answering
):
    recorder = Recorder(Reply("Chọn:", MENU))
    channel = polling_channel(fake)
    await channel.start(await answering(channel, recorder))
    try:
        assert fake.calls.get("deleteWebhook") == 1  # getUpdates needs no webhook set
        fake.push_text("menu", chat_id="u-5")
        await eventually(lambda: len(fake.sent) == 1)
        fake.push_text("2", chat_id="u-5")
        await eventually(lambda: len(recorder.incoming) == 2)
    finally:
        await channel.stop()
    assert recorder.incoming[0].text == "menu"
    assert recorder.incoming[1].button == "screen:start"


async def webhook_app(channel: ZaloBotChannel) -> web.Application:
    app = web.Application()
    app.add_routes(channel.web_routes())
    return app


async def test_webhook_mode_registers_the_secret_and_checks_it(
    fake: FakeZaloBotServer,
    aiohttp_server: Callable[..., Awaitable[Any]],
    answering,
):
    recorder = Recorder()
    channel = ZaloBotChannel(
        TOKEN, api_base_url=fake.base_url, webhook_url="placeholder", webhook_secret=SECRET
    )
    server = await aiohttp_server(await webhook_app(channel))
    channel._webhook_url = str(server.make_url(WEBHOOK_PATH))
    await channel.start(await answering(channel, recorder))
    try:
        assert fake.webhook_secret == SECRET  # wrong secrets: WEBHOOK_CASES
        assert await fake.deliver(fake.text_update("chào", chat_id="u-7")) == 200
        await channel.drain()
    finally:
        await channel.stop()
    assert [i.text for i in recorder.incoming] == ["chào"]
    assert fake.texts_to("u-7") == ["Đã nhận"]


async def status_of_raw_post(server: Any, secret: bytes, body: bytes) -> int:
    """POST `body` with `secret` as the raw bytes of the secret header (aiohttp's client
    cannot send bytes that are not UTF-8); the HTTP status answered."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(
        b"POST " + WEBHOOK_PATH.encode() + b" HTTP/1.1\r\nHost: zalo\r\n"
        b"X-Bot-Api-Secret-Token: " + secret + b"\r\n"
        b"Content-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body
    )
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    return int(status_line.split()[1])


async def test_webhook_refuses_a_secret_that_is_not_ascii(
    fake: FakeZaloBotServer,
    aiohttp_server: Callable[..., Awaitable[Any]],
    answering,
):
    recorder = Recorder()
    channel = ZaloBotChannel(
        TOKEN, api_base_url=fake.base_url, webhook_url="x", webhook_secret=SECRET
    )
    server = await aiohttp_server(await webhook_app(channel))
    channel._webhook_url = str(server.make_url(WEBHOOK_PATH))
    await channel.start(await answering(channel, recorder))
    try:
        assert await fake.deliver(fake.text_update("chào"), secret="bí-mật-trạm") == 403
        body = json.dumps(fake.text_update("chào")).encode()
        for secret in ("bí-mật-trạm".encode(), b"\xff\xfe" + SECRET.encode()):
            assert await status_of_raw_post(server, secret, body) == 403
        assert await status_of_raw_post(server, SECRET.encode(), body) == 200
        await channel.drain()
    finally:
        await channel.stop()
    assert [i.text for i in recorder.incoming] == ["chào"]


NESTED = '{"ok": true, "result": ' + '{"a": ' * 40 + "1" + "}" * 41

WEBHOOK_CASES = [
    WebhookCase(
        "private text", update("xin chào"), incoming={"text": "xin chào", "chat_id": "u-1"}
    ),
    WebhookCase("command", update("/start"), incoming={"text": "/start", "button": None}),
    WebhookCase(
        "image with caption",
        update(event="message.image.received", photo="https://x/p.jpg", caption="ảnh"),
        incoming={"text": "ảnh", "photo": "https://x/p.jpg"},
    ),
    WebhookCase(
        "wrapped like getUpdates", {"ok": True, "result": update("bọc")}, incoming={"text": "bọc"}
    ),
    WebhookCase("unknown event skipped", update("x", event="message.reaction")),
    WebhookCase("no sender skipped", {"event_name": "message.text.received", "message": {}}),
    WebhookCase("wrong secret", update("chào"), 403, headers={SECRET_HEADER: "wrong-secret"}),
    WebhookCase("no secret", update("chào"), 403, headers={}),
    # Bodies no platform sends: refused, and the webhook goes on.
    WebhookCase("deeply nested array", "[" * 100_000 + "]" * 100_000, 400),
    WebhookCase("deeply nested result", NESTED, 400),
    WebhookCase("not json", "{không phải json", 400),
    WebhookCase("an array", "[1]", 400),
]


@pytest.fixture
async def rig(fake: FakeZaloBotServer, aiohttp_client: Any) -> AsyncIterator[WebhookRig]:
    channel = ZaloBotChannel(
        TOKEN, api_base_url=fake.base_url, webhook_url="x", webhook_secret=SECRET
    )
    rig = WebhookRig(
        await aiohttp_client(await webhook_app(channel)),
        WEBHOOK_PATH,
        fake,
        lambda _raw: {SECRET_HEADER: SECRET},
        channel.drain,
    )
    async with running(channel, rig):
        yield rig


test_webhook_case = webhook_cases_test(WEBHOOK_CASES)


async def test_real_dialogue_over_the_fake_platform(
    fake: FakeZaloBotServer,
    dispatcher: Dispatcher,
    answering,
):
    channel = polling_channel(fake, sessions=dispatcher.services.sessions)
    await channel.start(await answering(channel, dispatcher.dispatch))
    try:
        fake.push_text("/start", chat_id="u-42")
        await eventually(lambda: bool(fake.sent))
        await asyncio.sleep(0.05)
    finally:
        await channel.stop()
    assert fake.texts_to("u-42")
    assert channel.buttons.shown("u-42"), "the welcome offers choices"
    assert "1. " in "\n".join(fake.texts_to("u-42"))


# --- settings -----------------------------------------------------------------------------


def test_webhook_without_a_proper_secret_is_a_config_error():
    settings = load_settings(
        zalo_bot_token=TOKEN,
        zalo_bot_webhook_url="https://x/zalo",
        zalo_bot_webhook_secret="short",
        _env_file=None,
    )
    with pytest.raises(ConfigError, match="ZALO_BOT_WEBHOOK_SECRET"):
        ZaloBotChannel.from_settings(settings, None)
