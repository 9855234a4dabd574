"""The Telegram adapter end to end: a real python-telegram-bot Application against the telegram_api
Bot API (polling and webhook), the outbox's send path and its error mapping, groups."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.channels.base import FailureKind, SendError
from bot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH, TelegramChannel
from bot.config import load_settings
from bot.core import Button, Reply
from bot.models.core import Subscriber
from bot.models.screening import Registration
from tests.fakes.telegram_server import BOT_USER, TOKEN, FakeTelegramServer
from tests.processes import free_port
from tests.screening_rows import add_session_row

RESIDENT = 501
GROUP = -1001234


def telegram_settings(telegram_api: FakeTelegramServer, **extra: Any):
    return load_settings(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=telegram_api.base_url,
        _env_file=None,
        **extra,
    )


@pytest.fixture
async def polling(telegram_api, dispatcher) -> AsyncIterator[TelegramChannel]:
    channel = TelegramChannel(telegram_settings(telegram_api))
    await channel.start(dispatcher.dispatch)
    yield channel
    await channel.stop()


async def eventually(check: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the bot did not answer in time"
        await asyncio.sleep(0.02)


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


def message(**fields: Any) -> dict[str, Any]:
    return {
        "message_id": 77,
        "date": int(time.time()),
        "chat": {"id": RESIDENT, "type": "private"},
        "from": {"id": RESIDENT, "is_bot": False, "first_name": "Cư dân"},
        **fields,
    }


# Well-formed updates a poller meets in real life; none may stop it (each is answered or
# skipped). A malformed batch is PTB's to handle: it logs it and asks again.
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


async def test_a_long_reply_is_split_for_telegram(telegram_api):
    channel = TelegramChannel(telegram_settings(telegram_api))
    long_text = "\n\n".join(f"Đoạn {n}: " + " ".join(["rửa tay"] * 400) for n in range(3))
    replies = []

    async def dispatch(_incoming):
        return [Reply(text=long_text, buttons=[Button("Xong", "done")])]

    await channel.start(dispatch)
    try:
        telegram_api.push_text(RESIDENT, "cho xem")
        await eventually(lambda: len(sent_to(telegram_api, RESIDENT)) >= 2)
        replies = sent_to(telegram_api, RESIDENT)
    finally:
        await channel.stop()
    assert all(len(p["text"]) <= 4096 for p in replies)
    assert [bool(keyboard(p)) for p in replies] == [False] * (len(replies) - 1) + [True]


async def test_webhook_mode_sets_the_secret_and_refuses_strangers(
    telegram_api, dispatcher, aiohttp_client
):
    url = "https://loa.example.vn/telegram/webhook"
    channel = TelegramChannel(
        telegram_settings(telegram_api, webhook_url=url, webhook_secret="bi-mat-tram-y-te")
    )
    await channel.start(dispatcher.dispatch)
    app = web.Application()
    app.add_routes(channel.web_routes())
    client = await aiohttp_client(app)
    update = {"update_id": 1, "message": message(text="/start")}
    try:
        assert telegram_api.webhook == {"url": url, "secret_token": "bi-mat-tram-y-te"}
        for headers in ({}, {SECRET_HEADER: "doan-mo"}):
            response = await client.post(WEBHOOK_PATH, json=update, headers=headers)
            assert response.status == 403
        assert sent_to(telegram_api, RESIDENT) == []
        bad = await client.post(WEBHOOK_PATH, data="{không phải json",
                                headers={SECRET_HEADER: "bi-mat-tram-y-te"})  # fmt: skip
        assert bad.status == 400
        good = await client.post(
            WEBHOOK_PATH, json=update, headers={SECRET_HEADER: "bi-mat-tram-y-te"}
        )
        assert good.status == 200
        await eventually(lambda: len(sent_to(telegram_api, RESIDENT)) == 1)
    finally:
        await channel.stop()


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
    settings = load_settings(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=f"http://127.0.0.1:{free_port()}/bot",
        _env_file=None,
    )
    channel = TelegramChannel(settings)
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
        ("text", "Trần Văn Bình"),
        ("text", "1948"),
        ("button", "screening:groups_done"),
        ("text", "tổ 3"),
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
