"""Examples shown under every command's --help, keyed by the command as typed after `loaphuong`.

A command without its own description shows the one-line help its parent lists it with.
tests/test_cli_help.py fails for a command that has no examples here.
"""

from __future__ import annotations

import argparse
import shutil
import textwrap
from collections.abc import Iterator
from datetime import date

# Examples that must name a day to come (a session in the past is refused) use next year.
_NEXT = date.today().year + 1

EXAMPLES = {
    "audit-security": "loaphuong audit-security\nloaphuong audit-security --quick",
    "bench": "loaphuong bench faq --json\nloaphuong bench broadcast --json",
    "bench broadcast": "loaphuong bench broadcast --json\n"
    "loaphuong bench broadcast --recipients 5000 --rate 30",
    "bench burst": "loaphuong bench burst --json\n"
    "loaphuong bench burst --instances 2 --database postgresql+asyncpg://loa@localhost/loa",
    "bench crash": "loaphuong bench crash --json\nloaphuong bench crash --trials 10 --seed 1",
    "bench faq": "loaphuong bench faq --json\nloaphuong bench faq --entries 5000 --queries 500",
    "bench faq-eval": "loaphuong bench faq-eval --json\n"
    "loaphuong bench faq-eval --sets eval,heldout --confusions",
    "bench inbound": "loaphuong bench inbound --json\nloaphuong bench inbound --users 50 --seconds 20",
    "bench plan": "loaphuong bench plan --json\nloaphuong bench plan --subscribers 20000 --year 2028",
    "bench screening": "loaphuong bench screening --json\nloaphuong bench screening --rows 2000",
    "bench startup": "loaphuong bench startup --json\nloaphuong bench startup --runs 3",
    "broadcast": 'loaphuong broadcast send --text "Trạm nghỉ chiều nay" --area "Tổ 3"\n'
    "loaphuong broadcast status 12\nloaphuong broadcast cancel 12",
    "broadcast send": 'loaphuong broadcast send --text "Tiêm chủng mở rộng sáng thứ Bảy tại '
    'trạm." --area "Tổ 3"\n'
    "loaphuong broadcast send --file tin-sot-xuat-huyet.md --topic dich_benh --spread 3h\n"
    'loaphuong broadcast send --text "Mất nước sạch ở Tổ 5 từ 14 giờ." --area "Tổ 5" --urgent',
    "broadcast status": "loaphuong broadcast status\nloaphuong broadcast status 12 --once",
    "broadcast cancel": "loaphuong broadcast cancel 12 --as lan.nguyen",
    "calendar": "loaphuong calendar --year 2027\nloaphuong calendar --from 2027-04-01 --to "
    "2027-04-30 --json",
    "content": "loaphuong content check",
    "content check": "loaphuong content check\nloaphuong content check --content-dir ./content",
    "faq": 'loaphuong faq ask "giờ mở cửa trạm y tế"\nloaphuong faq unanswered',
    "faq ask": 'loaphuong faq ask "tiem phong cho be o dau"\n'
    'loaphuong faq ask "when is the clinic open" --lang en\n'
    "loaphuong faq ask - --json < cau-hoi.txt",
    "faq unanswered": "loaphuong faq unanswered\nloaphuong faq unanswered --days 7 --json",
    "flows": "loaphuong flows\nloaphuong flows --check",
    "news": 'loaphuong news add --title "Tiêm vắc xin cúm miễn phí" --summary "Trạm tiêm vắc xin '
    'cúm cho người từ 60 tuổi sáng thứ Bảy."\n'
    "loaphuong news list --from 2026-11-23\nloaphuong news preview --period week",
    "news add": 'loaphuong news add --title "Tiêm vắc xin cúm miễn phí" \\\n'
    '    --summary "Trạm tiêm vắc xin cúm cho người từ 60 tuổi sáng thứ Bảy." \\\n'
    '    --link https://suckhoe.vn/cum --topic nguoi_cao_tuoi --area "Tổ 3"\n'
    'loaphuong news add --title "Ngày hội hiến máu" --summary "Chủ nhật tại nhà văn hóa." '
    "--date 2026-12-13",
    "news list": "loaphuong news list\nloaphuong news list --from 2026-11-23 --to 2026-11-30",
    "news remove": "loaphuong news remove 12\nloaphuong news remove 12 --as lan.nguyen",
    "news preview": "loaphuong news preview\nloaphuong news preview --period week --as-subscriber 5\n"
    "loaphuong news preview --period month --date 2027-01-01",
    "news volunteer": 'loaphuong news volunteer add 5 --area "Tổ 3"\nloaphuong news volunteer list',
    "news volunteer add": 'loaphuong news volunteer add 5 --area "Tổ 3"',
    "news volunteer remove": "loaphuong news volunteer remove 5",
    "news volunteer list": "loaphuong news volunteer list",
    "report": "loaphuong report --period 2026-H2 -o bao-cao-2026-H2.xlsx\n"
    "loaphuong report --period 2026",
    "run": "loaphuong run",
    "schedule": "loaphuong schedule --days 14\nloaphuong schedule --from 2027-04-01 --json",
    "screening": "loaphuong screening session list\n"
    "loaphuong screening import danh-sach-to-3.xlsx --check\n"
    'loaphuong screening export --to "Tổ 3" -o danh-sach-kham.xlsx\n'
    "loaphuong screening attend K7Q2M H3X9A",
    "screening session": "loaphuong screening session list\n"
    f'loaphuong screening session add --date {_NEXT}-03-20 --time 7:30 --place "Nhà văn hóa Tổ 3" '
    '--to "Tổ 3,Tổ 4" --capacity 80',
    "screening session add": f"loaphuong screening session add --date {_NEXT}-03-20 --time 7:30 "
    '--place "Nhà văn hóa Tổ 3" --to "Tổ 3,Tổ 4" --capacity 80\n'
    f'loaphuong screening session add --date 21/03/{_NEXT} --time 13:30 --place "Trạm y tế" '
    f'--to "Tổ 1" --capacity 40 --round {_NEXT}-03',
    "screening session list": "loaphuong screening session list\n"
    "loaphuong screening session list --all",
    "screening session archive": "loaphuong screening session archive 3",
    "screening import": "loaphuong screening import danh-sach-to-3.xlsx --check\n"
    "loaphuong screening import danh-sach-to-3.xlsx --as lan.nguyen",
    "screening export": 'loaphuong screening export --to "Tổ 3" -o danh-sach-to-3.xlsx\n'
    "loaphuong screening export --round 2026-11",
    "screening attend": "loaphuong screening attend K7Q2M H3X9A\n"
    "loaphuong screening attend --file danh-sach-kham.xlsx",
    "screening referral": 'loaphuong screening referral K7Q2M --note "Huyết áp cao, chuyển '
    'bệnh viện quận"',
    "screening report": "loaphuong screening report --month 2026-11\n"
    "loaphuong screening report --month 2026-11 -o bao-cao-kham-2026-11.xlsx",
    "screening invite": "loaphuong screening invite --as lan.nguyen",
    "staff": "loaphuong staff add lan.nguyen --role staff --password   # hỏi mật khẩu hai lần\n"
    "loaphuong staff password lan.nguyen\nloaphuong staff list",
    "staff add": "loaphuong staff add lan.nguyen --role staff --password\n"
    "loaphuong staff add lan.nguyen --role staff --password-stdin < mat-khau.txt\n"
    "loaphuong staff add minh.tran --role admin --telegram-id 123456789",
    "staff remove": "loaphuong staff remove lan.nguyen --as minh.tran",
    "staff password": "loaphuong staff password lan.nguyen   # hỏi hai lần; script: qua stdin",
    "staff list": "loaphuong staff list",
    "survey": "loaphuong survey export -o ket-qua-khao-sat.xlsx",
    "survey export": "loaphuong survey export -o ket-qua-khao-sat.xlsx\n"
    "loaphuong survey export --survey nhu_cau_2027 -o ket-qua.xlsx --as lan",
}


def commands(
    parser: argparse.ArgumentParser, path: str = ""
) -> Iterator[tuple[str, argparse.ArgumentParser, str | None]]:
    """Every subcommand below `parser`, recursively: (path, parser, the help it is listed with)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            listed = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                if name in listed:  # an alias shares its command's parser: visit it once
                    command = f"{path} {name}".strip()
                    yield command, sub, listed[name]
                    yield from commands(sub, command)


def add_examples(parser: argparse.ArgumentParser) -> None:
    for command, sub, listed_help in commands(parser):
        describe(sub, command, listed_help)


def describe(parser: argparse.ArgumentParser, command: str, summary: str | None) -> None:
    """Give `loaphuong COMMAND --help` a description (else `summary`) and its examples."""
    if parser.description is None:
        parser.description = summary
    if parser.epilog is None and command in EXAMPLES:
        lines = "\n".join(f"  {line}" for line in EXAMPLES[command].splitlines())
        parser.epilog = f"ví dụ:\n{lines}"
        # Raw, so the examples keep their lines; the description is wrapped here instead.
        if parser.description and "\n" not in parser.description:
            width = max(shutil.get_terminal_size().columns - 2, 40)
            parser.description = textwrap.fill(parser.description, width)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
