"""A resident's response as it is given: started, each answer saved at once (stopping
half-way keeps what was said), then done, stopped or declined. Never a name: the tổ and
channel are copied for results, the subscriber id only marks "asked already"."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.faq.log import mask_phones
from bot.models.core import Subscriber
from bot.models.survey import SurveyAnswer, SurveyResponse
from bot.models.types import utcnow
from content.surveys import OTHER, Question


class Status(StrEnum):
    STARTED = "started"
    DONE = "done"
    STOPPED = "stopped"
    DECLINED = "declined"


async def response_of(
    session: AsyncSession, survey: str, subscriber_id: int
) -> SurveyResponse | None:
    return await session.scalar(
        select(SurveyResponse).where(
            SurveyResponse.survey == survey, SurveyResponse.subscriber_id == subscriber_id
        )
    )


async def should_invite(session: AsyncSession, survey: str, subscriber_id: int) -> bool:
    """Not asked again once they answered, stopped or said no (a started one may go on)."""
    response = await response_of(session, survey, subscriber_id)
    return response is None or response.status == Status.STARTED


async def start_response(session: AsyncSession, survey: str, subscriber: Subscriber) -> int:
    """The response to fill (a fresh one, or the one begun before: answers start over)."""
    assert subscriber.id is not None
    response = await response_of(session, survey, subscriber.id)
    if response is None:
        response = SurveyResponse(
            survey=survey, subscriber_id=subscriber.id, channel=subscriber.channel
        )
    response.area, response.status = subscriber.area, Status.STARTED
    session.add(response)
    await session.flush()
    assert response.id is not None
    await session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id == response.id))
    await session.commit()
    return response.id


async def save_answer(
    session: AsyncSession, response_id: int, question: str, choices: list[str], text: str = ""
) -> None:
    """One question's answer (replacing an earlier one); `text` goes with "Khác", its
    phone numbers masked."""
    await session.execute(
        delete(SurveyAnswer).where(
            SurveyAnswer.response_id == response_id, SurveyAnswer.question == question
        )
    )
    session.add_all(
        SurveyAnswer(
            response_id=response_id, question=question, choice=choice,
            text=mask_phones(text) if text and choice == OTHER else None,
        )
        for choice in choices
    )  # fmt: skip
    await session.commit()


async def finish_response(session: AsyncSession, response_id: int, status: Status) -> None:
    response = await session.get(SurveyResponse, response_id)
    if response is not None:
        response.status, response.finished_at = status, utcnow()
        await session.commit()


async def decline(session: AsyncSession, survey: str, subscriber: Subscriber) -> None:
    """ "Đừng hỏi lại": a response with no answers, so no invitation comes again."""
    response_id = await start_response(session, survey, subscriber)
    await finish_response(session, response_id, Status.DECLINED)


async def choices_of(
    session: AsyncSession, response_id: int, question: Question | None
) -> list[str]:
    """The options chosen for `question` in this response ("Khác" left out)."""
    if question is None:
        return []
    rows = await session.scalars(
        select(SurveyAnswer.choice).where(
            SurveyAnswer.response_id == response_id, SurveyAnswer.question == question.code
        )
    )
    return [code for code in rows if code != OTHER]
