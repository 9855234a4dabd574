"""Health news points: add an item (a form that works on a phone), see and remove items,
and read next Monday's digest exactly as it will go out."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from aiohttp import web

from bot.models.types import ROW_ID
from bot.news.digest import Frequency
from bot.news.items import NewsDraft, NewsError, add_news, item_areas, item_topics, list_news
from bot.news.items import remove_news as remove_item
from bot.news.preview import preview_pages
from bot.web.dashboard.pages.common import redirect, render, services, staff_name
from content.station import load_station, load_topics

TITLE = "Điểm tin"
PATH = "/admin/news"
routes = web.RouteTableDef()
# Items shown: those of the last weeks (older ones have gone out in every digest).
SHOWN_DAYS = 45


@routes.get("/news", name="news")
async def news_page(request: web.Request) -> web.Response:
    today = datetime.now(services(request).settings.tz).date()
    monday = today + timedelta(days=7 - today.weekday())
    async with services(request).sessions() as session:
        items = await list_news(session, today - timedelta(days=SHOWN_DAYS))
        weekly = await preview_pages(session, Frequency.WEEKLY.value, monday, None)
    return render(
        "news.html",
        request,
        {
            "items": [(i, item_topics(i), item_areas(i)) for i in reversed(items)],
            "topics": load_topics(),
            "areas": load_station().areas,
            "today": today.isoformat(),
            "monday": monday,
            "weekly": weekly[0] if weekly else "",
            "message": request.query.get("msg", ""),
        },
    )


@routes.post("/news", name="news_add")
async def add(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        day = date.fromisoformat(str(form.get("day") or "")) if form.get("day") else None
    except ValueError:
        raise redirect(PATH, "Lỗi: ngày không hợp lệ (dạng năm-tháng-ngày).") from None
    draft = NewsDraft(
        title=str(form.get("title", "")),
        summary=str(form.get("summary", "")),
        day=day or datetime.now(services(request).settings.tz).date(),
        link=str(form.get("link", "")).strip() or None,
        topics=[str(t) for t in form.getall("topic", [])],
        areas=[str(a) for a in form.getall("area", [])],
        source=str(form.get("source", "")),
        title_en=str(form.get("title_en", "")) or None,
        summary_en=str(form.get("summary_en", "")) or None,
    )
    try:
        async with services(request).sessions() as session:
            item = await add_news(session, draft, staff_name(request))
    except NewsError as exc:
        raise redirect(PATH, f"Lỗi: {exc}.") from None
    raise redirect(PATH, f"Đã thêm tin số {item.id}: {item.title}", f"news-{item.id}")


@routes.post(f"/news/{{item_id:{ROW_ID}}}/remove", name="news_remove")
async def remove(request: web.Request) -> web.Response:
    item_id = int(request.match_info["item_id"])
    async with services(request).sessions() as session:
        removed = await remove_item(session, item_id, staff_name(request))
    raise redirect(PATH, f"Đã xóa tin số {item_id}." if removed else "Tin này đã được xóa.")
