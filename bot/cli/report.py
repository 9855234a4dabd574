"""`loaphuong report --period 2026-H1`: the reach report as XLSX."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli import CliError
from bot.cli.common import acting_user, output_path, run_with_session, save_output


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="báo cáo kết quả truyền thông (XLSX) theo tháng, 6 tháng hoặc năm",
        description="Ghi báo cáo số người nhận tin, các đợt tin và cảnh báo trong kỳ ra tệp XLSX.",
    )
    parser.add_argument(
        "--period", required=True, help="kỳ: 2026-H1, 2026-H2, 2026, 2026-11 hoặc 11/2026"
    )
    parser.add_argument("-o", "--output", type=Path, help="tệp ra (mặc định bao-cao-<kỳ>.xlsx)")
    parser.add_argument("--as", dest="actor", help="người lập báo cáo, ghi vào nhật ký")
    parser.set_defaults(func=report_command)


def report_command(args: argparse.Namespace) -> int:
    from bot.config import get_settings
    from bot.reports import parse_period, reach_report

    try:
        period = parse_period(args.period)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    output = output_path(args.output or Path(f"bao-cao-{period.code}.xlsx"))
    book = run_with_session(
        lambda session: reach_report(session, period, get_settings().tz, acting_user(args.actor))
    )
    save_output(book, output)
    print(f"Đã ghi báo cáo {period.label}: {output}")
    return 0
