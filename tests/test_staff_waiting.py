"""Work waiting for staff: the 08:00 summary in staff chats, only when something waits."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import func, select

from bot.db import Database
from bot.models.core import Subscriber
from bot.models.faq import FaqHandoff
from bot.models.outbox import OutboxMessage
from bot.models.staff import RumorReport, StaffMember
from bot.screening.reminders import STATION_TZ
from bot.waiting import tell_staff_what_is_waiting

DAY = date(2030, 3, 12)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=STATION_TZ)


async def summary(database: Database, now: datetime) -> bool:
    async with database.sessions() as session:
        queued = await tell_staff_what_is_waiting(session, now)
        await session.commit()
    return queued


async def staff_texts(database: Database) -> list[str]:
    async with database.sessions() as session:
        return list(
            await session.scalars(
                select(OutboxMessage.text)
                .join(Subscriber, Subscriber.id == OutboxMessage.subscriber_id)
                .where(Subscriber.chat_id == "9001")
                .order_by(OutboxMessage.id)
            )
        )


async def test_staff_hear_at_eight_what_waits_once_a_day_and_nothing_on_a_quiet_day(database):
    async with database.sessions() as session:
        session.add(StaffMember(name="lan", telegram_id="9001"))
        session.add(Subscriber(channel="telegram", chat_id="9001"))
        session.add(Subscriber(channel="telegram", chat_id="resident"))
        await session.commit()
    assert not await summary(database, at(9))  # nothing waits: no message
    async with database.sessions() as session:
        for text in ("Con tôi sốt 3 ngày", "Tiêm phòng dại ở đâu"):
            session.add(FaqHandoff(channel="telegram", chat_id="r", user_id="r", text=text))
        session.add(RumorReport(reference="TD-1", text="Nước dừa chữa sốt xuất huyết"))
        await session.commit()

    assert not await summary(database, at(7, 59))
    assert not await summary(database, at(11, day=date(2030, 3, 11)))  # too late that day
    assert await summary(database, at(8))
    assert not await summary(database, at(8, 10))  # once a day
    [text] = await staff_texts(database)
    assert "2 câu hỏi chờ trả lời" in text and "1 tin báo chờ kiểm tra" in text
    assert "/admin/" in text
    async with database.sessions() as session:
        rows = await session.scalar(select(func.count()).select_from(OutboxMessage))
    assert rows == 1  # the staff chat only, not the resident
    assert await summary(database, at(8, day=date(2030, 3, 13)))
