"""The survey's invitation through the outbox: once per survey (its broadcast key), to the
residents not asked yet, spread over the morning from the send hour and never into the
quiet hours (what has not gone out by then expires; the greeting's button remains)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.core import ChatKind
from bot.db import Database
from bot.models.outbox import Broadcast, BroadcastKind
from bot.models.survey import SurveyResponse
from bot.outbox.audience import Audience
from bot.outbox.broadcasts import BroadcastRequest, create_broadcast
from bot.scheduling.plan import Timing
from bot.scheduling.texts import language_of
from bot.survey.responses import Status
from content.surveys import load_surveys

log = logging.getLogger(__name__)

KIND = BroadcastKind.SURVEY
SPREAD = timedelta(hours=2)


def invitation_key(code: str) -> str:
    return f"{KIND}:{code}"


async def queue_invitation(now: datetime, database: Database, timing: Timing) -> int | None:
    """Queue the invitation of the survey whose day has come (catch-up while it is open);
    returns the broadcast id, None when nothing was created."""
    today = now.astimezone(timing.tz).date()
    due = [s for s in load_surveys() if s.invite_on <= today <= s.closes_on]
    send_at = timing.send_time(today)
    deadline = timing.deadline(today, send_at)
    if not due or not send_at <= now < deadline:
        return None
    survey = due[0]
    async with database.sessions() as session:
        if await session.scalar(
            select(Broadcast.id).where(Broadcast.key == invitation_key(survey.code))
        ):
            return None
        asked = set(
            await session.scalars(
                select(SurveyResponse.subscriber_id).where(
                    SurveyResponse.survey == survey.code,
                    SurveyResponse.status != Status.STARTED,
                )
            )
        )
        broadcast = await create_broadcast(
            session,
            BroadcastRequest(
                text=survey.text("invitation", "vi"),
                text_en=survey.text("invitation", "en"),
                audience=Audience(kinds=[ChatKind.PRIVATE]),
                kind=KIND,
                key=invitation_key(survey.code),
                title=survey.text("title", "vi"),
                not_before=send_at,
                not_after=deadline,
                spread=SPREAD,
                quiet=timing,
                created_by="scheduler",
                texts_for=lambda subscriber, _topics: (
                    None
                    if subscriber.id in asked
                    else survey.text("invitation", language_of(subscriber.language))
                ),
            ),
        )
        if broadcast is None:
            await session.rollback()
            return None
        await session.commit()
    log.info("survey: queued the invitation to %s", survey.code)
    return broadcast.id
