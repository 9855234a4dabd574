"""Calendar: the observance messages planned for the coming weeks, and whom they will reach."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web

from bot.scheduling.plan import SendKind, plan
from bot.scheduling.run import queued_keys, recipient_counts
from bot.web.dashboard.pages.common import render, services
from content.dates import format_full_date

TITLE = "Lịch gửi"
PATH = "/admin/calendar"
DAYS_AHEAD = 60
routes = web.RouteTableDef()


@routes.get("/calendar", name="calendar")
async def calendar_page(request: web.Request) -> web.Response:
    settings = services(request).settings
    today = datetime.now(settings.tz).date()
    sends = plan(today, today + timedelta(days=DAYS_AHEAD), settings=settings)
    async with services(request).sessions() as session:
        reach = await recipient_counts(session, sends)
        queued = await queued_keys(session, sends)
    rows = [
        {
            "day": format_full_date(send.date, "vi"),
            "time": send.send_at.strftime("%H:%M"),
            "reminder": send.kind is SendKind.REMINDER,
            "names": [o.name_vi for o in send.observances],
            "reach": reach.get(send.key, 0),
            "queued": queued.get(send.key),
        }
        for send in sends
    ]
    return render("calendar.html", request, {"rows": rows, "days": DAYS_AHEAD})
