"""`loaphuong schedule`: the observance messages that will go out, and to how many people.

Reads the plan (the same one the running bot follows) and counts today's subscribers
for each send; a send already queued shows how many outbox rows it became.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.cli import CliError
from bot.cli.common import iso_date

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.scheduling.plan import PlannedSend
    from content.observances import Observance

MAX_DAYS = 366
KIND_LABELS = {"first_day": "ngày đầu", "reminder": "nhắc lại"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "schedule",
        help="các tin ngày lễ sẽ gửi trong những ngày tới, và số người nhận",
        description="Liệt kê các tin ngày lễ sức khỏe sẽ gửi (ngày, giờ, ngày lễ, ngày đầu "
        "hay nhắc lại) và số người nhận tính theo danh sách đăng ký hiện tại.",
    )
    parser.add_argument("--days", type=int, default=30, help=f"số ngày, 1–{MAX_DAYS} (mặc định 30)")
    parser.add_argument(
        "--from", dest="start", type=iso_date, help="từ ngày YYYY-MM-DD (mặc định: hôm nay)"
    )
    parser.add_argument("--json", action="store_true", help="in danh sách JSON")
    parser.set_defaults(func=schedule_command)


@dataclass(frozen=True)
class Row:
    send: PlannedSend
    recipients: int
    queued: int | None  # outbox rows when already queued

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.send.key,
            "date": self.send.date.isoformat(),
            "time": f"{self.send.send_at:%H:%M}",
            "kind": self.send.kind.value,
            "observances": list(self.send.observance_ids),
            "names": [o.name_vi for o in self.send.observances],
            "recipients": self.recipients,
            "queued": self.queued,
        }


def schedule_command(args: argparse.Namespace) -> int:
    from bot.cli.common import cli_settings, run_with_session
    from bot.scheduling.plan import plan
    from bot.scheduling.run import queued_keys, recipient_counts
    from content.yamlfile import ContentError

    if not 1 <= args.days <= MAX_DAYS:
        raise CliError(f"--days phải từ 1 đến {MAX_DAYS}")
    settings = cli_settings()
    first = args.start or datetime.now(settings.tz).date()
    last = first + timedelta(days=args.days - 1)
    try:
        sends = plan(first, last, settings=settings)
    except ContentError as exc:
        raise CliError(
            f"nội dung ngày lễ có lỗi (chạy 'loaphuong content check'):\n{exc}"
        ) from None

    async def count(session: Any) -> list[Row]:
        reach = await recipient_counts(session, sends)
        queued = await queued_keys(session, sends)
        return [Row(s, reach[s.key], queued.get(s.key)) for s in sends]

    rows = run_with_session(count)
    if args.json:
        print(json.dumps([row.as_json() for row in rows], ensure_ascii=False, indent=2))
    else:
        print(table(rows, first, last, settings))
    return 0


def table(rows: list[Row], first: date, last: date, settings: Settings) -> str:
    from content.observances import WEEKDAYS_VI

    lines = [
        f"Tin ngày lễ sẽ gửi từ {first:%d/%m/%Y} đến {last:%d/%m/%Y} — {len(rows)} lần gửi "
        f"(giờ {settings.timezone}; không gửi từ {settings.quiet_start}h đến "
        f"{settings.quiet_end}h)",
        "",
    ]
    if not rows:
        lines.append("  (không có tin nào)")
        return "\n".join(lines)
    lines.append(f"  {'Ngày':<16} {'Giờ':<5}  {'Loại':<9} {'Người nhận':>10}  Ngày lễ")
    for row in rows:
        send = row.send
        day = f"{WEEKDAYS_VI[send.date.weekday()]}, {send.date:%d/%m}"
        status = "" if row.queued is None else f"  [đã xếp hàng: {row.queued} tin]"
        lines.append(
            f"  {day:<16} {send.send_at:%H:%M}  {KIND_LABELS[send.kind.value]:<9} "
            f"{row.recipients:>10}  {label(send.observances[0], send.date.year)}{status}"
        )
        lines.extend(f"  {'':<45}+ {label(o, send.date.year)}" for o in send.observances[1:])
    return "\n".join(lines)


def label(observance: Observance, year: int) -> str:
    """The Vietnamese name, with the last day for weeks and months."""
    if not observance.multi_day:
        return observance.name_vi
    return f"{observance.name_vi} (đến {observance.occurrence(year)[1]:%d/%m})"
