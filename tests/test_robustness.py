"""Bad input gets a clear reply, never a crash, never a lost subscriber."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core import Reply
from bot.models.core import Subscriber


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"button": "khong-co-nut-nay"}, "Nút này đã cũ"),
        ({"button": "topic:khong_co"}, "Chủ đề này không còn"),
        ({"text": None, "photo": "file-1"}, "tin nhắn chữ"),
        ({"text": "/lenhla"}, "chưa hiểu"),
        ({"text": "x" * 4096}, "chưa chắc"),
    ],
)
async def test_odd_input_gets_a_clear_reply(chat, kwargs, expected):
    text = kwargs.pop("text", None)
    if "button" in kwargs:
        await chat.press(kwargs["button"])
    else:
        await chat.send(text, **kwargs)
    assert expected in chat.text


async def test_a_failing_handler_answers_politely_and_keeps_the_subscriber(
    chat, database, monkeypatch
):
    await chat.send("/start")

    async def broken(*_args, **_kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("handlers.subscribe.topics_of", broken)
    await chat.send("/chude")
    assert "trục trặc" in chat.text
    async with database.sessions() as session:
        assert await session.scalar(select(Subscriber.active)) is True


async def test_staff_commands_check_the_role(services):
    from bot.app import build_dispatcher
    from bot.routing import Router
    from handlers import ROUTERS
    from tests.helpers import ChatDriver

    router = Router("probe")

    @router.command("probe_staff", role="staff")
    async def probe(_incoming, _ctx):
        return Reply("ok, staff")

    dispatcher = build_dispatcher(services, [*ROUTERS, router])
    resident, staff = ChatDriver(dispatcher), ChatDriver(dispatcher, user_id="staff-1")
    await resident.send("/probe_staff")
    assert "chỉ dành cho cán bộ" in resident.text
    await staff.send("/probe_staff")
    assert staff.text == "ok, staff"
