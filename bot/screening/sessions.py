"""Screening sessions: add with validation, list with seats left, archive.

"The current round" is every session not yet archived; a session's round label
groups the sessions a ward runs together ("2026-11", "Đợt 2/2026").
Errors are ScreeningError with a Vietnamese message staff can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.areas import UnknownArea, match_areas
from bot.models.core import AuditLog
from bot.models.screening import ScreeningSession
from content.dates import read_day
from content.station import load_station

MAX_CAPACITY = 1000
MAX_PLACE = 200
MAX_ROUND = 64
_TIME = re.compile(r"^(\d{1,2})\s*[:hH.]\s*(\d{2})?$")


class ScreeningError(ValueError):
    """A staff request about screening that cannot be done; the message says why."""


def local_now(tz: tzinfo) -> datetime:
    """The station's wall-clock time (the TIMEZONE setting): sessions are dated and timed in it."""
    return datetime.now(tz)


@dataclass(frozen=True)
class SessionSeats:
    session: ScreeningSession
    seats_left: int


def parse_day(text: str) -> date:
    """'2026-11-20', '20/11/2026' or '20-11-2026' → a date."""
    day = read_day(text)
    if day is None:
        raise ScreeningError(f"ngày '{text}' không hợp lệ; viết 2026-11-20 hoặc 20/11/2026")
    return day


def parse_start(text: str) -> time:
    """'7:30', '07:30', '7h30', '7h' → a time of day."""
    match = _TIME.match(text.strip())
    hour, minute = (int(match.group(1)), int(match.group(2) or 0)) if match else (-1, -1)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ScreeningError(f"giờ '{text}' không hợp lệ; viết 7:30 hoặc 7h30")
    return time(hour, minute)


def parse_areas(text: str) -> list[str]:
    """'Tổ 1, to 2' → ['Tổ 1', 'Tổ 2'], each matched to the station's tổ dân phố."""
    parts = [piece.strip() for piece in text.split(",") if piece.strip()]
    try:
        areas = match_areas(parts, list(load_station().areas))
    except UnknownArea as unknown:
        raise ScreeningError(
            f"không có tổ dân phố '{unknown.typed}'; các tổ của trạm: {', '.join(unknown.known)}"
        ) from None
    if not areas:
        raise ScreeningError('cần ít nhất một tổ dân phố, ví dụ --to "Tổ 1,Tổ 2"')
    return areas


async def add_session(
    session: AsyncSession,
    *,
    day: date,
    start: time,
    place: str,
    areas: list[str],
    capacity: int,
    today: date,
    actor: str,
    round_label: str | None = None,
) -> ScreeningSession:
    """Validate and store a session; the round defaults to the current round's label."""
    place = place.strip()
    if day < today:
        raise ScreeningError(f"ngày {day:%d/%m/%Y} đã qua")
    if not place or len(place) > MAX_PLACE:
        raise ScreeningError(f"địa điểm phải có 1–{MAX_PLACE} ký tự")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise ScreeningError(f"số chỗ phải từ 1 đến {MAX_CAPACITY}")
    unknown = [area for area in areas if area not in load_station().areas]
    if unknown or not areas:
        raise ScreeningError(f"tổ dân phố không hợp lệ: {', '.join(unknown) or '(trống)'}")
    label = (round_label or "").strip() or await _default_round(session, day)
    if len(label) > MAX_ROUND:
        raise ScreeningError(f"tên đợt tối đa {MAX_ROUND} ký tự")
    row = ScreeningSession(
        round=label, day=day, start=start, place=place, areas=areas, capacity=capacity
    )
    session.add(row)
    await session.flush()
    session.add(
        AuditLog(
            actor=actor,
            action="screening.session_add",
            detail=f"#{row.id} {day.isoformat()} {start:%H:%M} {', '.join(areas)}",
        )
    )
    await session.commit()
    return row


async def _default_round(session: AsyncSession, day: date) -> str:
    current = await session.scalar(
        select(ScreeningSession.round)
        .where(ScreeningSession.archived.is_(False))
        .order_by(ScreeningSession.created_at.desc())
        .limit(1)
    )
    return current or f"{day:%Y-%m}"


async def list_sessions(
    session: AsyncSession, *, include_archived: bool = False, round_label: str | None = None
) -> list[SessionSeats]:
    """Sessions by date and time, each with its seats left."""
    query = select(ScreeningSession).order_by(ScreeningSession.day, ScreeningSession.start)
    if round_label is not None:
        query = query.where(ScreeningSession.round == round_label)
    elif not include_archived:
        query = query.where(ScreeningSession.archived.is_(False))
    return [
        SessionSeats(row, max(0, row.capacity - row.seats_taken))
        for row in await session.scalars(query)
    ]


async def archive_session(
    session: AsyncSession, session_id: int, *, actor: str
) -> ScreeningSession:
    """Take a session out of the current round (its rows stay for exports and reports)."""
    row = await session.get(ScreeningSession, session_id)
    if row is None:
        raise ScreeningError(f"không có buổi khám số {session_id}")
    row.archived = True
    session.add(AuditLog(actor=actor, action="screening.session_archive", detail=f"#{session_id}"))
    await session.commit()
    return row
