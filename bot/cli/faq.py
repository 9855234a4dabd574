"""`loaphuong faq ask` (one question or a stream on stdin) and `loaphuong faq unanswered`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

from bot.cli import CliError

if TYPE_CHECKING:
    from bot.faq import Match


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("faq", help="hỏi đáp: thử câu hỏi, xem câu chưa trả lời được")
    commands = parser.add_subparsers(dest="faq_command", metavar="VIỆC", required=True)

    ask = commands.add_parser(
        "ask",
        help="tìm câu trả lời cho một câu hỏi",
        description='In câu trả lời. Với --json: {"id", "score", "answer"} mỗi câu một dòng; '
        "'-' đọc mỗi dòng stdin là một câu hỏi.",
    )
    ask.add_argument("question", help="câu hỏi, hoặc '-' để đọc từ stdin (mỗi dòng một câu)")
    ask.add_argument("--json", action="store_true", help="in một dòng JSON cho mỗi câu hỏi")
    ask.add_argument(
        "--lang",
        default="vi",
        choices=["vi", "en"],
        help="ngôn ngữ của cuộc trò chuyện (mặc định vi); câu viết tiếng Anh được trả lời "
        "bằng tiếng Anh",
    )
    ask.set_defaults(func=run_ask)

    unanswered = commands.add_parser(
        "unanswered",
        help="liệt kê câu hỏi bot chưa trả lời được (từ nhật ký trong cơ sở dữ liệu)",
    )
    unanswered.add_argument("--days", type=int, default=30, help="trong N ngày gần đây (30)")
    unanswered.add_argument("--limit", type=int, default=100, help="tối đa N dòng (100)")
    unanswered.add_argument("--json", action="store_true", help="in mỗi câu một dòng JSON")
    unanswered.set_defaults(func=run_unanswered)


def run_ask(args: argparse.Namespace) -> int:
    from bot.faq import ask, get_guesser
    from content.yamlfile import ContentError

    try:
        get_guesser()  # builds both languages' indexes: content errors show here
    except ContentError as exc:
        raise CliError(f"nội dung FAQ lỗi:\n{exc}") from None
    questions: Iterable[str] = (
        (line.rstrip("\r\n") for line in sys.stdin) if args.question == "-" else [args.question]
    )
    for question in questions:
        match = ask(question, args.lang)
        if args.json:
            record = {
                "id": match.id,
                "score": match.score,
                "answer": match.answer,
                "lang": match.lang,
                "advice": match.advice,
            }
            print(json.dumps(record, ensure_ascii=False), flush=args.question == "-")
        else:
            _print_match(match, sys.stdout)
    return 0


def _print_match(match: Match, out: TextIO) -> None:
    if match.id is not None:
        print(
            f"[{match.id}] điểm {match.score:.2f}{' — KHẨN CẤP' if match.emergency else ''}",
            file=out,
        )
        print(match.answer, file=out)
    else:
        reason = (
            "hỏi liều thuốc/chẩn đoán/xét nghiệm: chuyển cán bộ"
            if match.advice
            else "ngoài phạm vi"
            if match.off_topic
            else "chưa đủ chắc"
        )
        print(f"(không trả lời: {reason}, điểm {match.score:.2f})", file=out)
    if match.alternatives:
        print("gần nhất: " + ", ".join(match.alternatives), file=out)


OUTCOME_NAMES = {
    "unsure": "chưa đủ chắc",
    "off_topic": "ngoài phạm vi",
    "advice": "chuyển cán bộ",
}


def run_unanswered(args: argparse.Namespace) -> int:
    import asyncio

    from bot.cli.common import cli_settings
    from bot.faq.log import unanswered_questions

    settings = cli_settings()
    rows = asyncio.run(unanswered_questions(settings.database_url, args.days, args.limit))
    for row in rows:
        if not args.json:
            # Staff read the station's own clock and words.
            asked = row.asked_at.astimezone(settings.tz)
            outcome = OUTCOME_NAMES.get(row.outcome, row.outcome)
            print(
                f"{asked:%d/%m %H:%M}  {row.language}  {outcome:<13}  {row.score:.2f}  {row.text}"
            )
            continue
        record = {
            "asked_at": row.asked_at.isoformat(timespec="seconds"),
            "language": row.language,
            "outcome": row.outcome,
            "score": row.score,
            "text": row.text,
        }
        print(json.dumps(record, ensure_ascii=False))
    if not rows and not args.json:
        print(f"Không có câu hỏi nào chưa trả lời trong {args.days} ngày qua.")
    return 0
