"""Screening by the clock: a session is open until it starts (local date and time), and the
confirmation promises exactly the reminders that will be sent. The dialogue's clock is frozen."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.models.outbox import Broadcast
from bot.models.screening import Registration, ScreeningSession
from bot.screening.registrations import Outcome, register
from bot.screening.reminders import STATION_TZ, queue_due_reminders
from bot.screening.sessions import archive_session
from tests.helpers import ChatDriver
from tests.screening_rows import add_session_row
from tests.test_screening_dialogue import reach
from tests.test_screening_seats import applicant

NOW = datetime(2030, 3, 12, 10, 0, tzinfo=STATION_TZ)
DAY = NOW.date()


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self, tz) -> datetime:
        return self.now.astimezone(tz)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock()
    monkeypatch.setattr("handlers.screening.local_now", frozen)
    return frozen


async def add(database: Database, day, start: time) -> ScreeningSession:
    async with database.sessions() as session:
        return await add_session_row(session, day, ["Tổ 3"], start=start)


async def rows(database: Database) -> list[Registration]:
    async with database.sessions() as session:
        return list(await session.scalars(select(Registration)))


async def test_a_session_that_has_started_is_neither_offered_nor_booked(chat, database, clock):
    started = await add(database, DAY, time(7, 30))
    later = await add(database, DAY, time(14, 0))
    await reach(chat, 7)
    assert next(iter(chat.buttons.values())) == f"screening:session:{later.id}"
    assert f"screening:session:{started.id}" not in chat.buttons.values()

    await chat.press(f"screening:session:{started.id}")  # a button from an older list
    assert "không còn nhận đăng ký" in chat.text and "hết chỗ" not in chat.text
    async with database.sessions() as session:
        booking = await register(
            session, applicant(1), session_id=started.id or 0, subscriber_id=None, now=NOW
        )
    assert booking.outcome is Outcome.CLOSED and await rows(database) == []


async def test_a_session_that_starts_before_the_confirmation_is_not_booked(chat, database, clock):
    later = await add(database, DAY, time(14, 0))
    await reach(chat, 7)
    await chat.press(f"screening:session:{later.id}")
    clock.now = NOW.replace(hour=14, minute=5)
    await chat.press("screening:confirm")
    assert "không còn nhận đăng ký" in chat.text and await rows(database) == []


async def test_a_session_archived_mid_dialogue_is_not_called_full(chat, database, clock):
    held = await add(database, DAY + timedelta(days=3), time(8, 0))
    await reach(chat, 7)
    await chat.press(f"screening:session:{held.id}")
    async with database.sessions() as session:
        await archive_session(session, held.id or 0, actor="lan")
    await chat.press("screening:confirm")
    assert "không còn nhận đăng ký" in chat.text and "chỗ cuối cùng" not in chat.text


async def reminders_sent_before(database: Database, held: ScreeningSession) -> set[str]:
    """Run the reminder hook every ten minutes from NOW to the start; the kinds queued."""
    start = datetime.combine(held.day, held.start, tzinfo=STATION_TZ)
    moment = NOW
    while moment < start:
        async with database.sessions() as session:
            await queue_due_reminders(session, moment)
            await session.commit()
        moment += timedelta(minutes=10)
    async with database.sessions() as session:
        return {key.split(":")[1] for key in await session.scalars(select(Broadcast.key))}


@pytest.mark.parametrize(
    ("day", "start", "promise", "sent"),
    [
        (DAY + timedelta(days=1), time(9, 0), "nhắc vào tối hôm trước và sáng hôm khám",
         {"eve", "morning"}),
        # before 08:00 there is no morning reminder: the evening one says so
        (DAY + timedelta(days=1), time(7, 0), "nhắc vào tối hôm trước\n", {"eve"}),
        (DAY, time(14, 0), "không nhắn nhắc nữa", set()),
    ],
)  # fmt: skip
async def test_the_confirmation_promises_only_the_reminders_that_will_come(
    dispatcher, database, clock, day, start, promise, sent
):
    held = await add(database, day, start)
    chat = ChatDriver(dispatcher)
    await reach(chat, 7)
    await chat.press(f"screening:session:{held.id}")
    await chat.press("screening:confirm")
    assert promise in chat.text
    assert await reminders_sent_before(database, held) == sent
