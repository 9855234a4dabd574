"""The FAQ question log (for staff review) and the hand-off queue to staff.

The log keeps the question text, the topic and the score, never who asked; phone
numbers typed into a question are masked before it is stored.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.core import Incoming
from bot.db import Database
from bot.direct import message_chat
from bot.faq.index import Match
from bot.hot_statements import hot
from bot.i18n import translator
from bot.models.core import AuditLog
from bot.models.faq import FaqHandoff, FaqQuestion
from bot.models.types import utcnow

MAX_TEXT = 500
# 9–12 digits, possibly split by spaces, dots or dashes, optionally +84: a phone number.
_PHONE = re.compile(r"(?<!\d)(?:\+?84[\s.-]?)?\d(?:[\s.-]?\d){8,11}(?!\d)")
UNANSWERED = ("unsure", "off_topic", "advice")
_LOG_QUESTION = insert(FaqQuestion.__table__)  # type: ignore[attr-defined]


class HandoffError(ValueError):
    """A staff answer that cannot be recorded; the message says why, in Vietnamese."""


def mask_phones(text: str) -> str:
    return _PHONE.sub("[số điện thoại]", text)


def outcome_of(match: Match) -> str:
    if match.emergency:
        return "emergency"
    if match.id is not None:
        return "answered"
    if match.advice:
        return "advice"
    return "off_topic" if match.off_topic else "unsure"


async def log_question(engine: AsyncEngine, text: str, language: str, match: Match) -> int:
    """The question logged and committed; returns the new row's id."""
    values = {
        "asked_at": utcnow(),
        "language": language,
        "text": mask_phones(text.strip())[:MAX_TEXT],
        "topic": match.id,
        "score": match.score,
        "outcome": outcome_of(match),
        "chosen_topic": None,
    }
    # One statement built once, run as a hot statement: a session and an ORM row cost more
    # than SQLite takes to store the question.
    added = await hot(engine).write(_LOG_QUESTION, values)
    assert added.new_id is not None
    return added.new_id


async def record_choice(session: AsyncSession, question_id: int, topic: str) -> str | None:
    """Remember which suggested topic the resident picked (feedback for staff); the
    language the question was asked in, if it is still logged."""
    row = await session.get(FaqQuestion, question_id)
    if row is None:
        return None
    row.chosen_topic = topic
    await session.commit()
    return row.language


async def hand_off(
    session: AsyncSession, incoming: Incoming, question_id: int, language: str
) -> FaqHandoff | None:
    """Queue a logged question for staff, with whom to answer; once per person. The
    answer goes out in the language the question was asked in (`language`: if unknown)."""
    question = await session.get(FaqQuestion, question_id)
    if question is None:
        return None
    existing = await session.scalar(
        select(FaqHandoff).where(
            FaqHandoff.channel == incoming.channel,
            FaqHandoff.chat_id == incoming.chat_id,
            FaqHandoff.user_id == incoming.user_id,
            FaqHandoff.text == question.text,
            FaqHandoff.status == "open",
        )
    )
    if existing is not None:
        return existing
    handoff = FaqHandoff(
        channel=incoming.channel,
        chat_id=incoming.chat_id,
        user_id=incoming.user_id,
        language=question.language or language,
        text=question.text,
    )
    session.add(handoff)
    await session.commit()
    return handoff


async def open_handoffs(session: AsyncSession, limit: int = 100) -> list[FaqHandoff]:
    """The staff queue, oldest first."""
    rows = await session.scalars(
        select(FaqHandoff)
        .where(FaqHandoff.status == "open")
        .order_by(FaqHandoff.created_at, FaqHandoff.id)
        .limit(limit)
    )
    return list(rows)


async def answer_handoff(
    session: AsyncSession, handoff_id: int, answer: str, actor: str
) -> FaqHandoff:
    """Record a staff answer and send it to the resident who asked (through the outbox)."""
    answer = answer.strip()
    handoff = await session.get(FaqHandoff, handoff_id)
    if handoff is None:
        raise HandoffError(f"không có câu hỏi số {handoff_id}")
    if not answer:
        raise HandoffError("câu trả lời đang trống")
    if handoff.status != "open":
        raise HandoffError(f"câu hỏi số {handoff_id} đã được trả lời")
    _ = translator(handoff.language)
    text = _("**Cán bộ y tế trả lời câu hỏi của bà con**\n\n“{question}”\n\n{answer}").format(
        question=handoff.text, answer=answer
    )
    delivered = await message_chat(
        session,
        channel=handoff.channel,
        chat_id=handoff.chat_id,
        text=text,
        kind="faq_reply",
        key=f"faq-handoff:{handoff.id}",
        title=f"Trả lời câu hỏi số {handoff.id}",
        created_by=actor,
    )
    handoff.answer = answer
    handoff.answered_by = actor
    handoff.answered_at = utcnow()
    handoff.status = "answered" if delivered else "unreachable"
    session.add(handoff)
    session.add(AuditLog(actor=actor, action="faq.answer", detail=f"câu hỏi số {handoff.id}"))
    await session.commit()
    return handoff


async def unanswered(session: AsyncSession, days: int, limit: int) -> list[FaqQuestion]:
    """Questions the bot did not answer in the last `days` days, newest first."""
    rows = await session.scalars(
        select(FaqQuestion)
        .where(FaqQuestion.outcome.in_(UNANSWERED))
        .where(FaqQuestion.asked_at >= utcnow() - timedelta(days=days))
        .order_by(FaqQuestion.asked_at.desc(), FaqQuestion.id.desc())
        .limit(limit)
    )
    return list(rows)


async def unanswered_questions(database_url: str, days: int, limit: int) -> list[FaqQuestion]:
    """`unanswered` on its own connection (for the CLI); migrates first."""
    database = Database(database_url)
    try:
        await database.migrate()
        async with database.sessions() as session:
            return await unanswered(session, days, limit)
    finally:
        await database.close()
