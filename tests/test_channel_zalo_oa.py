"""Zalo Official Account adapter, through the local fake (bot/fakes/zalo_oa_server.py):
webhook signatures, token refresh, the consultation window, and tables of cases for
Reply → OA messages and OA errors → SendError kinds.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import AccountStatus, FailureKind, SendError
from bot.channels.zalo_oa import (
    CONFIG_RETRY_S,
    FREE_REPLIES,
    TOKENS_KEY,
    WEBHOOK_PATH,
    ZaloOAChannel,
    enabled,
    signature,
    signature_valid,
)
from bot.channels.zalo_oa.events import SIGNATURE_HEADER, timestamp_in
from bot.channels.zalo_oa.window import forget_closed_windows
from bot.config import load_settings
from bot.core import Button, Incoming, Reply
from bot.db import Database
from bot.fakes.zalo_oa_server import APP_ID, APP_SECRET, OA_SECRET_KEY, FakeZaloOAServer
from bot.inbound import Inbound
from bot.models.core import KeyValue, Subscriber
from bot.models.zalo import ZaloOAWindow
from tests.channel_cases import WebhookCase, WebhookRig, running, webhook_cases_test
from tests.helpers import eventually

Sessions = async_sessionmaker[AsyncSession]


class Clock:
    """The adapter's notion of now, moved by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Recorder:
    def __init__(self, *replies: Reply) -> None:
        self.incoming: list[Incoming] = []
        self.replies = list(replies) or [Reply("Đã nhận")]

    async def __call__(self, incoming: Incoming) -> list[Reply]:
        self.incoming.append(incoming)
        return list(self.replies)


@pytest.fixture
def sessions(database: Database) -> Sessions:
    return database.sessions


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def fake(clock: Clock) -> AsyncIterator[FakeZaloOAServer]:
    server = FakeZaloOAServer(clock=lambda: clock.now.timestamp())  # one time for both sides
    await server.start()
    yield server
    await server.stop()


def make_channel(
    fake: FakeZaloOAServer,
    sessions: Sessions,
    clock: Clock,
    tokens: tuple[str, str],
    app_secret: str = APP_SECRET,
) -> ZaloOAChannel:
    return ZaloOAChannel(
        app_id=APP_ID,
        oa_secret_key=OA_SECRET_KEY,
        app_secret=app_secret,
        access_token=tokens[0],
        refresh_token=tokens[1],
        api_base_url=fake.base_url,
        oauth_base_url=fake.base_url,
        sessions=sessions,
        clock=clock,
    )


@pytest.fixture
async def channel(
    fake: FakeZaloOAServer,
    sessions: Sessions,
    clock: Clock,
    answering,
) -> AsyncIterator[ZaloOAChannel]:
    channel = make_channel(fake, sessions, clock, fake.issue_tokens())
    await channel.start(await answering(channel, Recorder()))
    yield channel
    await channel.stop()


async def resident_writes(channel: ZaloOAChannel, fake: FakeZaloOAServer, user_id: str) -> None:
    """The resident messages the OA, which opens the free window on both sides."""
    await channel.handle_event(fake.event(user_id, "xin chào"))


# --- signatures ---------------------------------------------------------------------------

BODY = b'{"app_id":"4291763606161179100","event_name":"user_send_text","timestamp":"1699003881354"}'
GOOD = signature(APP_ID, BODY, "1699003881354", OA_SECRET_KEY)

SIGNATURE_CASES = [
    ("valid", GOOD, BODY, "1699003881354", True),
    ("valid with mac= prefix", f"mac={GOOD}", BODY, "1699003881354", True),
    ("valid in capitals", GOOD.upper(), BODY, "1699003881354", True),
    ("body changed", GOOD, BODY.replace(b"text", b"image"), "1699003881354", False),
    ("timestamp changed", GOOD, BODY, "1699003881355", False),
    (
        "signed with the app secret",
        signature(APP_ID, BODY, "1699003881354", APP_SECRET),
        BODY,
        "1699003881354",
        False,
    ),
    ("missing", "", BODY, "1699003881354", False),
    ("not even hex", "chữ ký giả", BODY, "1699003881354", False),
]


@pytest.mark.parametrize(
    ("name", "given", "body", "timestamp", "valid"),
    SIGNATURE_CASES,
    ids=[c[0] for c in SIGNATURE_CASES],
)
def test_signature(name: str, given: str, body: bytes, timestamp: str, valid: bool):
    assert (
        signature_valid(
            given, app_id=APP_ID, raw_body=body, timestamp=timestamp, oa_secret_key=OA_SECRET_KEY
        )
        is valid
    )


async def serve(channel: ZaloOAChannel, aiohttp_server: Callable[..., Awaitable[Any]]) -> str:
    app = web.Application()
    app.add_routes(channel.web_routes())
    server = await aiohttp_server(app)
    return str(server.make_url(WEBHOOK_PATH))


def stale(fake: FakeZaloOAServer) -> dict[str, Any]:
    return fake.event("u-1", "cũ") | {"timestamp": str(int((time.time() - 600) * 1000))}


WEBHOOK_CASES = [
    WebhookCase(
        "a resident's message",
        lambda fake: fake.event("u-1", "thật"),
        incoming={"user_id": "u-1", "text": "thật"},
    ),
    WebhookCase(
        "a new follower",
        lambda fake: fake.follow_event("u-2"),
        incoming={"user_id": "u-2", "event": "follow"},
    ),
    WebhookCase(
        "forged signature",
        lambda fake: fake.event("u-1", "giả"),
        403,
        headers={SIGNATURE_HEADER: "0" * 64},
    ),
    WebhookCase("no signature", lambda fake: fake.event("u-1", "giả"), 403, headers={}),
    # The signature is checked before the body is read: no 400 for the unsigned.
    WebhookCase("unsigned garbage", "[[[[", 403, headers={}),
    WebhookCase("older than five minutes: answered, not acted on", stale),
    WebhookCase(
        "the OA's own message",
        lambda fake: fake.event("u-1", "x") | {"event_name": "oa_send_text"},
    ),
]


@pytest.fixture
async def rig(
    fake: FakeZaloOAServer, sessions: Sessions, clock: Clock, aiohttp_client: Any
) -> AsyncIterator[WebhookRig]:
    channel = make_channel(fake, sessions, clock, fake.issue_tokens())
    app = web.Application()
    app.add_routes(channel.web_routes())
    rig = WebhookRig(
        await aiohttp_client(app),
        WEBHOOK_PATH,
        fake,
        lambda raw: {SIGNATURE_HEADER: fake.sign(raw, timestamp_in(raw))},
        channel.drain,
    )
    async with running(channel, rig):
        yield rig


test_webhook_case = webhook_cases_test(WEBHOOK_CASES)


async def test_an_event_resent_by_zalo_is_answered_once(
    fake: FakeZaloOAServer,
    sessions: Sessions,
    clock: Clock,
    aiohttp_server: Any,
    answering,
):
    recorder = Recorder()
    channel = make_channel(fake, sessions, clock, fake.issue_tokens())
    url = await serve(channel, aiohttp_server)
    await channel.start(Inbound(await answering(channel, recorder), sessions).dispatch)
    try:
        event = fake.event("u-1", "thật")
        assert await fake.deliver(url, event) == 200
        assert await fake.deliver(url, event) == 200  # Zalo's resend: answered once
        await channel.drain()
    finally:
        await channel.stop()
    assert [i.text for i in recorder.incoming] == ["thật"]
    assert fake.texts_to("u-1") == ["Đã nhận"]


# --- token refresh --------------------------------------------------------------------------


async def stored_tokens(sessions: Sessions) -> dict[str, Any]:
    async with sessions() as session:
        row = await session.get(KeyValue, TOKENS_KEY)
    assert row is not None
    return json.loads(row.value)


async def test_configured_tokens_are_refreshed_once_and_the_new_chain_survives_restart(
    fake: FakeZaloOAServer, sessions: Sessions, clock: Clock
):
    configured = fake.issue_tokens()
    first = make_channel(fake, sessions, clock, configured)
    await first.start(Recorder())
    await resident_writes(first, fake, "u-1")
    await first.send("u-1", Reply("Đã nhận"))  # the first use of the token
    await first.stop()
    assert fake.refreshes == 1  # expiry unknown: refreshed before first use
    stored = await stored_tokens(sessions)
    assert stored["refresh_token"] != configured[1]
    assert configured[0] not in json.dumps(stored)

    # Restart with the same (now used-up) configured tokens: the stored chain continues.
    second = make_channel(fake, sessions, clock, configured)
    await second.start(Recorder())
    await second.send("u-1", Reply("Sau khi khởi động lại"))
    await second.stop()
    assert fake.refreshes == 1
    assert fake.texts_to("u-1")[-1] == "Sau khi khởi động lại"


async def test_token_is_refreshed_before_it_expires(
    channel: ZaloOAChannel, fake: FakeZaloOAServer, clock: Clock
):
    await channel.tokens.access_token()
    refreshes = fake.refreshes
    expires_at = channel.tokens.tokens.expires_at
    assert expires_at is not None
    clock.now = expires_at - timedelta(minutes=30)
    await channel.tokens.access_token()
    assert fake.refreshes == refreshes + 1
    assert channel.tokens.tokens.expires_at and channel.tokens.tokens.expires_at > expires_at


async def test_rejected_token_is_refreshed_and_the_message_resent(
    channel: ZaloOAChannel, fake: FakeZaloOAServer
):
    await resident_writes(channel, fake, "u-1")
    fake.expire(channel.tokens.tokens.access_token)  # revoked early, expiry still ahead
    refreshes = fake.refreshes
    await channel.send("u-1", Reply("Vẫn tới nơi"))
    assert fake.refreshes == refreshes + 1
    assert fake.texts_to("u-1")[-1] == "Vẫn tới nơi"


async def test_a_newly_configured_refresh_token_replaces_the_stored_chain(
    fake: FakeZaloOAServer, sessions: Sessions, clock: Clock
):
    old = make_channel(fake, sessions, clock, fake.issue_tokens())
    await old.start(Recorder())
    await old.tokens.access_token()
    await old.stop()
    reauthorized = fake.issue_tokens()
    new = make_channel(fake, sessions, clock, reauthorized)
    await new.tokens.load()
    assert new.tokens.tokens.refresh_token == reauthorized[1]


async def test_refreshed_tokens_survive_a_database_that_will_not_store_them(
    fake: FakeZaloOAServer,
    sessions: Sessions,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    answering,
):
    monkeypatch.setattr("bot.channels.zalo_oa.tokens.STORE_RETRY_DELAYS", (0.01,))
    configured = fake.issue_tokens()
    channel = make_channel(fake, sessions, clock, configured)
    store = channel.tokens._store
    refusals = 2  # the store and its one retry both fail

    async def busy_database(tokens):
        nonlocal refusals
        if refusals:
            refusals -= 1
            raise RuntimeError("database is locked")
        await store(tokens)

    monkeypatch.setattr(channel.tokens, "_store", busy_database)
    await channel.start(await answering(channel, Recorder()))
    try:
        await eventually(lambda: refusals == 0)
        await channel.tokens.settle()
        assert fake.refreshes == 1
        assert channel.tokens.tokens.refresh_token not in (configured[1], "")
        # The configured refresh token is used up; the new one, kept in memory, works.
        clock.advance(hours=30)
        await channel.tokens.access_token()
    finally:
        await channel.stop()
    assert fake.refreshes == 2
    stored = await stored_tokens(sessions)
    assert stored["refresh_token"] == channel.tokens.tokens.refresh_token


async def test_token_upkeep_goes_on_after_an_error(
    fake: FakeZaloOAServer,
    sessions: Sessions,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    answering,
):
    monkeypatch.setattr("bot.channels.zalo_oa.tokens.UPKEEP_RETRY_S", 0.01)
    channel = make_channel(fake, sessions, clock, fake.issue_tokens())
    stored = channel.tokens._stored
    errors = 1

    async def flaky_read():
        nonlocal errors
        if errors:
            errors -= 1
            raise RuntimeError("database is locked")
        return await stored()

    await channel.start(await answering(channel, Recorder()))
    monkeypatch.setattr(channel.tokens, "_stored", flaky_read)  # before upkeep first runs
    try:
        await eventually(lambda: fake.refreshes == 1)
    finally:
        await channel.stop()
    assert errors == 0


async def test_failed_refresh_keeps_the_old_token_and_reports_transient(
    fake: FakeZaloOAServer,
    sessions: Sessions,
    clock: Clock,
    answering,
):
    channel = make_channel(fake, sessions, clock, ("revoked-token", "unknown-refresh"))
    await channel.start(await answering(channel, Recorder()))
    try:
        await resident_writes(channel, fake, "u-1")
        with pytest.raises(SendError) as failure:
            await channel.send("u-1", Reply("Tin"))
    finally:
        await channel.stop()
    assert failure.value.kind is FailureKind.TRANSIENT
    assert "revoked-token" not in failure.value.reason


# --- the consultation window -----------------------------------------------------------------


async def test_no_message_from_the_resident_is_outside_the_window(
    channel: ZaloOAChannel, fake: FakeZaloOAServer
):
    with pytest.raises(SendError) as failure:
        await channel.send("u-new", Reply("Tin"))
    assert failure.value.kind is FailureKind.OUTSIDE_WINDOW
    assert "never" in failure.value.reason
    assert fake.sent == []


async def test_window_closes_48_hours_after_the_residents_last_message(
    channel: ZaloOAChannel, fake: FakeZaloOAServer, clock: Clock
):
    await resident_writes(channel, fake, "u-1")
    clock.advance(hours=47)
    await channel.send("u-1", Reply("Còn kịp"))
    clock.advance(hours=2)
    with pytest.raises(SendError) as failure:
        await channel.send("u-1", Reply("Quá hạn"))
    assert failure.value.kind is FailureKind.OUTSIDE_WINDOW
    assert "48 h" in failure.value.reason
    await resident_writes(channel, fake, "u-1")  # writes again: a new window
    await channel.send("u-1", Reply("Lại được"))
    assert fake.texts_to("u-1")[-1] == "Lại được"


async def test_a_closed_windows_message_id_is_forgotten(
    channel: ZaloOAChannel, fake: FakeZaloOAServer, clock: Clock, sessions: Sessions
):
    await resident_writes(channel, fake, "u-1")
    clock.advance(hours=49)
    await resident_writes(channel, fake, "u-2")
    async with sessions() as session, session.begin():
        assert await forget_closed_windows(session, clock.now) == 1
        rows = await session.execute(select(ZaloOAWindow.user_id, ZaloOAWindow.last_message_id))
        kept = dict(rows.all())
    assert kept["u-1"] is None and kept["u-2"]


async def test_nothing_is_sent_into_zalos_paid_hours(
    channel: ZaloOAChannel, fake: FakeZaloOAServer, clock: Clock
):
    await resident_writes(channel, fake, "u-1")
    clock.advance(hours=50)  # Zalo would still take it, and charge the OA for it
    with pytest.raises(SendError) as failure:
        await channel.send("u-1", Reply("Tin sau 50 giờ"))
    assert failure.value.kind is FailureKind.OUTSIDE_WINDOW
    assert fake.charged == [] and "Tin sau 50 giờ" not in fake.texts_to("u-1")


async def test_the_apps_call_limit_pauses_the_whole_oa(sessions: Sessions, clock: Clock):
    fake = FakeZaloOAServer(rate=2, clock=lambda: clock.now.timestamp())
    await fake.start()
    channel = make_channel(fake, sessions, clock, fake.issue_tokens())
    await channel.start(Recorder())
    try:
        for user in ("u-1", "u-2"):
            await resident_writes(channel, fake, user)  # nobody answers: no call yet
            await channel.send(user, Reply("Đã nhận"))  # the app's two calls this second
        with pytest.raises(SendError) as failure:
            await channel.send("u-2", Reply("Tin"))
    finally:
        await channel.stop()
        await fake.stop()
    assert failure.value.kind is FailureKind.THROTTLED and failure.value.whole_bot is True
    assert fake.throttled == 1 and "Tin" not in fake.texts_to("u-2")


async def test_free_replies_per_window_are_limited(channel: ZaloOAChannel, fake: FakeZaloOAServer):
    await resident_writes(channel, fake, "u-1")  # its answer uses one reply
    for number in range(FREE_REPLIES - 1):
        await channel.send("u-1", Reply(f"Tin {number}"))
    with pytest.raises(SendError) as failure:
        await channel.send("u-1", Reply("Một tin quá nhiều"))
    assert failure.value.kind is FailureKind.OUTSIDE_WINDOW
    assert f"all {FREE_REPLIES}" in failure.value.reason
    assert len(fake.texts_to("u-1")) == FREE_REPLIES


async def test_failed_sends_do_not_use_up_the_quota(channel: ZaloOAChannel, fake: FakeZaloOAServer):
    await resident_writes(channel, fake, "u-1")
    fake.fail("u-1", -32, "Your application reached limit call api", times=FREE_REPLIES + 2)
    for _ in range(FREE_REPLIES + 2):
        with pytest.raises(SendError):
            await channel.send("u-1", Reply("Tin"))
    await channel.send("u-1", Reply("Cuối cùng"))
    assert fake.texts_to("u-1")[-1] == "Cuối cùng"


async def test_replies_name_the_residents_message_so_they_are_not_proactive(
    channel: ZaloOAChannel, fake: FakeZaloOAServer
):
    event = fake.event("u-1", "xin chào")
    await channel.handle_event(event)  # answered through the channel
    await channel.send("u-1", Reply("Thêm một tin"))
    recipients = [body["recipient"] for body in fake.sent]
    assert recipients == [{"user_id": "u-1", "message_id": event["message"]["msg_id"]}] * 2
    assert fake.proactive == []


@pytest.mark.parametrize(
    ("remain", "expected"),
    [
        (None, {"quota_type": "reply"}),  # as Zalo answers since March 2026
        (5, {"quota_type": "reply", "remain": "4", "total": "8"}),
    ],
)
async def test_the_quota_in_each_answer_is_kept(
    remain: int | None,
    expected: dict[str, str],
    channel: ZaloOAChannel,
    fake: FakeZaloOAServer,
):
    fake.quota_remain = remain
    await resident_writes(channel, fake, "u-1")
    assert channel.quota == expected


CONFIG_CASES = [
    ("app not allowed this api", -209, "Not supported this api"),
    ("oa not verified", -221, "The OA needs to be verified to use this feature"),
    ("oa package too low", -224, "The OA needs to upgrade OA Tier Package"),
    ("out of money", -321, "Zalo Cloud Account out of money or unable to be charged"),
]


@pytest.mark.parametrize(
    ("name", "code", "message"), CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES]
)
async def test_an_account_error_stops_the_channel_once_until_fixed(
    name: str,
    code: int,
    message: str,
    channel: ZaloOAChannel,
    fake: FakeZaloOAServer,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
):
    residents = ("u-1", "u-2", "u-3")
    for user in residents:
        await resident_writes(channel, fake, user)
    # The pacer holds back answers written in a burst and sends them a moment later: all
    # must be out before the account breaks, or one takes the one try the check allows.
    await eventually(lambda: all(fake.texts_to(user) for user in residents), timeout=15)
    calls = fake.calls
    fake.misconfigure(code, message)
    failures = []
    for user in ("u-1", "u-2", "u-3"):
        with pytest.raises(SendError) as failure:
            await channel.send(user, Reply("Tin"))
        failures.append(failure.value)
    # Every row waits for the admin (the whole OA pauses); none fails on its own.
    assert all(f.kind is FailureKind.THROTTLED and f.whole_bot for f in failures)
    assert fake.calls == calls + 1  # the API is asked once, not once per row
    assert isinstance(channel, AccountStatus)  # what the staff overview shows
    assert channel.problem is not None and str(code) in channel.problem
    stopped = [r for r in caplog.records if r.levelname == "ERROR" and "stopped" in r.message]
    assert len(stopped) == 1 and str(code) in stopped[0].getMessage()
    fake.misconfigure(None)  # the admin fixed the account
    clock.advance(seconds=CONFIG_RETRY_S)
    await channel.send("u-2", Reply("Lại gửi được"))
    assert channel.problem is None and fake.texts_to("u-2")[-1] == "Lại gửi được"


# --- Reply → OA messages ---------------------------------------------------------------------

FIVE = [Button(f"Nút {n}", f"b:{n}") for n in range(1, 6)]
SIX = [*FIVE, Button("Nút 6", "b:6")]


@dataclass
class SendCase:
    name: str
    reply: Reply
    expected: list[dict[str, Any]]  # per OA message: text and/or attachment payload fields


def buttons_of(message: dict[str, Any]) -> list[str]:
    payload = (message.get("attachment") or {}).get("payload") or {}
    return [b["title"] for b in payload.get("buttons", []) if b["type"] == "oa.query.show"]


SEND_CASES = [
    SendCase("markdown becomes plain text", Reply("**Chào** bà con"), [{"text": "Chào bà con"}]),
    SendCase(
        "up to five buttons are real buttons",
        Reply("Chọn:", FIVE),
        [{"text": "Chọn:", "buttons": [b.text for b in FIVE]}],
    ),
    SendCase(
        "more buttons become a numbered list",
        Reply("Chọn:", SIX),
        [{"text_contains": "6. Nút 6", "buttons": []}],
    ),
    SendCase(
        "photo goes first as a media template",
        Reply("Tờ rơi", photo="https://x/flyer.png"),
        [{"media": "https://x/flyer.png"}, {"text": "Tờ rơi"}],
    ),
    SendCase(
        "long text is cut at paragraphs",
        Reply("\n\n".join(["a" * 1500] * 2)),
        [{"text": "a" * 1500}, {"text": "a" * 1500}],
    ),
]


@pytest.mark.parametrize("case", SEND_CASES, ids=lambda c: c.name)
async def test_reply_becomes_oa_messages(
    case: SendCase, channel: ZaloOAChannel, fake: FakeZaloOAServer
):
    await resident_writes(channel, fake, "u-9")
    fake.sent.clear()
    sent = await channel.send("u-9", case.reply)
    assert sent.message_id.startswith("oa-msg-")
    messages = [m["message"] for m in fake.sent]
    assert len(messages) == len(case.expected)
    for message, want in zip(messages, case.expected, strict=True):
        if "text" in want:
            assert message["text"] == want["text"]
        if "text_contains" in want:
            assert want["text_contains"] in message["text"]
        if "buttons" in want:
            assert buttons_of(message) == want["buttons"]
        if "media" in want:
            elements = message["attachment"]["payload"]["elements"]
            assert elements == [{"media_type": "image", "url": want["media"]}]


async def test_pressing_a_button_reaches_the_handler_as_its_data(
    fake: FakeZaloOAServer,
    sessions: Sessions,
    clock: Clock,
    answering,
):
    recorder = Recorder(
        Reply("Chọn chủ đề:", [Button("Trẻ em", "topic:tre_em"), Button("Xong", "sub:done")])
    )
    channel = make_channel(fake, sessions, clock, fake.issue_tokens())
    await channel.start(await answering(channel, recorder))
    try:
        await channel.handle_event(fake.event("u-1", "/chude"))
        # oa.query.show sends the button's payload (its label) back as the resident's text
        await channel.handle_event(fake.event("u-1", "Xong"))
        await channel.handle_event(fake.event("u-1", "2"))
    finally:
        await channel.stop()
    assert [(i.text, i.button) for i in recorder.incoming] == [
        ("/chude", None),
        (None, "sub:done"),
        ("2", None),  # real buttons are not numbered
    ]


async def test_unfollow_reads_as_blocking_the_bot(channel: ZaloOAChannel, fake: FakeZaloOAServer):
    event = {
        "app_id": APP_ID,
        "event_name": "unfollow",
        "follower": {"id": "u-3"},
        "timestamp": "1",
    }
    incoming = channel.to_incoming(event)
    assert incoming is not None and incoming.event == "bot_blocked" and incoming.chat_id == "u-3"
    assert channel.to_incoming({"event_name": "user_seen_message", "sender": {"id": "x"}}) is None


# --- OA errors → SendError ---------------------------------------------------------------------

ERROR_CASES = [
    ("rate limit", -32, "Your application reached limit call api", FailureKind.THROTTLED),
    ("not following", -213, "User has not followed OA", FailureKind.BLOCKED),
    ("inactive user", -227, "User is banned or inactive", FailureKind.BLOCKED),
    ("bad parameter", -201, "user_id is invalid", FailureKind.INVALID),
    (
        "zalo's own window",
        -230,
        "User has not interacted with the OA in the past 7 days",
        FailureKind.OUTSIDE_WINDOW,
    ),
    ("oa out of quota", -211, "Out of quota", FailureKind.OUTSIDE_WINDOW),
    ("send failed", -200, "Send message failed", FailureKind.TRANSIENT),
]


@pytest.mark.parametrize(
    ("name", "code", "message", "kind"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES]
)
async def test_oa_error_becomes_send_error(
    name: str,
    code: int,
    message: str,
    kind: FailureKind,
    channel: ZaloOAChannel,
    fake: FakeZaloOAServer,
):
    await resident_writes(channel, fake, "u-1")
    fake.fail("u-1", code, message)
    with pytest.raises(SendError) as failure:
        await channel.send("u-1", Reply("Tin"))
    assert failure.value.kind is kind
    assert str(code) in failure.value.reason


async def test_unreachable_api_is_transient(channel: ZaloOAChannel, fake: FakeZaloOAServer):
    await resident_writes(channel, fake, "u-1")
    await fake.stop()
    with pytest.raises(SendError) as failure:
        await channel.send("u-1", Reply("Tin"))
    assert failure.value.kind is FailureKind.TRANSIENT


# --- settings ----------------------------------------------------------------------------------


def test_enabled_needs_app_id_oa_secret_and_a_token():
    assert not enabled(load_settings(_env_file=None))
    assert not enabled(load_settings(zalo_oa_app_id=APP_ID, _env_file=None))
    assert enabled(
        load_settings(
            zalo_oa_app_id=APP_ID,
            zalo_oa_secret_key=OA_SECRET_KEY,
            zalo_oa_refresh_token="r",
            _env_file=None,
        )
    )


async def test_a_new_follower_is_welcomed_and_subscribed(
    fake: FakeZaloOAServer, sessions: Sessions, clock: Clock, dispatcher, answering
):
    channel = make_channel(fake, sessions, clock, fake.issue_tokens())
    await channel.start(await answering(channel, dispatcher.dispatch))
    try:
        await channel.handle_event(fake.follow_event("u-7"))
    finally:
        await channel.stop()
    assert "Loa phường" in fake.texts_to("u-7")[0]
    async with sessions() as session:
        subscriber = (await session.scalars(select(Subscriber))).one()
    assert (subscriber.channel, subscriber.chat_id) == ("zalo_oa", "u-7")
