"""`loaphuong calendar`: the observances of a year, as a table or as JSON.

`--json` prints one list of {"id", "start", "end", "name"} objects (a contract other
tools read): one per occurrence, start = end for single days, name in Vietnamese.
"""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime
from itertools import groupby
from typing import TYPE_CHECKING

from bot.cli import CliError
from bot.cli.common import cli_settings, iso_date

if TYPE_CHECKING:
    from content.observances import Occurrence


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "calendar",
        help="lịch ngày lễ sức khỏe trong năm (bảng hoặc JSON)",
        description="Liệt kê các ngày lễ, tuần lễ, tháng hành động trong năm theo từng tháng. "
        "--from/--to chọn khoảng ngày, có thể qua nhiều năm (giữ các mục có ít nhất một ngày "
        "trong khoảng); cùng với --year thì chỉ thu hẹp trong năm đó.",
    )
    parser.add_argument("--year", type=int, help="năm (mặc định: năm nay)")
    parser.add_argument("--from", dest="start", type=iso_date, help="từ ngày YYYY-MM-DD")
    parser.add_argument("--to", dest="end", type=iso_date, help="đến ngày YYYY-MM-DD")
    parser.add_argument("--json", action="store_true", help="in danh sách JSON")
    parser.set_defaults(func=calendar_command)


def calendar_command(args: argparse.Namespace) -> int:
    from content.observances import load_observances, occurrences
    from content.yamlfile import ContentError

    first, last = _window(args.year, args.start, args.end)
    try:
        found = occurrences((first, last), load_observances())
    except ContentError as exc:
        raise CliError(
            f"nội dung ngày lễ có lỗi (chạy 'loaphuong content check'):\n{exc}"
        ) from None
    if args.json:
        print(json.dumps([o.as_json() for o in found], ensure_ascii=False, indent=2))
    else:
        print(_table(found, first, last))
    return 0


def _window(year: int | None, start: date | None, end: date | None) -> tuple[date, date]:
    """The inclusive date window: --from/--to as given (across years if they are), the
    rest of the year where one is missing; with --year, that year, narrowed by them."""
    if start and end and start > end:
        raise CliError("--from phải không muộn hơn --to")
    if year is None:
        year = (start or end or _today()).year
    elif not 1 <= year <= 9998:
        raise CliError(f"năm {year} không hợp lệ")
    else:
        for option, day in (("--from", start), ("--to", end)):
            if day and day.year != year:
                raise CliError(
                    f"{option} {day:%d/%m/%Y} nằm ngoài năm {year}; "
                    "bỏ --year để xem một khoảng ngày qua nhiều năm"
                )
    first = start or date(year, 1, 1)
    last = end or date(first.year, 12, 31)
    return first, last


def _today() -> date:
    """Today in the station's time zone (TIMEZONE in the configuration)."""
    return datetime.now(cli_settings().tz).date()


def _table(found: list[Occurrence], first: date, last: date) -> str:
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31) and first.year == last.year:
        title = f"Lịch ngày lễ sức khỏe năm {first.year}"
    else:
        title = f"Lịch ngày lễ sức khỏe từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}"
    lines = [f"{title} — {len(found)} mục", ""]
    if not found:
        lines.append("  (không có ngày lễ nào)")
    for (year, month), group in groupby(found, key=lambda o: (o.start.year, o.start.month)):
        lines.append(f"Tháng {month}/{year}")
        for occurrence in group:
            lines.append(f"  {_when(occurrence):<16} {_label(occurrence)}")
        lines.append("")
    return "\n".join(lines).rstrip()


def _label(occurrence: Occurrence) -> str:
    from content.observances import anniversary_count

    observance = occurrence.observance
    label = observance.name_vi
    count = anniversary_count(observance, occurrence.start.year)
    if count is not None and observance.anniversary is not None:
        of = (
            ""
            if observance.anniversary.id == observance.id
            else f" {observance.anniversary.name_vi}"
        )
        label += f" — kỷ niệm {count} năm{of}"
    if observance.priority == "high":
        label += " [ưu tiên]"
    return label


def _when(occurrence: Occurrence) -> str:
    from content.dates import format_short_date
    from content.observances import WEEKDAYS_VI

    if occurrence.start == occurrence.end:
        return f"{WEEKDAYS_VI[occurrence.start.weekday()]}, {format_short_date(occurrence.start)}"
    return f"{format_short_date(occurrence.start)} – {format_short_date(occurrence.end)}"
