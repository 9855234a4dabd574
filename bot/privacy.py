"""/xoadulieu: forget one resident's chat — deletion that really deletes.

Gone: the subscriber row (its topics and queued outbox rows go with it by foreign key),
dialogue state, the web chat inbox, questions handed to staff, the return address of
rumor reports, survey answers. Screening registrations made from the account lose the name,
phone and identity hash; group, tổ dân phố, birth year and status stay as anonymous counts
for the monthly report, and upcoming ones are cancelled so their seats go to others.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import Incoming
from bot.models.core import AuditLog, DialogueStateRow, WebMessage
from bot.models.faq import FaqHandoff
from bot.models.staff import RumorReport
from bot.models.survey import SurveyAnswer, SurveyResponse
from bot.screening.registrations import erase_registrations, upcoming_of
from bot.subscribers import find_subscriber


async def upcoming_count(session: AsyncSession, incoming: Incoming, today: date) -> int:
    """How many screening seats erasing this chat would give back."""
    subscriber = await find_subscriber(session, incoming.channel, incoming.chat_id)
    if subscriber is None or subscriber.id is None:
        return 0
    return len(await upcoming_of(session, subscriber.id, today))


async def forget_chat(session: AsyncSession, incoming: Incoming, today: date) -> int:
    """Erase everything kept about this private chat; returns the registrations anonymised."""
    channel, chat_id = incoming.channel, incoming.chat_id
    anonymised = 0
    subscriber = await find_subscriber(session, channel, chat_id)
    if subscriber is not None and subscriber.id is not None:
        anonymised = await erase_registrations(session, subscriber.id, today)
        # The subscriber's deletion cascades to these; said outright, it needs no foreign keys.
        responses = select(SurveyResponse.id).where(SurveyResponse.subscriber_id == subscriber.id)
        await session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id.in_(responses)))
        await session.execute(delete(SurveyResponse).where(SurveyResponse.id.in_(responses)))
        await session.delete(subscriber)
    await session.execute(
        delete(DialogueStateRow).where(
            DialogueStateRow.channel == channel, DialogueStateRow.chat_id == chat_id
        )
    )
    if channel == "web":
        await session.execute(delete(WebMessage).where(WebMessage.user_id == chat_id))
    await session.execute(
        delete(FaqHandoff).where(FaqHandoff.channel == channel, FaqHandoff.chat_id == chat_id)
    )
    await session.execute(
        update(RumorReport)
        .where(RumorReport.channel == channel, RumorReport.chat_id == chat_id)
        .values(channel=None, chat_id=None)
    )
    session.add(
        AuditLog(
            actor="resident",
            action="privacy.erase",
            detail=f"{channel}; {anonymised} đăng ký khám đã ẩn danh",
        )
    )
    await session.commit()
    return anonymised


# A dialogue left half-way (say, a registration with a name and phone typed in) is
# forgotten after this long, so abandoned answers do not stay in the database.
ABANDONED_AFTER = timedelta(days=7)


async def forget_abandoned_dialogues(session: AsyncSession, now: datetime) -> int:
    """Periodic job: delete dialogue states untouched for ABANDONED_AFTER; returns how many."""
    result = await session.execute(
        delete(DialogueStateRow).where(DialogueStateRow.updated_at < now - ABANDONED_AFTER)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
