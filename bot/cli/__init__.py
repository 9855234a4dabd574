"""The `loaphuong` command.

Every module in this package that defines `register(subparsers)` becomes a
subcommand: adding one is adding a file. Modules import their heavy
dependencies inside the command function so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

from bot import __version__


class CliError(Exception):
    """A user mistake on the command line: printed as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    from bot.cli.examples import add_examples
    from bot.cli.vietnamese import VietnameseParser

    parser = VietnameseParser(
        prog="loaphuong",
        description="Loa phường — chatbot của trạm y tế phường (Telegram, Zalo, web chat).",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"loaphuong {__version__}",
        help="in số phiên bản rồi thoát",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="LỆNH")
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    add_examples(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        status = args.func(args) or 0
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # `loaphuong calendar | head`: the reader left; say nothing more, like any Unix tool.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        return 130
    except CliError as exc:
        print(f"loaphuong: {exc}", file=sys.stderr)
        return 2
