"""The Telegram adapter end to end: a real python-telegram-bot Application against the telegram_api
Bot API (polling and webhook), the outbox's send path and its error mapping, groups."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.channels.base import FailureKind, SendError
from bot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH, TelegramChannel
from bot.config import ConfigError, load_settings
from bot.core import Button, Incoming, Reply
from bot.fakes.processes import free_port
from bot.fakes.telegram_server import BOT_USER, TOKEN, FakeTelegramServer
from bot.inbound import Inbound
from bot.models.core import Subscriber
from bot.models.screening import Registration
from tests.channel_cases import WebhookCase, WebhookRig, running, webhook_cases_test
from tests.helpers import eventually
from tests.screening_rows import add_session_row
from tests.test_logs_private import captured  # noqa: F401 — the bot's own log output

RESIDENT = 501
NEIGHBOUR = 502
GROUP = -1001234
SECRET = "bi-mat-tram-y-te"


def telegram_settings(telegram_api: FakeTelegramServer, **extra: Any):
    return load_settings(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=telegram_api.base_url,
        _env_file=None,
        **extra,
    )


@pytest.fixture
async def polling(telegram_api, dispatcher, answering) -> AsyncIterator[TelegramChannel]:
    channel = TelegramChannel(telegram_settings(telegram_api))
    await channel.start(await answering(channel, dispatcher.dispatch))
    yield channel
    await channel.stop()


def sent_to(telegram_api: FakeTelegramServer, chat_id: int) -> list[dict[str, Any]]:
    return [
        params for method, params in telegram_api.sent if str(params.get("chat_id")) == str(chat_id)
    ]


def keyboard(params: dict[str, Any]) -> dict[str, str]:
    markup = params.get("reply_markup") or {}
    markup = json.loads(markup) if isinstance(markup, str) else markup
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


async def test_a_resident_subscribes_over_polling(polling, telegram_api, database):
    telegram_api.push_text(RESIDENT, "/start")
    await eventually(lambda: len(sent_to(telegram_api, RESIDENT)) >= 1)
    welcome = sent_to(telegram_api, RESIDENT)[0]
    assert "<b>Loa phường</b>" in welcome["text"] and welcome["parse_mode"] == "HTML"
    buttons = keyboard(welcome)
    assert "Chọn chủ đề nhận tin" in buttons

    telegram_api.push_button(RESIDENT, buttons["Chọn chủ đề nhận tin"])
    await eventually(lambda: len(sent_to(telegram_api, RESIDENT)) >= 2)
    assert telegram_api.calls["answerCallbackQuery"] == 1  # the button stops spinning
    assert "chủ đề" in sent_to(telegram_api, RESIDENT)[1]["text"]
    async with database.sessions() as session:
        subscriber = (await session.scalars(select(Subscriber))).one()
    assert (subscriber.channel, subscriber.chat_id, subscriber.kind) == (
        "telegram",
        str(RESIDENT),
        "private",
    )


async def test_the_menu_lists_the_residents_commands_in_vietnamese(polling, telegram_api):
    menu = {entry["command"]: entry["description"] for entry in telegram_api.commands[""]}
    assert {"start", "chude", "dangky", "dungnhan", "trogiup"} <= menu.keys()
    assert menu["dangky"] == "Đăng ký khám sàng lọc miễn phí"
    english = {entry["command"]: entry["description"] for entry in telegram_api.commands["en"]}
    assert english.keys() == menu.keys() and english["dungnhan"] == "Stop receiving messages"


async def test_an_answer_refused_429_arrives_after_retry_after_buttons_and_all(
    polling, telegram_api, database
):
    telegram_api.fail(RESIDENT, "throttle", retry_after=1)
    telegram_api.push_text(RESIDENT, "/start")
    refused_at = time.monotonic()
    await eventually(lambda: len(sent_to(telegram_api, RESIDENT)) >= 1)
    assert time.monotonic() - refused_at >= 1.0  # retry_after honoured
    assert telegram_api.http_429 == 1 and len(sent_to(telegram_api, RESIDENT)) == 1
    assert "Chọn chủ đề nhận tin" in keyboard(sent_to(telegram_api, RESIDENT)[0])


def message(**fields: Any) -> dict[str, Any]:
    return {
        "message_id": 77,
        "date": int(time.time()),
        "chat": {"id": RESIDENT, "type": "private"},
        "from": {"id": RESIDENT, "is_bot": False, "first_name": "Cư dân"},
        **fields,
    }


# Well-formed updates a poller meets in real life; none may stop it (each is answered or
# skipped).
ODD_UPDATES = [
    {"edited_message": message(text="/start", edit_date=int(time.time()))},
    {
        "message": message(
            sticker={
                "file_id": "s",
                "file_unique_id": "s",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        )
    },
    {
        "channel_post": {
            "message_id": 1,
            "date": 1,
            "chat": {"id": -100999, "type": "channel"},
            "text": "tin kênh",
        }
    },
    {
        "message": {
            "message_id": 2,
            "date": 1,
            "chat": {"id": RESIDENT, "type": "private"},
            "text": "không có người gửi",
        }
    },
    {"message": message(text="a" * 5000)},
    {
        "callback_query": {
            "id": "9",
            "from": {"id": RESIDENT, "is_bot": False, "first_name": "C"},
            "chat_instance": "1",
            "data": "nut-khong-co",
        }
    },
]


async def test_odd_updates_never_stop_the_poller(polling, telegram_api):
    for update in ODD_UPDATES:
        telegram_api.push_update(update)
    telegram_api.push_text(RESIDENT, "/trogiup")
    await eventually(
        lambda: any("/dungnhan" in p.get("text", "") for p in sent_to(telegram_api, RESIDENT))
    )
    assert all(len(p["text"]) <= 4096 for p in sent_to(telegram_api, RESIDENT))


NAME, PHONE = "Nguyễn Văn An", "0912345678"
# Updates PTB cannot read (a sender without first_name, a chat without type): an emulator,
# a self-hosted Bot API server or a future Telegram change may send them.
UNREADABLE = [
    {"message": message(text=f"số tôi {PHONE}", **{"from": {"id": RESIDENT, "is_bot": False}})},
    {"message": message(text=f"{NAME} {PHONE}", chat={"id": RESIDENT})},
]


async def test_an_unreadable_update_is_skipped_and_the_rest_answered(
    polling,
    telegram_api,
    captured,  # noqa: F811
):
    telegram_api.push_text(RESIDENT, "/start")
    skipped = [telegram_api.push_update(update)["update_id"] for update in UNREADABLE]
    telegram_api.push_text(NEIGHBOUR, "/trogiup")
    await eventually(lambda: bool(sent_to(telegram_api, NEIGHBOUR)))
    assert "/dungnhan" in sent_to(telegram_api, NEIGHBOUR)[0]["text"]
    assert "Loa phường" in sent_to(telegram_api, RESIDENT)[0]["text"]

    polls = telegram_api.calls["getUpdates"]
    telegram_api.push_text(RESIDENT, "/trogiup")
    await eventually(lambda: len(sent_to(telegram_api, RESIDENT)) == 2)
    await asyncio.sleep(0.3)
    assert telegram_api.calls["getUpdates"] - polls <= 3  # long polling, not asking in a loop
    logged = captured.getvalue()
    assert all(f"update {n} could not be read" in logged for n in skipped)
    assert PHONE not in logged and NAME not in logged


async def test_a_press_is_handled_when_the_button_cannot_be_answered(polling, telegram_api):
    telegram_api.stale_button_presses = True
    telegram_api.push_button(RESIDENT, "sub:topics")
    await eventually(lambda: bool(sent_to(telegram_api, RESIDENT)))
    assert "chủ đề" in sent_to(telegram_api, RESIDENT)[0]["text"]


async def test_a_command_for_another_bot_is_left_alone(polling, telegram_api):
    for text in ("/start@SomeOtherBot", "/trogiup@loaphuongbot"):
        telegram_api.push_text(GROUP, text, user_id=43, chat_type="supergroup")
    await eventually(lambda: bool(sent_to(telegram_api, GROUP)))
    await asyncio.sleep(0.3)
    [answer] = sent_to(telegram_api, GROUP)
    assert "Loa phường trong nhóm" in answer["text"]


async def test_a_token_the_server_rejects_stops_the_start_naming_it(dispatcher):
    other_bot = FakeTelegramServer(token="987654321:AAAnotherBotsTokenNotOurs_abcdefgh")
    await other_bot.start()
    channel = TelegramChannel(telegram_settings(other_bot))
    try:
        with pytest.raises(ConfigError) as error:
            await channel.start(dispatcher.dispatch)
    finally:
        await channel.stop()
        await other_bot.stop()
    assert "TELEGRAM_BOT_TOKEN" in str(error.value)
    assert TOKEN not in str(error.value) and TOKEN.split(":")[1] not in str(error.value)


def nobody_listening():
    """Settings pointing the bot at a port where no Bot API server answers."""
    return load_settings(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=f"http://127.0.0.1:{free_port()}/bot",
        _env_file=None,
    )


async def test_an_unreachable_bot_api_stops_the_start_naming_it(dispatcher):
    channel = TelegramChannel(nobody_listening())
    try:
        with pytest.raises(ConfigError) as error:
            await channel.start(dispatcher.dispatch)
    finally:
        await channel.stop()
    assert "TELEGRAM_API_BASE_URL" in str(error.value) and TOKEN not in str(error.value)


async def test_a_long_reply_is_split_for_telegram(telegram_api, answering):
    channel = TelegramChannel(telegram_settings(telegram_api))
    long_text = "\n\n".join(f"Đoạn {n}: " + " ".join(["rửa tay"] * 400) for n in range(3))
    replies = []

    async def dispatch(_incoming):
        return [Reply(text=long_text, buttons=[Button("Xong", "done")])]

    await channel.start(await answering(channel, dispatch))
    try:
        telegram_api.push_text(RESIDENT, "cho xem")
        # The buttons travel with the last part: once they arrived, every part has.
        await eventually(lambda: any(keyboard(p) for p in sent_to(telegram_api, RESIDENT)))
        replies = sent_to(telegram_api, RESIDENT)
    finally:
        await channel.stop()
    assert all(len(p["text"]) <= 4096 for p in replies)
    assert [bool(keyboard(p)) for p in replies] == [False] * (len(replies) - 1) + [True]


@pytest.mark.parametrize(
    ("words", "methods"),
    [(20, ["sendPhoto"]), (200, ["sendPhoto", "sendMessage"])],
)
async def test_a_photo_goes_with_its_text_or_before_it(telegram_api, words, methods, answering):
    """A caption holds 1,024 characters: a longer text follows the photo, whole, not cut."""
    channel = TelegramChannel(telegram_settings(telegram_api))
    text = "**Cảnh báo** " + " ".join(["đun sôi nước"] * words)

    async def dispatch(_incoming):
        return [Reply(text=text, photo="https://loa.example.vn/anh/1.jpg")]

    await channel.start(await answering(channel, dispatch))
    try:
        telegram_api.push_text(RESIDENT, "xem ảnh")
        await eventually(lambda: len(sent_to(telegram_api, RESIDENT)) == len(methods))
    finally:
        await channel.stop()
    sent = [(method, p) for method, p in telegram_api.sent if str(p["chat_id"]) == str(RESIDENT)]
    assert [method for method, _ in sent] == methods
    shown = "".join(p.get("caption", "") + p.get("text", "") for _, p in sent)
    assert shown == "<b>Cảnh báo</b> " + " ".join(["đun sôi nước"] * words)


@pytest.fixture
async def webhook(telegram_api, dispatcher, database, aiohttp_client, answering):
    url = "https://loa.example.vn/telegram/webhook"
    channel = TelegramChannel(
        telegram_settings(telegram_api, webhook_url=url, webhook_secret=SECRET)
    )
    answers = await answering(channel, dispatcher.dispatch)
    await channel.start(Inbound(answers, database.sessions).dispatch)
    app = web.Application()
    app.add_routes(channel.web_routes())
    client = await aiohttp_client(app)
    assert telegram_api.webhook == {"url": url, "secret_token": SECRET}
    yield client
    await channel.stop()


async def test_webhook_handles_an_update_resent_or_replayed_once(webhook, telegram_api):
    def update(number: int, text: str) -> str:
        return json.dumps({"update_id": number, "message": message(text=text)})

    def welcomes_and_helps() -> tuple[int, int]:
        texts = [m["text"] for m in sent_to(telegram_api, RESIDENT)]
        return sum("Chào" in t for t in texts), sum("/chude" in t for t in texts)

    headers = {SECRET_HEADER: SECRET}
    answers = await asyncio.gather(
        *(webhook.post(WEBHOOK_PATH, data=update(42, "/start"), headers=headers) for _ in range(3))
    )
    assert [a.status for a in answers] == [200] * 3
    await webhook.post(WEBHOOK_PATH, data=update(43, "/trogiup"), headers=headers)
    await webhook.post(WEBHOOK_PATH, data=update(42, "/start"), headers=headers)  # a replay
    await webhook.post(WEBHOOK_PATH, data=update(44, "/trogiup"), headers=headers)
    # Updates are handled in turn: once the second help is out, all before it are done.
    await eventually(lambda: welcomes_and_helps()[1] == 2)
    assert welcomes_and_helps() == (1, 2)


START = {"update_id": 1, "message": message(text="/start")}

WEBHOOK_CASES = [
    WebhookCase("a command", START, incoming={"text": "/start", "chat_id": str(RESIDENT)}),
    *(
        WebhookCase(f"stranger {name}", START, 403, headers=headers)
        for name, headers in (
            ("without a secret", {}),
            ("with a guess", {SECRET_HEADER: "doan-mo"}),
            ("with a non-ascii guess", {SECRET_HEADER: "bí-mật-trạm"}),
            ("with the secret and more", {SECRET_HEADER: SECRET + "x"}),
        )
    ),
    # Telegram re-sends an update until it is answered 2xx: what cannot be read is
    # answered 200 and skipped.
    *(
        WebhookCase(f"unreadable {number}", body)
        for number, body in enumerate(
            [
                "{không phải json",
                "null",
                "[1, 2]",
                '"x"',
                "{}",
                "[" * 100_000 + "]" * 100_000,
                {"update_id": 7, **UNREADABLE[0]},
            ]
        )
    ),
]


@pytest.fixture
async def rig(telegram_api, aiohttp_client) -> AsyncIterator[WebhookRig]:
    url = "https://loa.example.vn/telegram/webhook"
    channel = TelegramChannel(
        telegram_settings(telegram_api, webhook_url=url, webhook_secret=SECRET)
    )
    app = web.Application()
    app.add_routes(channel.web_routes())
    client = await aiohttp_client(app)
    received: list[Incoming] = []
    markers = itertools.count(900_000)

    async def settle() -> None:
        # PTB handles webhook updates in turn: once a marker posted after the case is
        # handled, so is the case.
        marker = json.dumps({"update_id": next(markers), "message": message(text="/marker")})
        await client.post(WEBHOOK_PATH, data=marker, headers={SECRET_HEADER: SECRET})
        await eventually(lambda: bool(received) and received[-1].text == "/marker")
        received.pop()

    rig = WebhookRig(
        client, WEBHOOK_PATH, telegram_api, lambda _raw: {SECRET_HEADER: SECRET}, settle, received
    )
    async with running(channel, rig):
        yield rig


test_webhook_case = webhook_cases_test(WEBHOOK_CASES)


# fault at the telegram_api server → what the outbox is told
SEND_ERRORS = [
    ("throttle", FailureKind.THROTTLED, "retry after 7"),
    ("blocked", FailureKind.BLOCKED, "blocked by the user"),
    ("kicked", FailureKind.BLOCKED, "kicked"),
    ("migrate", FailureKind.MIGRATED, "upgraded to a supergroup"),
    ("invalid", FailureKind.INVALID, "chat not found"),
    ("server_error", FailureKind.TRANSIENT, "Internal Server Error"),
    ("bad_gateway", FailureKind.TRANSIENT, "502"),
    ("timeout", FailureKind.TRANSIENT, "Timeout"),
    ("disconnect", FailureKind.TRANSIENT, ""),
]


@pytest.mark.parametrize(("fault", "kind", "reason"), SEND_ERRORS)
async def test_send_errors_are_mapped_for_the_outbox(telegram_api, fault, kind, reason):
    channel = TelegramChannel(telegram_settings(telegram_api))
    channel.send_timeout = 0.2
    telegram_api.fail(GROUP, fault, retry_after=7, new_chat_id=-1009999)
    try:
        with pytest.raises(SendError) as raised:
            await channel.send(str(GROUP), Reply(text="Tin"))
        assert raised.value.kind is kind
        assert reason in raised.value.reason
        if kind is FailureKind.THROTTLED:
            assert raised.value.retry_after == 7
        if kind is FailureKind.MIGRATED:
            assert raised.value.new_chat_id == "-1009999"
        sent = await channel.send(str(RESIDENT), Reply(text="**Tin** thường"))
        assert sent.message_id and telegram_api.delivered[str(RESIDENT)] == ["<b>Tin</b> thường"]
    finally:
        await channel.stop()


async def test_an_unreachable_server_is_transient():
    channel = TelegramChannel(nobody_listening())
    try:
        with pytest.raises(SendError) as raised:
            await channel.send(str(RESIDENT), Reply(text="Tin"))
    finally:
        await channel.stop()
    assert raised.value.kind is FailureKind.TRANSIENT


def membership(status: str, chat: dict[str, Any]) -> dict[str, Any]:
    admin = {"id": 42, "is_bot": False, "first_name": "Tổ trưởng"}
    return {
        "my_chat_member": {
            "chat": chat,
            "from": admin,
            "date": int(time.time()),
            "old_chat_member": {"status": "left", "user": BOT_USER},
            "new_chat_member": {"status": status, "user": BOT_USER}
            | ({"until_date": 0} if status == "kicked" else {}),
        }
    }


async def test_a_group_registers_and_is_answered_only_when_addressed(
    polling, telegram_api, database
):
    group = {"id": GROUP, "type": "supergroup", "title": "Tổ 3 Hòa Bình"}
    telegram_api.push_update(membership("member", group))
    await eventually(lambda: len(sent_to(telegram_api, GROUP)) == 1)
    async with database.sessions() as session:
        registered = (await session.scalars(select(Subscriber))).one()
    assert (registered.chat_id, registered.kind) == (str(GROUP), "group")

    telegram_api.push_text(GROUP, "mai họp tổ lúc mấy giờ nhỉ", user_id=43, chat_type="supergroup")
    telegram_api.push_text(
        GROUP, "@LoaPhuongBot giờ mở cửa trạm y tế", user_id=43, chat_type="supergroup"
    )
    await eventually(lambda: len(sent_to(telegram_api, GROUP)) == 2)
    await asyncio.sleep(0.3)
    assert len(sent_to(telegram_api, GROUP)) == 2  # the chat between neighbours got no answer

    telegram_api.push_update(membership("kicked", group))
    for _ in range(250):
        async with database.sessions() as session:
            if not (await session.get(Subscriber, registered.id)).active:
                break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError("a group that removed the bot still receives broadcasts")


async def test_group_admins_and_pinning(telegram_api):
    channel = TelegramChannel(telegram_settings(telegram_api))
    telegram_api.admins[str(GROUP)] = [42, 43]
    try:
        assert await channel.group_admin_ids(str(GROUP)) == {"42", "43"}
        sent = await channel.send(str(GROUP), Reply(text="KHẨN: mất nước"))
        await channel.pin(str(GROUP), sent.message_id)
    finally:
        await channel.stop()
    assert telegram_api.calls["pinChatMessage"] == 1


async def test_a_resident_registers_for_screening_over_telegram(polling, telegram_api, database):
    async with database.sessions() as session:
        held = await add_session_row(
            session, date.today() + timedelta(days=7), ["Tổ 3"], place="Nhà văn hóa tổ 3"
        )
    steps = [
        ("text", "/dangky"),
        ("button", "screening:consent:yes"),
        ("button", "screening:who:self"),
        ("text", "tổ 3"),
        ("text", "Trần Văn Bình"),
        ("text", "1948"),
        ("button", "screening:groups_done"),
        ("text", "0912 345 678"),
        ("button", f"screening:session:{held.id}"),
        ("button", "screening:confirm"),
    ]
    for number, (kind, value) in enumerate(steps, start=1):
        if kind == "text":
            telegram_api.push_text(RESIDENT, value)
        else:
            telegram_api.push_button(RESIDENT, value)
        await eventually(lambda n=number: len(sent_to(telegram_api, RESIDENT)) >= n)
    assert "Mã đăng ký" in sent_to(telegram_api, RESIDENT)[-1]["text"]
    async with database.sessions() as session:
        registration = (await session.scalars(select(Registration))).one()
    assert (registration.full_name, registration.phone, registration.area) == (
        "Trần Văn Bình",
        "0912345678",
        "Tổ 3",
    )
