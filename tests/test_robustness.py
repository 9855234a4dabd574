"""Bad input gets a clear reply, never a crash, never a lost subscriber."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.core import Reply
from bot.models.core import Subscriber
from bot.state import StateKey
from tests.screening_rows import add_session_row


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"button": "khong-co-nut-nay"}, "Nút này đã cũ"),
        ({"button": "topic:khong_co"}, "Nút này đã cũ"),  # a topic button outside /chude
        ({"text": None, "photo": "file-1"}, "tin nhắn chữ"),
        ({"text": "/lenhla"}, "chưa hiểu"),
        ({"text": "x" * 4096}, "Bà con"),  # the longest text allowed: the FAQ's polite "no"
    ],
)
async def test_odd_input_gets_a_clear_reply(chat, kwargs, expected):
    text = kwargs.pop("text", None)
    if "button" in kwargs:
        await chat.press(kwargs["button"])
    else:
        await chat.send(text, **kwargs)
    assert expected in chat.text and "trục trặc" not in chat.text


async def test_a_name_typed_in_decomposed_unicode_passes_the_name_step(chat, services, database):
    async with database.sessions() as session:
        await add_session_row(session, date.today() + timedelta(days=7), ["Tổ 3"])
    await chat.send("/dangky")
    await chat.press("screening:consent:yes")
    await chat.press("screening:who:self")
    await chat.send("Tổ 3")
    await chat.send(unicodedata.normalize("NFD", "Trần Thị Hạnh"))
    assert "Năm sinh" in chat.text
    state = await services.states.get(StateKey("web", "resident-1", "resident-1"))
    assert state is not None and state.data["full_name"] == "Trần Thị Hạnh"  # stored composed


async def test_a_failing_handler_answers_politely_and_keeps_the_subscriber(
    chat, database, monkeypatch
):
    await chat.send("/start")

    async def broken(*_args, **_kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("handlers.subscribe.subscriber_with_topics", broken)
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
    resident = ChatDriver(dispatcher, channel="telegram", user_id="5000")
    staff = ChatDriver(dispatcher, channel="telegram", user_id="9001")  # STAFF_IDS in conftest
    await resident.send("/probe_staff")
    assert "chỉ dành cho cán bộ" in resident.text
    await staff.send("/probe_staff")
    assert staff.text == "ok, staff"
