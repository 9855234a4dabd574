"""`loaphuong run`: start the bot (web chat always; Telegram/Zalo when configured)."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="chạy bot (web chat, và Telegram/Zalo nếu đã cấu hình)",
        description="Chạy bot. Cấu hình qua biến môi trường, xem README.",
    )
    parser.set_defaults(func=run)


def run(_args: argparse.Namespace) -> int:
    from bot.app import serve
    from bot.config import ConfigError, get_settings
    from bot.logs import setup_logging

    try:
        settings = get_settings()
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    setup_logging(settings)
    try:
        asyncio.run(serve(settings))
    except OSError as exc:
        raise CliError(
            f"không mở được cổng web {settings.web_host}:{settings.web_port}: {exc.strerror}"
        ) from None
    return 0
