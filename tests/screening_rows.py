"""Screening rows for staff-side tests, inserted directly (the resident dialogue is tested apart),
and a runner for `loaphuong screening …` against the test database."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, time

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli import main
from bot.config import get_settings
from bot.models.screening import Registration, ScreeningSession
from bot.screening.people import identity

CliRun = Callable[..., tuple[int, str, str]]


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


def cli_runner(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_url: str
) -> CliRun:
    """`run("screening", "session", "list")` → (exit code, stdout, stderr) on `db_url`."""
    monkeypatch.setenv("DATABASE_URL", db_url)

    def run(*argv: str) -> tuple[int, str, str]:
        # The CLI starts its own event loop, so it runs on a thread of its own: callable
        # from async tests (whose loop is running) as well as from plain ones.
        get_settings.cache_clear()
        with ThreadPoolExecutor(max_workers=1) as pool:
            code = pool.submit(main, list(argv)).result()
        get_settings.cache_clear()
        out, err = capsys.readouterr()
        return code, out, err

    return run
