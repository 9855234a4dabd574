"""Seats: the last one goes to exactly one person, repeats are recognised, cancelling frees."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

from sqlalchemy import select

from bot.db import Database
from bot.models.core import Subscriber
from bot.models.screening import Registration, ScreeningSession
from bot.screening.registrations import (
    CODE_ALPHABET,
    CODE_LENGTH,
    Applicant,
    Outcome,
    cancel,
    open_sessions_for,
    register,
)
from bot.screening.reminders import STATION_TZ
from tests.helpers import ChatDriver
from tests.screening_rows import add_session_row
from tests.test_screening_dialogue import reach

NOW = datetime.now(STATION_TZ)
TODAY = NOW.date()
SOON = TODAY + timedelta(days=3)


def applicant(number: int) -> Applicant:
    return Applicant(
        full_name=f"Người Thứ {'ABCDEFGHIJKLMNOPQRST'[number]}",
        birth_year=1940 + number,
        phone=f"09123456{number:02d}",
        area="Tổ 3",
        groups=["nguoi_cao_tuoi"],
    )


async def add_session(database: Database, capacity: int, day: date = SOON) -> ScreeningSession:
    async with database.sessions() as session:
        return await add_session_row(session, day, ["Tổ 3"], capacity=capacity)


async def book(database: Database, who: Applicant, session_id: int | None) -> Outcome:
    assert session_id is not None
    async with database.sessions() as session:
        booking = await register(session, who, session_id=session_id, subscriber_id=None, now=NOW)
    return booking.outcome


async def seats_and_rows(database: Database, session_id: int | None) -> tuple[int, int]:
    async with database.sessions() as session:
        held = await session.get(ScreeningSession, session_id)
        rows = list(
            await session.scalars(select(Registration).where(Registration.session_id == session_id))
        )
    assert held is not None
    return held.seats_taken, len(rows)


async def test_two_people_pressing_for_the_last_seat_at_once(dispatcher, database):
    last_seat = await add_session(database, capacity=1)
    other = await add_session(database, capacity=5, day=SOON + timedelta(days=1))
    first, second = ChatDriver(dispatcher, user_id="a"), ChatDriver(dispatcher, user_id="b")
    for chat, phone in ((first, "0912000001"), (second, "0912000002")):
        await reach(chat, 6)
        await chat.send(phone)
        await chat.press(f"screening:session:{last_seat.id}")

    await asyncio.gather(first.press("screening:confirm"), second.press("screening:confirm"))

    winners = [chat for chat in (first, second) if "Mã đăng ký" in chat.text]
    [loser] = [chat for chat in (first, second) if chat not in winners]
    assert len(winners) == 1
    assert "chỗ cuối cùng" in loser.text
    assert next(iter(loser.buttons.values())) == f"screening:session:{other.id}"
    assert f"screening:session:{last_seat.id}" not in loser.buttons.values()
    assert await seats_and_rows(database, last_seat.id) == (1, 1)
    await loser.press(f"screening:session:{other.id}")
    await loser.press("screening:confirm")
    assert "Mã đăng ký" in loser.text


async def test_a_crowd_never_overfills_a_session(database):
    held = await add_session(database, capacity=3)
    outcomes = await asyncio.gather(*(book(database, applicant(n), held.id) for n in range(10)))
    assert outcomes.count(Outcome.CREATED) == 3 and outcomes.count(Outcome.FULL) == 7
    assert await seats_and_rows(database, held.id) == (3, 3)
    async with database.sessions() as session:
        assert await open_sessions_for(session, "Tổ 3", NOW) == []


async def test_the_same_person_twice_in_a_round_keeps_one_seat(database):
    held = await add_session(database, capacity=5)
    later = await add_session(database, capacity=5, day=SOON + timedelta(days=7))
    assert await book(database, applicant(1), held.id) is Outcome.CREATED
    assert await book(database, applicant(1), later.id) is Outcome.EXISTING
    assert await seats_and_rows(database, held.id) == (1, 1)
    assert await seats_and_rows(database, later.id) == (0, 0)


async def test_a_repeat_is_recognised_even_when_the_session_is_full(database):
    held = await add_session(database, capacity=1)
    assert await book(database, applicant(1), held.id) is Outcome.CREATED
    assert await book(database, applicant(1), held.id) is Outcome.EXISTING
    assert await book(database, applicant(2), held.id) is Outcome.FULL


async def test_past_and_archived_sessions_take_no_one(database):
    past = await add_session(database, capacity=5, day=TODAY - timedelta(days=1))
    async with database.sessions() as session:
        archived = await add_session_row(session, SOON, ["Tổ 3"], archived=True)
    assert await book(database, applicant(1), past.id) is Outcome.CLOSED
    assert await book(database, applicant(1), archived.id) is Outcome.CLOSED


async def test_codes_are_short_unambiguous_and_unique(database):
    held = await add_session(database, capacity=20)
    for n in range(20):
        await book(database, applicant(n), held.id)
    async with database.sessions() as session:
        codes = list(await session.scalars(select(Registration.code)))
    assert len(set(codes)) == 20
    assert all(len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET) for code in codes)
    for look_alikes in ("0O", "1IL", "2Z", "5S", "8B", "UV"):
        assert len(set(look_alikes) & set(CODE_ALPHABET)) <= 1


async def test_cancelling_frees_the_seat_for_the_next_person(database):
    held = await add_session(database, capacity=1)
    async with database.sessions() as session:
        owner = Subscriber(channel="web", chat_id="owner")
        session.add(owner)
        await session.commit()
        booking = await register(
            session, applicant(1), session_id=held.id or 0, subscriber_id=owner.id, now=NOW
        )
        assert booking.seat is not None
        registration_id = booking.seat.registration.id or 0
        stranger = (owner.id or 0) + 1
        assert await cancel(session, registration_id, subscriber_id=stranger, today=TODAY) is None
        assert await cancel(session, registration_id, subscriber_id=owner.id or 0, today=TODAY)
        assert (
            await cancel(session, registration_id, subscriber_id=owner.id or 0, today=TODAY) is None
        )
    assert await seats_and_rows(database, held.id) == (0, 1)
    assert await book(database, applicant(2), held.id) is Outcome.CREATED
