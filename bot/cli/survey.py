"""`loaphuong survey export -o results.xlsx`: the information-needs survey's results."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli import CliError
from bot.cli.common import acting_user, output_path, run_with_session, save_output


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "survey",
        help="khảo sát nhu cầu thông tin: xuất kết quả",
        description="Khảo sát nhu cầu thông tin sức khỏe của người dân (content/surveys/).",
    )
    actions = parser.add_subparsers(dest="survey_action", metavar="VIỆC", required=True)
    export = actions.add_parser(
        "export",
        help="ghi kết quả ra tệp XLSX (theo nhóm tuổi, tổ dân phố, kênh)",
        description="Ghi kết quả khảo sát (không có tên người trả lời) ra tệp XLSX.",
    )
    export.add_argument("--survey", metavar="MÃ", help="mã khảo sát (mặc định: khảo sát mới nhất)")
    export.add_argument("-o", "--output", type=Path, help="tệp ra (mặc định khao-sat-<mã>.xlsx)")
    export.add_argument("--as", dest="actor", help="người xuất, ghi vào nhật ký")
    export.set_defaults(func=export_command)


def export_command(args: argparse.Namespace) -> int:
    from bot.survey.export import export_results
    from content.surveys import find_survey, load_surveys

    surveys = load_surveys()
    survey = find_survey(args.survey) if args.survey else (surveys[-1] if surveys else None)
    if survey is None:
        known = ", ".join(s.code for s in surveys) or "chưa có khảo sát nào"
        raise CliError(f"không có khảo sát '{args.survey}' (có: {known})")
    output = output_path(args.output or Path(f"khao-sat-{survey.code}.xlsx"))
    run_with_session(
        lambda session: export_results(
            session, survey, acting_user(args.actor), save=lambda book: save_output(book, output)
        )
    )
    print(f"Đã ghi kết quả khảo sát {survey.code}: {output}")
    return 0
