"""/dangky asks the tổ first, offers a waiting list when it has no session, fills in what
the chat already told the station, and lets one answer be changed from the confirmation."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.models.outbox import OutboxMessage
from bot.models.screening import Registration, WaitlistEntry
from bot.screening.waitlist import invite_waitlisted
from tests.screening_rows import add_session_row

SOON = date.today() + timedelta(days=7)


async def rows(database, model):
    async with database.sessions() as session:
        return list(await session.scalars(select(model)))


async def start_registering(chat) -> None:
    await chat.send("/dangky")
    await chat.send("dong y")
    await chat.send("cho ban than")


async def test_the_tổ_chosen_in_chude_is_offered_first(chat, database):
    async with database.sessions() as session:
        await add_session_row(session, SOON, ["Tổ 7"])
    await chat.send("/chude")
    await chat.send("xong")
    await chat.send("to 7")
    await chat.send("tieng viet")
    await start_registering(chat)
    assert "Bà con ở Tổ 7 phải không?" in chat.text
    assert next(iter(chat.buttons)) == "Tổ 7"
    await chat.send("đúng rồi")
    assert "Tổ 7 có 1 buổi khám còn chỗ" in chat.text


async def test_name_and_phone_known_from_before_are_one_tap_away(chat, database):
    async with database.sessions() as session:
        first = await add_session_row(session, SOON, ["Tổ 3"])
        await add_session_row(session, SOON + timedelta(days=1), ["Tổ 3"])
    await start_registering(chat)
    for typed in ("to 3", "Lê Văn Tám", "1950", "xong", "0912 345 678", "1", "xac nhan"):
        await chat.send(typed)
    await chat.send("/huy")
    await chat.press(chat.button_data("Lê Văn Tám"))
    await chat.press(chat.button_data("Hủy lịch này"))

    await start_registering(chat)
    await chat.send("to 3")
    assert "Lê Văn Tám" in chat.buttons
    await chat.send("le van tam")  # the name's button, typed
    await chat.send("1950")
    await chat.send("xong")
    assert "0912345678" in chat.buttons
    await chat.press(chat.button_data("0912345678"))
    assert "Các buổi khám cho Tổ 3" in chat.text
    await chat.send("2")
    await chat.send("xac nhan")
    registered = [row for row in await rows(database, Registration) if row.status == "registered"]
    assert [(r.full_name, r.phone) for r in registered] == [("Lê Văn Tám", "0912345678")]
    assert registered[0].session_id != first.id


async def test_one_answer_is_changed_from_the_confirmation(chat, database):
    async with database.sessions() as session:
        await add_session_row(session, SOON, ["Tổ 3"])
    await start_registering(chat)
    for typed in ("to 3", "Nguyễn Thị Mai", "1950", "xong", "0912 345 678", "1"):
        await chat.send(typed)
    assert "kiểm tra lại thông tin" in chat.text
    await chat.send("sua ho ten")
    await chat.send("Nguyễn Thị Mây")
    assert "kiểm tra lại thông tin" in chat.text and "Nguyễn Thị Mây" in chat.text
    await chat.send("xac nhan")
    [row] = await rows(database, Registration)
    assert (row.full_name, row.birth_year) == ("Nguyễn Thị Mây", 1950)


async def test_waiting_residents_are_invited_by_day_when_a_session_opens(chat, database, settings):
    await start_registering(chat)
    await chat.send("to 9")
    await chat.send("nhan toi khi co lich")
    await start_registering(chat)  # asking twice keeps one place on the list
    await chat.send("to 9")
    await chat.send("1")
    assert len(await rows(database, WaitlistEntry)) == 1
    async with database.sessions() as session:
        await add_session_row(session, SOON, ["Tổ 9"])
        await session.commit()

    night = datetime.combine(date.today(), datetime.min.time().replace(hour=23), settings.tz)
    noon = night.replace(hour=12)
    async with database.sessions() as session:
        assert await invite_waitlisted(session, night, tz=settings.tz) == 0
        assert await invite_waitlisted(session, noon, tz=settings.tz) == 1
        await session.commit()
    async with database.sessions() as session:
        assert await invite_waitlisted(session, noon, tz=settings.tz) == 0  # once only
    [message] = await rows(database, OutboxMessage)
    assert "Tổ 9" in message.text and "/dangky" in message.text


@pytest.mark.parametrize("erase", ["xoa du lieu"])
async def test_erasing_removes_the_place_on_the_waiting_list(chat, database, erase):
    await start_registering(chat)
    await chat.send("to 9")
    await chat.send("nhan toi khi co lich")
    await chat.send(erase)
    await chat.send("dong y")
    assert await rows(database, WaitlistEntry) == []
