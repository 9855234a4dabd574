"""A recipient's news digest: the period's items that match their topics and tổ, as pages.

A digest sent on day D covers the period just ended: daily → D−1; weekly (Mondays) → the
week Monday–Sunday before; monthly (the 1st) → the month before. A page is a short header
with the dates, one line per item, the links last; a page never exceeds the channel's
limit (2,000 characters on Zalo, 4,096 elsewhere), and when items are left the page ends
by saying how to read on (/xemthem 2, /xemthem 3, …).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.i18n import Gettext, translator
from bot.models.news import NewsItem
from bot.news.items import item_areas, item_topics
from bot.outbox.audience import EVERYTHING

ZALO_LIMIT = 2000
DEFAULT_LIMIT = 4096
MORE_COMMAND = "xemthem"


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    NEVER = "never"


def frequency_of(stored: str | None) -> Frequency:
    """A subscriber's frequency; None (subscribed before digests existed) is weekly."""
    try:
        return Frequency(stored) if stored else Frequency.WEEKLY
    except ValueError:
        return Frequency.WEEKLY


def text_limit(channel: str) -> int:
    return ZALO_LIMIT if channel.startswith("zalo") else DEFAULT_LIMIT


@dataclass(frozen=True)
class Period:
    frequency: Frequency
    first: date
    last: date

    def holds(self, day: date) -> bool:
        return self.first <= day <= self.last


def due_frequencies(day: date) -> list[Frequency]:
    """The digests that go out on `day`."""
    due = [Frequency.DAILY]
    if day.weekday() == 0:
        due.append(Frequency.WEEKLY)
    if day.day == 1:
        due.append(Frequency.MONTHLY)
    return due


def period_sent_on(frequency: Frequency, day: date) -> Period:
    """The period a `frequency` digest sent on `day` covers (the one just ended)."""
    if frequency is Frequency.DAILY:
        return Period(frequency, day - timedelta(days=1), day - timedelta(days=1))
    if frequency is Frequency.WEEKLY:
        monday = day - timedelta(days=day.weekday())
        return Period(frequency, monday - timedelta(days=7), monday - timedelta(days=1))
    last = day.replace(day=1) - timedelta(days=1)
    return Period(frequency, last.replace(day=1), last)


def next_send_day(frequency: Frequency, after: date) -> date:
    """The first day after `after` on which a `frequency` digest goes out: the one that
    carries the items of `after`."""
    if frequency is Frequency.WEEKLY:
        return after + timedelta(days=7 - after.weekday())
    if frequency is Frequency.MONTHLY:
        return (after.replace(day=28) + timedelta(days=4)).replace(day=1)
    return after + timedelta(days=1)


def last_send_day(frequency: Frequency, day: date) -> date:
    """The latest day up to `day` on which a `frequency` digest went out."""
    if frequency is Frequency.WEEKLY:
        return day - timedelta(days=day.weekday())
    if frequency is Frequency.MONTHLY:
        return day.replace(day=1)
    return day


def matches(item: NewsItem, topics: frozenset[str], area: str | None) -> bool:
    """For this recipient: a topic they chose (`chung` = all; an item without topics is for
    everyone), and their tổ when the item names some."""
    wanted = item_topics(item)
    areas = item_areas(item)
    topic_ok = not wanted or EVERYTHING in topics or not topics.isdisjoint(wanted)
    return topic_ok and (not areas or area in areas)


def chosen_items(
    items: Iterable[NewsItem], period: Period, topics: Iterable[str], area: str | None
) -> list[NewsItem]:
    chosen = frozenset(topics)
    return [i for i in items if period.holds(i.day) and matches(i, chosen, area)]


def header(_: Gettext, period: Period) -> str:
    if period.frequency is Frequency.DAILY:
        text = _("**Điểm tin y tế ngày {ngay}**").format(ngay=period.last.strftime("%d/%m/%Y"))
    elif period.frequency is Frequency.WEEKLY:
        text = _("**Điểm tin y tế tuần {tu} – {den}**").format(
            tu=period.first.strftime("%d/%m"), den=period.last.strftime("%d/%m/%Y")
        )
    else:
        text = _("**Điểm tin y tế tháng {thang}**").format(thang=period.last.strftime("%m/%Y"))
    return text


def item_line(item: NewsItem, number: int, link_number: int | None, lang: str) -> str:
    title = (item.title_en if lang == "en" else None) or item.title
    summary = (item.summary_en if lang == "en" else None) or item.summary
    reference = f" [{link_number}]" if link_number is not None else ""
    return f"{number}. **{title}** — {summary}{reference}"


def _page(
    _: Gettext,
    title: str,
    items: Sequence[NewsItem],
    first_number: int,
    lang: str,
    left: int,
    footer: str,
    page_number: int,
) -> str:
    lines, links = [], []
    for offset, item in enumerate(items):
        link_number = None
        if item.link:
            links.append(f"[{len(links) + 1}] {item.link}")
            link_number = len(links)
        lines.append(item_line(item, first_number + offset, link_number, lang))
    blocks = [title, "\n".join(lines)]
    if links:
        blocks.append(_("Đọc thêm:") + "\n" + "\n".join(links))
    if left:
        blocks.append(
            _("Còn {n} tin nữa: gõ /{lenh} {trang} để đọc tiếp.").format(
                n=left, lenh=MORE_COMMAND, trang=page_number + 1
            )
        )
    if footer:
        blocks.append(footer)
    return "\n\n".join(blocks)


def digest_pages(
    items: Sequence[NewsItem], period: Period, lang: str, limit: int, footer: str = ""
) -> list[str]:
    """The digest as pages of at most `limit` characters; [] when there is no item."""
    _ = translator(lang)
    pages: list[str] = []
    start = 0
    while start < len(items):
        title = header(_, period)
        if pages:
            title += " " + _("(tiếp, trang {n})").format(n=len(pages) + 1)
        end = start + 1
        while end < len(items):
            trial = _page(
                _, title, items[start : end + 1], start + 1, lang, 1, footer, len(pages) + 1
            )
            if len(trial) > limit:
                break
            end += 1
        left = len(items) - end
        page = _page(_, title, items[start:end], start + 1, lang, left, footer, len(pages) + 1)
        pages.append(page[:limit])  # one item alone longer than a page is cut, never split
        start = end
    return pages
