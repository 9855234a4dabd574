"""`loaphuong run`: start the bot (web chat always; Telegram/Zalo when configured)."""

from __future__ import annotations

import argparse
import sys

from bot.cli import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="chạy bot (web chat, và Telegram/Zalo nếu đã cấu hình)",
        description="Chạy bot. Cấu hình qua biến môi trường, xem README. Nội dung (content/) "
        "được kiểm tra trước: có lỗi thì bot không chạy và in từng lỗi 'tệp:dòng: lỗi'.",
    )
    parser.set_defaults(func=run)


def run(_args: argparse.Namespace) -> int:
    from bot.cli.common import cli_settings
    from bot.config import ConfigError

    settings = cli_settings()
    # Imported after the settings are read: a wrong variable is named in a blink.
    from bot.app import serve
    from bot.event_loop import run as run_loop
    from bot.logs import setup_logging

    _refuse_broken_content()
    setup_logging(settings)
    try:
        run_loop(serve(settings))
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    return 0


def _refuse_broken_content() -> None:
    """A typo in content/ stops the start here, named, not mid-conversation later."""
    from bot.cli.content import check_content, where

    problems = check_content()
    for problem in problems:
        print(where(problem), file=sys.stderr)
    if problems:
        raise CliError(
            f"nội dung có {len(problems)} lỗi (ở trên); sửa rồi chạy lại — "
            "kiểm tra bằng: loaphuong content check"
        )
