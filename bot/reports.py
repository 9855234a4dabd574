"""Reach reports (XLSX) for a month, a half-year or a year: `loaphuong report --period 2026-H1`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forward_kit import PUBLIC_KINDS
from bot.models.core import AuditLog
from bot.models.outbox import Broadcast, BroadcastKind, OutboxMessage
from bot.models.staff import Alert
from bot.stats import key_numbers
from bot.survey.figures import news_rows, survey_rows
from bot.xlsx import write_sheet
from content.station import load_station, load_topics

PERIOD = re.compile(r"^(\d{4})(?:-(H[12]|\d{2}))?$")
# A month as the report itself writes it: "12/2026", "tháng 3/2027".
SLASHED_MONTH = re.compile(r"^(?:th[aá]ng\s*)?(\d{1,2})/(\d{4})$", re.IGNORECASE)
# The bot did not exist before 2000; the calendar's dates end at 9999.
MIN_YEAR, MAX_YEAR = 2000, 9998
# What staff call each kind of broadcast (reports and the dashboard).
KIND_NAMES = {
    BroadcastKind.OBSERVANCE: "Ngày sức khỏe",
    BroadcastKind.ALERT: "Cảnh báo",
    BroadcastKind.STAFF: "Thông báo của trạm",
    BroadcastKind.SCREENING: "Khám sàng lọc",
    BroadcastKind.RUMOR_REPLY: "Trả lời tin báo",
    BroadcastKind.FAQ_REPLY: "Trả lời câu hỏi",
    BroadcastKind.NEWS: "Điểm tin y tế",
    BroadcastKind.NEWS_DAILY: "Điểm tin y tế hằng ngày",
    BroadcastKind.STAFF_SUMMARY: "Việc chờ cán bộ",
    BroadcastKind.SURVEY: "Mời khảo sát",
}


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date  # exclusive

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        return datetime.combine(self.start, time(), tz), datetime.combine(self.end, time(), tz)

    @property
    def code(self) -> str:
        """The period as `--period` writes it at its simplest: 2026, 2026-H1, 2026-11."""
        months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month
        if months == 12:
            return str(self.start.year)
        if months == 6:
            return f"{self.start.year}-H{1 if self.start.month == 1 else 2}"
        return f"{self.start:%Y-%m}"


def parse_period(text: str) -> Period:
    """ "2026" | "2026-H1" | "2026-H2" | "2026-11" (or "11/2026") → the period's first day and
    the day after it."""
    slashed = SLASHED_MONTH.match(text.strip())
    typed = f"{slashed[2]}-{int(slashed[1]):02d}" if slashed else text.strip()
    match = PERIOD.match(typed)
    if not match:
        raise ValueError(
            f"kỳ báo cáo '{text}' không hợp lệ; dùng 2026, 2026-H1, 2026-H2, 2026-11 hoặc 11/2026"
        )
    year, part = int(match.group(1)), match.group(2)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"năm {year} không hợp lệ; dùng năm từ {MIN_YEAR} đến {MAX_YEAR}")
    if part is None:
        return Period(f"Năm {year}", date(year, 1, 1), date(year + 1, 1, 1))
    if part == "H1":
        return Period(f"6 tháng đầu năm {year}", date(year, 1, 1), date(year, 7, 1))
    if part == "H2":
        return Period(f"6 tháng cuối năm {year}", date(year, 7, 1), date(year + 1, 1, 1))
    month = int(part)
    if not 1 <= month <= 12:
        raise ValueError(f"tháng {month} không tồn tại")
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return Period(f"Tháng {month}/{year}", date(year, month, 1), end)


async def reach_report(session: AsyncSession, period: Period, tz: ZoneInfo, actor: str) -> Workbook:
    since, until = period.bounds(tz)
    numbers = await key_numbers(session, since, until)
    topics = {t.code: t.vi for t in load_topics()}
    book = Workbook()
    summary = book.active
    summary.title = "Tổng quan"
    write_sheet(
        summary,
        f"Báo cáo kết quả truyền thông — {load_station().name} — {period.label}",
        ["Chỉ số", "Số lượng"],
        [
            ["Người/nhóm đang nhận tin (cuối kỳ)", numbers.active],
            ["Trong đó: nhóm tổ dân phố", numbers.groups],
            ["Đăng ký mới trong kỳ", numbers.new_since],
            ["Đã dừng nhận tin", numbers.stopped],
            ["Số đợt tin đã phát trong kỳ", numbers.broadcasts],
            ["Số tin đã gửi tới người nhận", numbers.delivered],
            ["Số tin không gửi được", numbers.failed],
        ],
    )
    write_sheet(
        book.create_sheet("Theo kênh"),
        "Người nhận theo kênh",
        ["Kênh", "Số lượng"],
        list(numbers.by_channel.items()),
    )
    write_sheet(
        book.create_sheet("Theo chủ đề"),
        "Người nhận theo chủ đề",
        ["Chủ đề", "Số lượng"],
        [[topics.get(code, code), n] for code, n in numbers.by_topic.items()],
    )
    write_sheet(
        book.create_sheet("Theo tổ dân phố"),
        "Người nhận theo tổ dân phố",
        ["Tổ dân phố", "Số lượng"],
        list(numbers.by_area.items()),
    )
    write_sheet(
        book.create_sheet("Các đợt tin"),
        "Các đợt tin trong kỳ",
        ["Ngày", "Loại", "Tiêu đề", "Người nhận", "Đã gửi", "Không gửi được"],
        await _broadcast_rows(session, since, until, tz),
    )
    alerts = await session.scalar(
        select(func.count()).select_from(Alert).where(Alert.sent_at >= since, Alert.sent_at < until)
    )
    write_sheet(
        book.create_sheet("Cảnh báo"),
        "Cảnh báo đã phát trong kỳ",
        ["Số cảnh báo"],
        [[int(alerts or 0)]],
    )
    write_sheet(
        book.create_sheet("Điểm tin"),
        "Điểm tin y tế trong kỳ",
        ["Chỉ số", "Số lượng"],
        await news_rows(session, since, until),
    )
    write_sheet(
        book.create_sheet("Khảo sát"),
        "Khảo sát nhu cầu thông tin trong kỳ",
        ["Khảo sát", "Chỉ số", "Số lượng"],
        await survey_rows(session, since, until),
    )
    session.add(AuditLog(actor=actor, action="report.reach", detail=period.label))
    await session.commit()
    return book


async def _broadcast_rows(
    session: AsyncSession, since: datetime, until: datetime, tz: ZoneInfo
) -> list[list]:
    delivered = func.sum(case((OutboxMessage.status == "sent", 1), else_=0))
    undelivered = func.sum(
        case((OutboxMessage.status.in_(("failed", "blocked", "outside_window")), 1), else_=0)
    )
    rows = await session.execute(
        select(Broadcast, func.count(OutboxMessage.id), delivered, undelivered)
        .join(OutboxMessage, OutboxMessage.broadcast_id == Broadcast.id, isouter=True)
        .where(
            Broadcast.created_at >= since,
            Broadcast.created_at < until,
            Broadcast.kind.in_(PUBLIC_KINDS),
        )
        .group_by(Broadcast.id)
        .order_by(Broadcast.created_at)
    )
    return [
        [
            broadcast.created_at.astimezone(tz).strftime("%d/%m/%Y"),
            KIND_NAMES.get(broadcast.kind, broadcast.kind),
            broadcast.title or broadcast.text[:60],
            int(total or 0),
            int(sent or 0),
            int(failed or 0),
        ]
        for broadcast, total, sent, failed in rows
    ]
