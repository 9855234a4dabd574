"""Overview: subscribers by topic, tổ dân phố and channel; growth; what went out lately."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from aiohttp import web
from markupsafe import Markup
from sqlalchemy import func, select

from bot.channels.base import AccountStatus
from bot.models.core import Subscriber
from bot.stats import KeyNumbers, key_numbers, last_days, receiving_at
from bot.web.dashboard.charts import bar_chart, line_chart
from bot.web.dashboard.pages.common import render, services
from bot.web.dashboard.pages.faq import CHANNEL_NAMES
from content.station import load_topics

TITLE = "Tổng quan"
PATH = "/admin/"
GROWTH_WEEKS = 12
routes = web.RouteTableDef()


@routes.get("/", name="overview")
async def overview(request: web.Request) -> web.Response:
    now = datetime.now(UTC)
    async with services(request).sessions() as session:
        numbers = await key_numbers(session, last_days(now))
        growth = await weekly_totals(session, now)
    # Drawing SVG charts is CPU work: done off the event loop.
    charts = await asyncio.to_thread(_charts, numbers, growth)
    accounts = [
        (CHANNEL_NAMES.get(name, name), channel)
        for name, channel in services(request).channels.items()
        if isinstance(channel, AccountStatus)
    ]
    return render(
        "overview.html",
        request,
        {"numbers": numbers, "charts": [Markup(c) for c in charts], "accounts": accounts},
    )


def _charts(numbers: KeyNumbers, growth: tuple[list[str], list[int]]) -> list[str]:
    topics = {t.code: t.vi for t in load_topics()}
    return [
        bar_chart("Theo chủ đề", {topics.get(k, k): v for k, v in numbers.by_topic.items()}),
        bar_chart("Theo tổ dân phố", numbers.by_area),
        bar_chart("Theo kênh", numbers.by_channel),
        line_chart("Số người nhận tin theo tuần", *growth),
    ]


async def weekly_totals(session, now: datetime) -> tuple[list[str], list[int]]:  # type: ignore[no-untyped-def]
    labels, values = [], []
    for weeks_ago in range(GROWTH_WEEKS - 1, -1, -1):
        cutoff = now - timedelta(weeks=weeks_ago)
        count = await session.scalar(
            select(func.count()).select_from(Subscriber).where(receiving_at(cutoff))
        )
        labels.append(cutoff.strftime("%d/%m"))
        values.append(int(count or 0))
    return labels, values
