"""Adding, listing and removing news items, with the checks staff get told about in Vietnamese."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.areas import UnknownArea, match_areas
from bot.models.core import AuditLog
from bot.models.news import NewsItem
from content.station import UnknownTopic, find_topics, load_station

TITLE_LENGTH = 200
SUMMARY_LENGTH = 500
MAX_SENTENCES = 3
# A sentence ends at . ! ? or … followed by a space or the end ("TP.HCM" is one word).
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)")


class NewsError(ValueError):
    """Input staff can fix; the message says what is wrong, in Vietnamese."""


@dataclass
class NewsDraft:
    """What staff typed, before checking."""

    title: str
    summary: str
    day: date
    link: str | None = None
    topics: Sequence[str] = ()
    areas: Sequence[str] = ()
    source: str = ""
    title_en: str | None = None
    summary_en: str | None = None


def sentence_count(text: str) -> int:
    ends = len(_SENTENCE_END.findall(text.strip()))
    trailing = not _SENTENCE_END.search(text.strip()[-1:] or ".")
    return ends + (1 if trailing else 0)


def check_link(link: str) -> str:
    parts = urlsplit(link.strip())
    if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in link.strip():
        raise NewsError(f"đường dẫn không hợp lệ: {link!r} (cần dạng https://ten-trang.vn/…)")
    return link.strip()


def topic_codes(typed: Sequence[str]) -> list[str]:
    """Each typed topic as its code: the code itself or its label, with or without accents."""
    try:
        return find_topics(typed)
    except UnknownTopic as unknown:
        choices = ", ".join(unknown.known)
        raise NewsError(f"không có chủ đề {unknown.typed!r}; chọn trong: {choices}") from None


def area_names(typed: Sequence[str]) -> list[str]:
    try:
        return match_areas(list(typed), list(load_station().areas))
    except UnknownArea as exc:
        known = ", ".join(exc.known)
        raise NewsError(f"không có tổ dân phố {exc.typed!r}; chọn trong: {known}") from None


def checked_item(draft: NewsDraft, actor: str) -> NewsItem:
    """The draft as a NewsItem, or NewsError naming the first problem."""
    title, summary = draft.title.strip(), " ".join(draft.summary.split())
    if not title:
        raise NewsError("thiếu tiêu đề tin")
    if len(title) > TITLE_LENGTH:
        raise NewsError(f"tiêu đề dài {len(title)} ký tự; tối đa {TITLE_LENGTH}")
    if not summary:
        raise NewsError("thiếu tóm tắt (1–3 câu tiếng Việt)")
    if len(summary) > SUMMARY_LENGTH:
        raise NewsError(f"tóm tắt dài {len(summary)} ký tự; tối đa {SUMMARY_LENGTH}")
    if (sentences := sentence_count(summary)) > MAX_SENTENCES:
        raise NewsError(f"tóm tắt có {sentences} câu; điểm tin chỉ 1–3 câu")
    return NewsItem(
        day=draft.day,
        title=title,
        summary=summary,
        title_en=(draft.title_en or "").strip() or None,
        summary_en=" ".join((draft.summary_en or "").split()) or None,
        link=check_link(draft.link) if draft.link else None,
        topics=json.dumps(topic_codes(draft.topics)),
        areas=json.dumps(area_names(draft.areas), ensure_ascii=False),
        source=draft.source.strip()[:200],
        created_by=actor,
    )


async def add_news(session: AsyncSession, draft: NewsDraft, actor: str) -> NewsItem:
    item = checked_item(draft, actor)
    session.add(item)
    await session.flush()
    session.add(AuditLog(actor=actor, action="news.add", detail=f"điểm tin số {item.id}"))
    await session.commit()
    return item


async def remove_news(session: AsyncSession, item_id: int, actor: str) -> bool:
    item = await session.get(NewsItem, item_id)
    if item is None:
        return False
    await session.delete(item)
    session.add(AuditLog(actor=actor, action="news.remove", detail=f"điểm tin số {item_id}"))
    await session.commit()
    return True


async def list_news(
    session: AsyncSession, first: date | None = None, last: date | None = None
) -> list[NewsItem]:
    query = select(NewsItem).order_by(NewsItem.day, NewsItem.id)
    if first is not None:
        query = query.where(NewsItem.day >= first)
    if last is not None:
        query = query.where(NewsItem.day <= last)
    return list(await session.scalars(query))


def item_topics(item: NewsItem) -> list[str]:
    return list(json.loads(item.topics or "[]"))


def item_areas(item: NewsItem) -> list[str]:
    return list(json.loads(item.areas or "[]"))
