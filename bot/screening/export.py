"""Printable registration lists for the ward office: one sheet per tổ dân phố.

Default scope is the current round (every session not archived); `round_label`
picks one round, archived or not. Every export is an audit-log row, written only once
the workbook is out: a caller that saves it to a file passes `save`, and a file that
cannot be written leaves no row claiming an export.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from datetime import date

from openpyxl import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models.core import AuditLog
from bot.models.screening import Registration, RegistrationStatus, ScreeningSession
from bot.screening.attendance import mark_no_shows
from bot.screening.sessions import ScreeningError
from bot.xlsx import discard, write_sheet
from content.station import load_screening_groups, load_station

STATUS_LABELS = {
    RegistrationStatus.REGISTERED: "Đã đăng ký",
    RegistrationStatus.ATTENDED: "Đã khám",
    RegistrationStatus.NO_SHOW: "Vắng",
}
HEADER = (
    "STT",
    "Mã",
    "Họ và tên",
    "Năm sinh",
    "Đối tượng",
    "Số điện thoại",
    "Buổi khám",
    "Địa điểm",
    "Trạng thái",
    "Chuyển tuyến",
    "Ký nhận",
)
ERASED_NAME = "(đã xóa theo yêu cầu)"
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE_MAX = 31


async def export_registrations(
    session: AsyncSession,
    *,
    today: date,
    actor: str,
    round_label: str | None = None,
    areas: list[str] | None = None,
    save: Callable[[Workbook], None] | None = None,
) -> Workbook:
    """The registrations of the round (default: current), per tổ dân phố, as a workbook
    (handed to `save`, when given, before the export is audited)."""
    await mark_no_shows(session, today=today)
    sessions = await _sessions_in_scope(session, round_label)
    query = (
        select(Registration)
        .where(
            Registration.session_id.in_([s.id for s in sessions]),
            Registration.status != RegistrationStatus.CANCELLED,
        )
        .order_by(Registration.area, Registration.session_id, Registration.full_name)
    )
    if areas:
        query = query.where(Registration.area.in_(areas))
    by_area: dict[str, list[Registration]] = defaultdict(list)
    for registration in await session.scalars(query):
        by_area[registration.area].append(registration)
    served = {area for s in sessions for area in s.areas} | set(by_area)
    # Write-only: thousands of rows stream to disk on save instead of living as cells.
    book = Workbook(write_only=True)
    scope = round_label or ", ".join(sorted({s.round for s in sessions}))
    by_id = {s.id: s for s in sessions}
    for area in _ordered(served, areas):
        _area_sheet(book.create_sheet(_sheet_title(area)), area, scope, by_area[area], by_id)
    total = sum(len(rows) for rows in by_area.values())
    where = ", ".join(areas) if areas else "mọi tổ"
    if save is not None:
        try:
            save(book)
        except BaseException:
            discard(book)
            raise
    session.add(
        AuditLog(
            actor=actor, action="screening.export", detail=f"đợt {scope}; {where}; {total} dòng"
        )
    )
    await session.commit()
    return book


async def _sessions_in_scope(
    session: AsyncSession, round_label: str | None
) -> list[ScreeningSession]:
    query = select(ScreeningSession).order_by(ScreeningSession.day, ScreeningSession.start)
    if round_label is None:
        query = query.where(ScreeningSession.archived.is_(False))
    else:
        query = query.where(ScreeningSession.round == round_label)
    sessions = list(await session.scalars(query))
    if not sessions:
        which = f"đợt '{round_label}'" if round_label else "đợt hiện tại (chưa lưu trữ)"
        raise ScreeningError(f"không có buổi khám nào trong {which}")
    return sessions


def _ordered(served: set[str], wanted: list[str] | None) -> list[str]:
    """Station order first, then any name no longer in station.yaml."""
    station = [area for area in load_station().areas if area in served]
    areas = station + sorted(served - set(station))
    return [area for area in areas if area in wanted] if wanted else areas


def _area_sheet(
    sheet: WriteOnlyWorksheet,
    area: str,
    scope: str,
    registrations: list[Registration],
    sessions: dict[int | None, ScreeningSession],
) -> None:
    labels = {group.code: group.vi for group in load_screening_groups()}
    counts = {status: 0 for status in STATUS_LABELS}
    rows = []
    for number, registration in enumerate(registrations, start=1):
        held = sessions[registration.session_id]
        counts[registration.status] = counts.get(registration.status, 0) + 1
        rows.append(
            [
                number,
                registration.code,
                registration.full_name or ERASED_NAME,
                registration.birth_year,
                ", ".join(labels.get(code, code) for code in registration.groups),
                registration.phone or "",
                f"{held.day:%d/%m/%Y} {held.start:%H:%M}",
                held.place,
                STATUS_LABELS.get(registration.status, registration.status),
                registration.referral or "",
                "",
            ]
        )
    title = (
        f"Danh sách khám sàng lọc miễn phí — {area} — đợt {scope} — "
        f"{len(rows)} người: {counts['registered']} đã đăng ký, "
        f"{counts['attended']} đã khám, {counts['no_show']} vắng"
    )
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    write_sheet(sheet, title, HEADER, rows)


def _sheet_title(area: str) -> str:
    return _SHEET_TITLE_FORBIDDEN.sub("-", area)[:SHEET_TITLE_MAX] or "Tổ"
