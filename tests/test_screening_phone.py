"""/sdt: a resident shares a phone number, with its purpose said first, so the station can
invite them when a tổ dân phố's list carries it; /sdt or /xoadulieu deletes it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.models.core import AuditLog, Subscriber
from bot.models.outbox import OutboxMessage
from bot.screening.invites import invite_listed_subscribers
from bot.screening.lists import import_list
from bot.screening.reminders import STATION_TZ
from tests.screening_rows import add_session_row
from tests.test_screening_dialogue import production_logging  # noqa: F401 (fixture)

GOOD = (Path(__file__).parent / "data" / "screening" / "good.csv").read_bytes()
LISTED_PHONE = "0912345678"  # Nguyễn Văn An, Tổ 1, in good.csv
NOW = datetime.now(STATION_TZ)


async def kept_phone(database, chat_id: str = "resident-1") -> str | None:
    async with database.sessions() as session:
        return await session.scalar(select(Subscriber.phone).where(Subscriber.chat_id == chat_id))


async def test_the_purpose_comes_first_and_the_number_is_kept_in_normal_form(chat, database):
    await chat.send("/start")
    await chat.send("/sdt")
    assert "mời khám" in chat.text and "/xoadulieu" in chat.text and "Xóa số" not in chat.buttons
    assert await kept_phone(database) is None
    await chat.send("+84 912 345 678")
    assert "Đã lưu số 0912345678" in chat.text
    assert await kept_phone(database) == LISTED_PHONE
    async with database.sessions() as session:
        [audit] = await session.scalars(
            select(AuditLog).where(AuditLog.action == "screening.phone_shared")
        )
    assert "912" not in audit.detail


async def test_a_wrong_number_is_asked_again_and_hủy_stores_nothing(chat, database):
    await chat.send("/sdt")
    await chat.send("số nhà 12")
    assert "chưa đúng" in chat.text and "Hủy" in chat.buttons
    await chat.send("hủy")
    assert "giữ nguyên" in chat.text
    await chat.send("0912 345 678")  # no longer at the /sdt step: not taken as a number
    assert await kept_phone(database) is None


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("0912 345 67", "thiếu số"),
        ("0912 345 6789", "thừa số"),
        ("0225 3 123 456", "không phải số di động (số máy bàn"),
        ("1900 9095", "không phải số di động"),
    ],
)
async def test_a_wrong_number_is_named_for_what_is_wrong(chat, database, typed, said):
    await chat.send("/sdt")
    await chat.send(typed)
    assert said in chat.text and "Hủy" in chat.buttons
    assert await kept_phone(database) is None


async def test_the_kept_number_is_shown_and_can_be_deleted(chat, database):
    await chat.send("/sdt")
    await chat.send("0912 345 678")
    await chat.send("/sdt")
    assert "Số đang lưu: 0912345678" in chat.text
    await chat.press(chat.buttons["Xóa số"])
    assert "Đã xóa số điện thoại" in chat.text
    assert await kept_phone(database) is None


async def test_a_shared_number_lets_the_station_invite_and_erasing_ends_it(chat, database):
    today = NOW.date()
    async with database.sessions() as session:
        await add_session_row(session, today + timedelta(days=5), ["Tổ 1"])
        await import_list(session, "good.csv", GOOD, today=today, actor="lan")
        nobody = await invite_listed_subscribers(session, now=NOW, actor="lan")
    assert nobody.invited == 0
    await chat.send("/start")
    await chat.send("/sdt")
    await chat.send(LISTED_PHONE)
    async with database.sessions() as session:
        invited = await invite_listed_subscribers(session, now=NOW, actor="lan")
        [row] = await session.scalars(select(OutboxMessage))
    assert invited.invited == 1 and "/dangky" in (row.text or "")

    await chat.send("/xoadulieu")
    assert "số điện thoại nhận lời mời khám" in chat.text
    await chat.press("privacy:erase")
    assert await kept_phone(database) is None


async def test_sharing_a_number_logs_no_number(chat, production_logging, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    await chat.send("/sdt")
    await chat.send("0912 345 678")
    await chat.send("/sdt")
    await chat.press("screening:phone:forget")
    for private in ("0912345678", "0912 345 678", "912345678"):
        assert private not in caplog.text
