"""The monthly screening report (seed 004: "before the 20th of each month").

Counts for the month's sessions by group and by tổ dân phố, registered vs attended
vs eligible-from-lists. Coverage is the share of the people on the imported lists who
were examined since 1 January (the plan's target: everyone screened at least once a
year), so it grows month by month and never passes 100 %: a registration counts for
coverage through its link to a list row (Registration.eligible_id), and walk-ins who
are on no list are examined but cover nobody. Listed people are broken down by the
groups and tổ dân phố of their list row. A person in several groups counts once in
each group's line.
No names or phones: the report goes to the Sở Y tế.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models.core import AuditLog
from bot.models.screening import (
    EligibleResident,
    Registration,
    RegistrationStatus,
    ScreeningSession,
)
from bot.reports import SLASHED_MONTH, Period, parse_period
from bot.screening.attendance import mark_no_shows
from bot.screening.sessions import ScreeningError
from bot.xlsx import write_sheet
from content.station import load_screening_groups, load_station

_MONTH = re.compile(r"^\d{4}-\d{2}$")
TOTAL = "Tổng"
LINE_HEADER = (
    "Trong danh sách",
    "Đăng ký trong tháng",
    "Đã khám trong tháng",
    "Vắng trong tháng",
    "Đã khám từ đầu năm",
    "Người trong danh sách đã khám từ đầu năm",
    "Tỷ lệ bao phủ (%)",
)


@dataclass(frozen=True)
class Line:
    label: str
    eligible: int = 0
    registered: int = 0
    attended: int = 0
    no_show: int = 0
    attended_this_year: int = 0
    listed_attended: int = 0

    @property
    def coverage(self) -> float | None:
        """Percent of the listed residents examined since 1 January; None without a list."""
        if not self.eligible:
            return None
        return round(100 * self.listed_attended / self.eligible, 1)

    def cells(self) -> list[object]:
        return [
            self.label,
            self.eligible,
            self.registered,
            self.attended,
            self.no_show,
            self.attended_this_year,
            self.listed_attended,
            self.coverage if self.coverage is not None else "—",
        ]


@dataclass(frozen=True)
class Referral:
    code: str
    day: date
    area: str
    birth_year: int
    groups: str
    note: str


@dataclass(frozen=True)
class MonthlyReport:
    period: Period
    sessions: int
    total: Line
    by_group: list[Line]
    by_area: list[Line]
    referrals: list[Referral]


def parse_month(text: str) -> Period:
    """'2026-11' or '11/2026' → the month; anything else is a ScreeningError."""
    if not (_MONTH.match(text.strip()) or SLASHED_MONTH.match(text.strip())):
        raise ScreeningError(f"tháng '{text}' không hợp lệ; viết dạng 2026-11 hoặc 11/2026")
    try:
        return parse_period(text)
    except ValueError as exc:
        raise ScreeningError(str(exc)) from None


async def monthly_report(
    session: AsyncSession, period: Period, *, today: date, tz: ZoneInfo, actor: str
) -> MonthlyReport:
    await mark_no_shows(session, today=today)
    rows = list(
        await session.execute(
            select(Registration, ScreeningSession.day)
            .join(ScreeningSession, ScreeningSession.id == Registration.session_id)
            .where(
                ScreeningSession.day >= date(period.start.year, 1, 1),
                ScreeningSession.day < period.end,
                Registration.status != RegistrationStatus.CANCELLED,
            )
            .order_by(ScreeningSession.day, Registration.code)
        )
    )
    year = [registration for registration, _ in rows]
    month = [registration for registration, day in rows if day >= period.start]
    examined = {
        r.eligible_id for r in year if r.status == RegistrationStatus.ATTENDED and r.eligible_id
    }
    eligible = [
        _Listed(groups, area, listed_id in examined)
        for listed_id, area, groups in await session.execute(
            select(EligibleResident.id, EligibleResident.area, EligibleResident.groups).where(
                EligibleResident.imported_at < period.bounds(tz)[1]
            )
        )
    ]
    sessions = await session.scalar(
        select(func.count()).where(
            ScreeningSession.day >= period.start, ScreeningSession.day < period.end
        )
    )
    group_labels = {g.code: g.vi for g in load_screening_groups()}
    counts = _Counts(year, month, eligible)
    report = MonthlyReport(
        period=period,
        sessions=int(sessions or 0),
        total=counts.lines(lambda _groups, _area: [TOTAL], [TOTAL], {})[0],
        by_group=counts.lines(lambda groups, _area: groups, list(group_labels), group_labels),
        by_area=counts.lines(lambda _groups, area: [area], list(load_station().areas), {}),
        referrals=[
            Referral(
                r.code,
                day,
                r.area,
                r.birth_year,
                ", ".join(group_labels.get(code, code) for code in r.groups),
                r.referral,
            )
            for r, day in rows
            if r.referral and day >= period.start
        ],
    )
    session.add(AuditLog(actor=actor, action="screening.report", detail=period.label))
    await session.commit()
    return report


KeysOf = Callable[[list[str], str], list[str]]


@dataclass(frozen=True)
class _Listed:
    """One list row: its groups and tổ dân phố, and whether that person was examined."""

    groups: list[str]
    area: str
    examined: bool


@dataclass(frozen=True)
class _Counts:
    """The year's and the month's registrations and the listed residents, to break down."""

    year: list[Registration]
    month: list[Registration]
    eligible: list[_Listed]

    def lines(self, keys_of: KeysOf, order: list[str], labels: dict[str, str]) -> list[Line]:
        """One Line per key (every key in `order`, then any other key met), in that order."""
        eligible = Counter(k for e in self.eligible for k in keys_of(e.groups, e.area))
        covered = Counter(k for e in self.eligible if e.examined for k in keys_of(e.groups, e.area))
        registered = Counter(k for r in self.month for k in keys_of(r.groups, r.area))
        attended = self._with_status(self.month, RegistrationStatus.ATTENDED, keys_of)
        no_show = self._with_status(self.month, RegistrationStatus.NO_SHOW, keys_of)
        this_year = self._with_status(self.year, RegistrationStatus.ATTENDED, keys_of)
        met = set(eligible) | set(registered) | set(this_year)
        return [
            Line(
                labels.get(key, key),
                eligible[key],
                registered[key],
                attended[key],
                no_show[key],
                this_year[key],
                covered[key],
            )
            for key in [*order, *sorted(met - set(order))]
        ]

    @staticmethod
    def _with_status(rows: list[Registration], status: str, keys_of: KeysOf) -> Counter[str]:
        return Counter(k for r in rows if r.status == status for k in keys_of(r.groups, r.area))


def report_workbook(report: MonthlyReport) -> Workbook:
    book = Workbook()
    title = f"Khám sàng lọc miễn phí — {load_station().name} — {report.period.label}"
    write_sheet(
        book.active,
        title,
        ["Chỉ số", "Số lượng"],
        [[label, value] for label, value in summary_pairs(report)],
    )
    book.active.title = "Tổng hợp"
    for name, what, lines in (
        ("Theo đối tượng", "Đối tượng", report.by_group),
        ("Theo tổ dân phố", "Tổ dân phố", report.by_area),
    ):
        write_sheet(
            book.create_sheet(name),
            f"{title} — theo {what.lower()}",
            [what, *LINE_HEADER],
            [line.cells() for line in [*lines, report.total]],
        )
    write_sheet(
        book.create_sheet("Chuyển tuyến"),
        f"{title} — trường hợp chuyển tuyến, theo dõi",
        ["Mã", "Ngày khám", "Tổ dân phố", "Năm sinh", "Đối tượng", "Ghi chú"],
        [
            [r.code, f"{r.day:%d/%m/%Y}", r.area, r.birth_year, r.groups, r.note]
            for r in report.referrals
        ],
    )
    return book


def summary_pairs(report: MonthlyReport) -> list[tuple[str, object]]:
    """The key figures as (label, value), for the first sheet and the CLI summary."""
    total = report.total
    return [
        ("Số buổi khám trong tháng", report.sessions),
        ("Số người trong danh sách đối tượng", total.eligible),
        ("Đăng ký khám trong tháng", total.registered),
        ("Đã khám trong tháng", total.attended),
        ("Vắng (đã đăng ký, không đến)", total.no_show),
        ("Đã khám từ đầu năm", total.attended_this_year),
        ("Người trong danh sách đã khám từ đầu năm", total.listed_attended),
        ("Tỷ lệ bao phủ từ đầu năm (%)", total.coverage if total.coverage is not None else "—"),
        ("Chuyển tuyến, theo dõi trong tháng", len(report.referrals)),
    ]
