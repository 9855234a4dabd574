"""Examples shown under each command's --help (a command that writes its own keeps it)."""

from __future__ import annotations

import argparse

EXAMPLES = {
    "audit-security": "loaphuong audit-security\nloaphuong audit-security --quick",
    "bench": "loaphuong bench faq --json\nloaphuong bench broadcast --json",
    "broadcast": 'loaphuong broadcast send --text "Trạm nghỉ chiều nay" --area "Tổ 3"\n'
    "loaphuong broadcast status 12\nloaphuong broadcast cancel 12",
    "calendar": "loaphuong calendar --year 2027\nloaphuong calendar --from 2027-04-01 --to "
    "2027-04-30 --json",
    "content": "loaphuong content check",
    "flows": "loaphuong flows\nloaphuong flows --check",
    "faq": 'loaphuong faq ask "giờ mở cửa trạm y tế"\nloaphuong faq unanswered',
    "report": "loaphuong report --period 2026-H2 -o bao-cao-2026-H2.xlsx\n"
    "loaphuong report --period 2026",
    "run": "loaphuong run",
    "schedule": "loaphuong schedule --days 14\nloaphuong schedule --from 2027-04-01 --json",
    "screening": "loaphuong screening session list\n"
    "loaphuong screening import danh-sach-to-3.xlsx --check\n"
    'loaphuong screening export --to "Tổ 3" -o danh-sach-kham.xlsx\n'
    "loaphuong screening attend K7Q2M H3X9A",
    "staff": "loaphuong staff add lan.nguyen --role staff --password-stdin\n"
    "loaphuong staff password lan.nguyen   # mật khẩu mới ở dòng đầu stdin\nloaphuong staff list",
}


def add_examples(subparsers: argparse._SubParsersAction) -> None:
    for name, parser in subparsers.choices.items():
        if parser.epilog is None and name in EXAMPLES:
            lines = "\n".join(f"  {line}" for line in EXAMPLES[name].splitlines())
            parser.epilog = f"ví dụ:\n{lines}"
            parser.formatter_class = argparse.RawDescriptionHelpFormatter
