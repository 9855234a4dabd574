"""Reminders are queued through the outbox once each, at their time (a frozen `now`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.models.core import Subscriber
from bot.models.outbox import Broadcast, OutboxMessage
from bot.models.screening import Registration
from bot.models.staff import StaffMember
from bot.screening.reminders import (
    STATION_TZ,
    queue_due_reminders,
    remind_staff_of_monthly_report,
)
from tests.screening_rows import add_registration, add_session_row

DAY = date(2030, 3, 12)
EVE = DAY - timedelta(days=1)
NAME = "Trần Văn Bình"


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=STATION_TZ)


@pytest.fixture
async def booked(database: Database) -> Registration:
    """One registration from a web chat account, for a session at 09:00 on DAY."""
    return await book_at(database, time(9))


async def book_at(database: Database, start: time) -> Registration:
    async with database.sessions() as session:
        resident = Subscriber(channel="web", chat_id="binh")
        session.add(resident)
        await session.commit()
        held = await add_session_row(session, DAY, ["Tổ 2"], place="Trạm y tế phường", start=start)
        row = await add_registration(session, held, "K7M3QX", "Tổ 2", ["ho_ngheo"], full_name=NAME)
        row.subscriber_id = resident.id
        await session.commit()
        return row


async def run(database: Database, now: datetime) -> int:
    async with database.sessions() as session:
        created = await queue_due_reminders(session, now)
        await session.commit()
    return created


async def queued(database: Database) -> dict[str, str]:
    """Broadcast key → the text the recipient gets."""
    async with database.sessions() as session:
        rows = await session.execute(
            select(Broadcast.key, OutboxMessage.text).join(
                OutboxMessage, OutboxMessage.broadcast_id == Broadcast.id
            )
        )
        return {str(key): str(text) for key, text in rows}


async def set_status(database: Database, registration: Registration, status: str) -> None:
    async with database.sessions() as session:
        row = await session.get(Registration, registration.id)
        assert row is not None
        row.status = status
        await session.commit()


async def test_evening_before_and_morning_of_each_queued_once(database, booked):
    timeline = [
        (local(EVE, 17, 59), 0),
        (local(EVE, 18, 0), 1),
        (local(EVE, 18, 5), 0),
        (local(EVE, 21, 0), 0),
        (local(DAY, 6, 59), 0),
        (local(DAY, 7, 0), 1),
        (local(DAY, 7, 10), 0),
        (local(DAY, 9, 0), 0),
    ]
    assert [await run(database, now) for now, _ in timeline] == [n for _, n in timeline]
    texts = await queued(database)
    assert set(texts) == {f"screening:eve:{booked.id}", f"screening:morning:{booked.id}"}
    eve = texts[f"screening:eve:{booked.id}"]
    assert NAME in eve and "K7M3QX" in eve and "09:00" in eve and "Trạm y tế phường" in eve
    assert "Ngày mai" in eve and "Hôm nay" in texts[f"screening:morning:{booked.id}"]
    assert "sáng mai mình không nhắn lại" not in eve


@pytest.mark.parametrize("start", [time(6, 30), time(7), time(7, 30)])
async def test_an_early_session_has_its_morning_folded_into_the_evening(database, start):
    early = await book_at(database, start)
    moments = [local(EVE, 18), local(DAY, 6), local(DAY, 7), local(DAY, 7, 10)]
    assert [await run(database, now) for now in moments] == [1, 0, 0, 0]
    [(key, eve)] = (await queued(database)).items()
    assert key == f"screening:eve:{early.id}"
    assert "sáng mai mình không nhắn lại" in eve and f"{start:%H:%M}" in eve


async def test_broadcast_rows_carry_the_code_but_never_the_name(database, booked):
    await run(database, local(EVE, 18))
    async with database.sessions() as session:
        [broadcast] = await session.scalars(select(Broadcast))
    assert "K7M3QX" in broadcast.text and NAME not in broadcast.text + broadcast.title
    assert broadcast.kind == "screening"


async def test_a_missed_evening_is_not_sent_the_next_morning(database, booked):
    assert await run(database, local(DAY, 7, 5)) == 1
    assert set(await queued(database)) == {f"screening:morning:{booked.id}"}


async def test_registering_after_the_reminder_time_skips_that_reminder(database, booked):
    async with database.sessions() as session:
        row = await session.get(Registration, booked.id)
        assert row is not None
        row.created_at = local(EVE, 19)
        await session.commit()
    assert await run(database, local(EVE, 20)) == 0
    assert await run(database, local(DAY, 7)) == 1


async def test_cancelled_registrations_get_no_reminder(database, booked):
    await set_status(database, booked, "cancelled")
    assert await run(database, local(EVE, 18)) == 0
    assert await run(database, local(DAY, 7)) == 0


async def test_results_note_the_day_after_only_for_those_who_came(database, booked):
    await set_status(database, booked, "no_show")
    assert await run(database, local(DAY + timedelta(days=1), 9)) == 0
    await set_status(database, booked, "attended")
    assert await run(database, local(DAY, 20)) == 0
    assert await run(database, local(DAY + timedelta(days=1), 8, 59)) == 0
    assert await run(database, local(DAY + timedelta(days=1), 9)) == 1
    assert await run(database, local(DAY + timedelta(days=2), 9)) == 0
    note = (await queued(database))[f"screening:results:{booked.id}"]
    assert "Sổ sức khỏe điện tử" in note and "VNeID" in note and NAME in note


async def test_attendance_marked_late_still_gets_the_note_in_daytime(database, booked):
    await set_status(database, booked, "attended")
    assert await run(database, local(DAY + timedelta(days=5), 23)) == 0  # quiet hours
    assert await run(database, local(DAY + timedelta(days=6), 7)) == 1
    assert await run(database, local(DAY + timedelta(days=40), 9)) == 0


async def test_reminders_come_in_the_language_the_resident_chose(database, booked):
    async with database.sessions() as session:
        resident = await session.get(Subscriber, booked.subscriber_id)
        assert resident is not None
        resident.language = "en"
        await session.commit()
    await run(database, local(EVE, 18))
    [text] = (await queued(database)).values()
    assert "tomorrow" in text and NAME in text


@pytest.fixture
async def staff_and_resident(database: Database) -> None:
    async with database.sessions() as session:
        session.add(StaffMember(name="lan", telegram_id="9001"))
        session.add_all(
            [
                Subscriber(channel="telegram", chat_id="9001"),
                Subscriber(channel="web", chat_id="staff-1"),  # a browser's name: no one
                Subscriber(channel="web", chat_id="resident"),
                Subscriber(channel="telegram", chat_id="-100123", kind="group"),
            ]
        )
        await session.commit()


async def remind_staff(database: Database, now: datetime, settings=None) -> bool:
    async with database.sessions() as session:
        queued_now = await remind_staff_of_monthly_report(session, now, settings=settings)
        await session.commit()
    return queued_now


async def test_staff_are_reminded_of_the_monthly_report_on_the_15th_once(
    database, settings, staff_and_resident
):
    assert not await remind_staff(database, local(date(2030, 3, 14), 9), settings)
    assert not await remind_staff(database, local(date(2030, 3, 15), 7, 59), settings)
    assert await remind_staff(database, local(date(2030, 3, 15), 8), settings)
    assert not await remind_staff(database, local(date(2030, 3, 15), 15), settings)
    assert await remind_staff(database, local(date(2030, 4, 15), 10), settings)
    async with database.sessions() as session:
        rows = await session.execute(
            select(Subscriber.chat_id, OutboxMessage.text)
            .join(OutboxMessage, OutboxMessage.subscriber_id == Subscriber.id)
            .join(Broadcast, Broadcast.id == OutboxMessage.broadcast_id)
            .where(Broadcast.key == "screening-report-reminder:2030-03")
        )
        reached = {chat_id: text for chat_id, text in rows}
    assert set(reached) == {"9001"}
    assert "--month 2030-03" in reached["9001"] and "ngày 20" in reached["9001"]
