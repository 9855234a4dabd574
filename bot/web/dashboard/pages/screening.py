"""Screening: sessions of the current round with seats and counts, add/archive a session,
mark attendance, and the Excel files (lists per tổ dân phố, the monthly report).

The page itself shows counts only; names and phones leave only in the exports, and
every export writes an audit row (done by the screening functions themselves).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, datetime

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models.screening import Registration
from bot.models.types import ROW_ID
from bot.screening.attendance import mark_attended
from bot.screening.export import export_registrations
from bot.screening.monthly import monthly_report, parse_month, report_workbook
from bot.screening.sessions import (
    ScreeningError,
    add_session,
    archive_session,
    list_sessions,
    parse_areas,
    parse_day,
    parse_start,
)
from bot.web.dashboard.pages.common import download, redirect, render, services, staff_name
from content.station import load_station

TITLE = "Khám sàng lọc"
PATH = "/admin/screening"
routes = web.RouteTableDef()


@routes.get("/screening", name="screening")
async def screening_page(request: web.Request) -> web.Response:
    async with services(request).sessions() as session:
        sessions = await list_sessions(session)
        counts = await _status_counts(session, [s.session.id for s in sessions])
    return render(
        "screening.html",
        request,
        {
            "sessions": sessions,
            "counts": counts,
            "areas": load_station().areas,
            "this_month": datetime.now(services(request).settings.tz).strftime("%Y-%m"),
            "message": request.query.get("msg", ""),
        },
    )


async def _status_counts(
    session: AsyncSession, session_ids: list[int | None]
) -> dict[int, Counter[str]]:
    counts: dict[int, Counter[str]] = {}
    rows = await session.execute(
        select(Registration.session_id, Registration.status, func.count())
        .where(Registration.session_id.in_(session_ids))
        .group_by(Registration.session_id, Registration.status)
    )
    for session_id, status, count in rows:
        counts.setdefault(session_id, Counter())[status] = count
    return counts


@routes.post("/screening/sessions", name="screening_session_add")
async def add(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        async with services(request).sessions() as session:
            row = await add_session(
                session,
                day=parse_day(str(form.get("day", ""))),
                start=parse_start(str(form.get("start", ""))),
                place=str(form.get("place", "")),
                areas=parse_areas(",".join(str(a) for a in form.getall("areas", []))),
                capacity=_number(form.get("capacity")),
                today=_today(request),
                actor=staff_name(request),
            )
    except ScreeningError as exc:
        raise redirect(PATH, f"Lỗi: {exc}") from None
    raise redirect(PATH, f"Đã thêm buổi khám số {row.id} ({row.day:%d/%m/%Y}).")


@routes.post(f"/screening/sessions/{{session_id:{ROW_ID}}}/archive", name="screening_archive")
async def archive(request: web.Request) -> web.Response:
    session_id = int(request.match_info["session_id"])
    try:
        async with services(request).sessions() as session:
            await archive_session(session, session_id, actor=staff_name(request))
    except ScreeningError as exc:
        raise redirect(PATH, f"Lỗi: {exc}") from None
    raise redirect(PATH, f"Đã đưa buổi khám số {session_id} ra khỏi đợt hiện tại.")


@routes.post("/screening/attend", name="screening_attend")
async def attend(request: web.Request) -> web.Response:
    code = str((await request.post()).get("code", ""))
    try:
        async with services(request).sessions() as session:
            registration = await mark_attended(
                session, code, today=_today(request), actor=staff_name(request)
            )
    except ScreeningError as exc:
        raise redirect(PATH, f"Lỗi: {exc}") from None
    raise redirect(PATH, f"Đã ghi nhận mã {registration.code} đã đến khám.")


@routes.get("/screening/export.xlsx", name="screening_export")
async def export(request: web.Request) -> web.StreamResponse:
    areas = [a for a in request.query.getall("to", []) if a in load_station().areas]
    async with services(request).sessions() as session:
        book = await export_registrations(
            session, today=_today(request), actor=staff_name(request), areas=areas or None
        )
    return await download(book, "danh-sach-kham-sang-loc.xlsx")


@routes.get("/screening/report.xlsx", name="screening_report")
async def report(request: web.Request) -> web.StreamResponse:
    settings = services(request).settings
    try:
        period = parse_month(request.query.get("month", ""))
    except ScreeningError as exc:
        raise redirect(PATH, f"Lỗi: {exc}") from None
    async with services(request).sessions() as session:
        figures = await monthly_report(
            session, period, today=_today(request), tz=settings.tz, actor=staff_name(request)
        )
    book = await asyncio.to_thread(report_workbook, figures)
    return await download(book, f"bao-cao-kham-sang-loc-{period.start:%Y-%m}.xlsx")


def _today(request: web.Request) -> date:
    return datetime.now(services(request).settings.tz).date()


def _number(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise ScreeningError("số chỗ phải là một số") from None
