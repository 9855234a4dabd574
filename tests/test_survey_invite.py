"""The survey's invitation goes through the outbox once, at the send hour, to residents
not asked yet, in their language, and never into the quiet hours."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.models.core import Subscriber
from bot.models.outbox import OutboxMessage
from bot.models.survey import SurveyResponse
from bot.scheduling.plan import Timing
from bot.survey.invite import queue_invitation

TIMING = Timing()
INVITE_DAY = date(2027, 1, 11)  # content/surveys/nhu_cau_thong_tin.yaml


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(TIMING.timezone))


async def test_invited_once_in_their_language_within_the_sending_hours(database):
    async with database.sessions() as session:
        people = [
            Subscriber(channel="telegram", chat_id="1"),
            Subscriber(channel="telegram", chat_id="2", language="en"),
            Subscriber(channel="telegram", chat_id="3"),  # said "do not ask again"
            Subscriber(channel="telegram", chat_id="-4", kind="group"),
            Subscriber(channel="telegram", chat_id="5", active=False),
        ]
        session.add_all(people)
        await session.flush()
        session.add(
            SurveyResponse(survey="nhu_cau_2027", subscriber_id=people[2].id,
                           status="declined", channel="telegram")
        )  # fmt: skip
        await session.commit()

    assert await queue_invitation(at(date(2027, 1, 10), 9), database, TIMING) is None  # too soon
    assert await queue_invitation(at(INVITE_DAY, 7), database, TIMING) is None  # before 08:00
    assert await queue_invitation(at(INVITE_DAY, 9), database, TIMING) is not None
    assert await queue_invitation(at(date(2027, 1, 12), 9), database, TIMING) is None  # once

    async with database.sessions() as session:
        rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [(r.chat_id, r.text.split()[0]) for r in rows] == [("1", "Trạm"), ("2", "The")]
    assert all("/khaosat" in r.text for r in rows)
    for row in rows:
        local = row.not_before.astimezone(TIMING.tz)
        assert not TIMING.is_quiet(local) and not TIMING.is_quiet(row.not_after)
