"""Dates as residents read them: "Thứ Ba, ngày 24 tháng 3 năm 2026" / "Tuesday, March 24, 2026"."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date

# How staff type a day: 2026-11-20, 20/11/2026 or 20-11-2026 (day first, as in Vietnam).
DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")


def read_day(text: str) -> date | None:
    """The day `text` names in one of DAY_FORMATS, or None."""
    for pattern in DAY_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def format_full_date(day: date, locale: str = "vi") -> str:
    """The full date with weekday in `locale` (vi or en)."""
    if locale == "vi":
        # Babel's Vietnamese "full" pattern gives "Thứ Ba, 24 tháng 3, 2026"; the content
        # guide wants the spoken form with "ngày … năm …".
        weekday = format_date(day, "EEEE", locale="vi")
        return f"{weekday}, ngày {day.day} tháng {day.month} năm {day.year}"
    return format_date(day, "full", locale=locale)


def format_short_date(day: date) -> str:
    """Day and month as the station writes them in tables: "04/02"."""
    return f"{day.day:02d}/{day.month:02d}"


def format_day_month(day: date, locale: str = "vi") -> str:
    """Day and month in a sentence: "30/6" / "June 30"."""
    if locale == "vi":
        return f"{day.day}/{day.month}"
    return format_date(day, "MMMM d", locale=locale)
