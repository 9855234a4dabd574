"""`loaphuong content check`: validate the content library, naming file and line."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from content.yamlfile import Problem


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("content", help="nội dung: kiểm tra tệp YAML và tin nhắn")
    commands = parser.add_subparsers(dest="content_command", metavar="VIỆC", required=True)
    check = commands.add_parser(
        "check",
        help="kiểm tra toàn bộ nội dung (ngày lễ, tin nhắn, chủ đề, thông tin trạm)",
        description="In mỗi lỗi một dòng 'tệp:dòng: lỗi' và thoát với mã 1; "
        "nếu không có lỗi, in một dòng tóm tắt.",
    )
    check.add_argument(
        "--content-dir", type=Path, help="thư mục nội dung (mặc định: thư mục content/ của bot)"
    )
    check.set_defaults(func=check_command)


def check_content(content_dir: Path | None = None) -> list[Problem]:
    """Every problem in content/, the FAQ's retrieval check by its engine included."""
    from bot.faq.check import check_faq_retrieval
    from content import CONTENT_DIR
    from content.check import check_all

    return check_all(content_dir or CONTENT_DIR, extra=[check_faq_retrieval])


def check_command(args: argparse.Namespace) -> int:
    from content import CONTENT_DIR

    content_dir = args.content_dir or CONTENT_DIR
    problems = check_content(content_dir)
    for problem in problems:
        print(where(problem))
    if problems:
        print(f"Có {len(problems)} lỗi trong nội dung.")
        return 1
    print(_summary(content_dir))
    return 0


def _summary(content_dir: Path) -> str:
    from content.observances import load_observances
    from content.station import read_station, topic_codes

    observances = load_observances(content_dir)
    messages = sum(1 for _ in (content_dir / "messages").glob("*/*.md"))
    topics = len(topic_codes(content_dir / "topics.yaml") or ())
    areas = len(read_station(content_dir / "station.yaml").areas)
    return (
        f"Nội dung hợp lệ: {len(observances)} ngày lễ, {messages} tin nhắn, "
        f"{topics} chủ đề, {areas} tổ dân phố."
    )


def where(problem: Problem) -> str:
    """`file:line: message`, the path relative to the working directory when inside it."""
    path = problem.file
    try:
        shown = os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        shown = str(path)
    return f"{shown}:{problem.line}: {problem.message}"
