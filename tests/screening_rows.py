"""Screening rows for staff-side tests, inserted directly (the resident dialogue is tested apart)."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy.ext.asyncio import AsyncSession

from bot.models.screening import Registration, ScreeningSession
from bot.screening.people import identity


async def add_session_row(
    session: AsyncSession,
    day: date,
    areas: list[str],
    *,
    round_label: str = "2026-11",
    capacity: int = 30,
    archived: bool = False,
    place: str = "Nhà văn hóa tổ dân phố",
    start: time = time(7, 30),
) -> ScreeningSession:
    row = ScreeningSession(
        round=round_label,
        day=day,
        start=start,
        place=place,
        areas=areas,
        capacity=capacity,
        archived=archived,
    )
    session.add(row)
    await session.commit()
    return row


async def add_registration(
    session: AsyncSession,
    held: ScreeningSession,
    code: str,
    area: str,
    groups: list[str],
    *,
    status: str = "registered",
    full_name: str | None = "Nguyễn Thị Mai",
    phone: str | None = "0912345678",
    birth_year: int = 1950,
    referral: str | None = None,
    eligible_id: int | None = None,
) -> Registration:
    row = Registration(
        code=code,
        session_id=held.id,
        round=held.round,
        full_name=full_name,
        phone=phone,
        birth_year=birth_year,
        groups=groups,
        area=area,
        identity=identity(full_name, birth_year, phone or "") if full_name else None,
        status=status,
        referral=referral,
        eligible_id=eligible_id,
    )
    session.add(row)
    if status != "cancelled":
        held.seats_taken += 1
    await session.commit()
    return row
