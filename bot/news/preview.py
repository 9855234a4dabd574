"""Exactly what a digest would be: for one subscriber, or the whole one (the forward kit's)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.models.core import Subscriber
from bot.news.digest import Frequency, period_sent_on
from bot.news.schedule import DueNews, full_digest
from bot.subscribers import topics_of


class PreviewError(ValueError):
    """A refusal in Vietnamese."""


async def preview_pages(
    session: AsyncSession, frequency: str, send_day: date, subscriber_id: int | None
) -> list[str]:
    period = period_sent_on(Frequency(frequency), send_day)
    news = await DueNews.load(session, send_day, since=period.first)
    if subscriber_id is None:
        text = full_digest(news, "vi", period)
        return [text] if text else []
    subscriber = await session.get(Subscriber, subscriber_id)
    if subscriber is None:
        raise PreviewError(f"không có người nhận tin số {subscriber_id}")
    topics = sorted(await topics_of(session, subscriber_id))
    return news.pages_for(subscriber, topics, period)
