"""What the half-year and annual reports say about the survey and the news points."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models.news import NewsItem
from bot.models.outbox import Broadcast, OutboxMessage
from bot.survey.invite import invitation_key
from bot.survey.results import STATUS_NAMES, load_results
from content.surveys import load_surveys

# Every digest opens with its header (bot/news/digest.py), alone or below an observance's
# text: "**Điểm tin y tế ngày …", "**Health news of …".
DIGEST_HEADERS = ("**Điểm tin y tế", "**Health news")


async def survey_rows(session: AsyncSession, since: datetime, until: datetime) -> list[list]:
    """Per survey with responses in the period: invitations delivered, each status, and
    its most requested topics."""
    rows: list[list] = []
    for survey in load_surveys():
        results = await load_results(session, survey, since, until)
        if not results.statuses:
            continue
        invited = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .join(Broadcast, Broadcast.id == OutboxMessage.broadcast_id)
            .where(Broadcast.key == invitation_key(survey.code), OutboxMessage.status == "sent")
        )
        title = survey.text("title", "vi")
        rows += [
            [title, "Lời mời đã gửi tới", int(invited or 0)],
            [title, "Người trả lời ít nhất một câu", results.answered],
            *([title, name, results.statuses[code]] for code, name in STATUS_NAMES.items()),
            *(
                [title, f"Chủ đề được mong muốn nhiều thứ {rank}: {label}", count]
                for rank, (label, count) in enumerate(results.top_topics(), start=1)
            ),
        ]
    return rows


async def news_rows(session: AsyncSession, since: datetime, until: datetime) -> list[list]:
    """News items of the period, the digests delivered and how many people they reached."""
    items = await session.scalar(
        select(func.count())
        .select_from(NewsItem)
        .where(NewsItem.day >= since.date(), NewsItem.day < until.date())
    )
    delivered = (
        select(OutboxMessage.subscriber_id)
        .join(Broadcast, Broadcast.id == OutboxMessage.broadcast_id)
        .where(
            OutboxMessage.status == "sent",
            OutboxMessage.sent_at >= since,
            OutboxMessage.sent_at < until,
            or_(
                Broadcast.key.like("news:%"),
                *(OutboxMessage.text.contains(header) for header in DIGEST_HEADERS),
            ),
        )
    ).subquery()
    sent, reached = (
        await session.execute(
            select(func.count(), func.count(func.distinct(delivered.c.subscriber_id)))
        )
    ).one()
    return [
        ["Tin điểm tin y tế đưa lên trong kỳ", int(items or 0)],
        ["Bản điểm tin đã gửi tới người nhận", int(sent or 0)],
        ["Số người/nhóm đã nhận điểm tin", int(reached or 0)],
    ]
