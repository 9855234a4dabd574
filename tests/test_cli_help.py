"""Every `loaphuong … --help` reads in Vietnamese and shows examples, down to the last subcommand.

A new command (or benchmark) without a Vietnamese description and examples in
bot/cli/examples.py fails here.
"""

from __future__ import annotations

import argparse
import importlib
import re
import shlex

import pytest

from bot.cli import build_parser
from bot.cli.bench import benchmark_parser, benchmarks
from bot.cli.examples import EXAMPLES, commands

ENGLISH = ("usage:", "positional arguments", "options:", "optional arguments", "show this help")
# A Vietnamese sentence has at least one letter outside ASCII; an English one has none.
VIETNAMESE_LETTER = re.compile(r"[^\x00-\x7f]")

PARSER = build_parser()


def help_pages() -> dict[str, argparse.ArgumentParser]:
    pages = {"": PARSER} | {command: parser for command, parser, _ in commands(PARSER)}
    for name in benchmarks():
        dashed = name.replace("_", "-")
        # What `loaphuong bench NAME --help` prints: the benchmark's own parser.
        pages[f"bench {dashed}"] = benchmark_parser(name, importlib.import_module(f"bench.{name}"))
    return pages


PAGES = help_pages()


@pytest.mark.parametrize("command", sorted(PAGES), ids=lambda command: command or "loaphuong")
def test_help_is_vietnamese_with_examples(command):
    parser = PAGES[command]
    page = parser.format_help()
    assert not [word for word in ENGLISH if word in page], page
    assert "cách dùng: loaphuong" in page
    if command:
        assert re.search(rf"^ví dụ:\n  loaphuong {re.escape(command)}\b", page, re.M), page
        assert parser.description and VIETNAMESE_LETTER.search(parser.description), page
    english = [
        action.help
        for action in parser._actions
        if action.help
        and action.help != argparse.SUPPRESS
        and not VIETNAMESE_LETTER.search(action.help)
    ]
    assert not english, f"{command}: English option help {english}"
    placeholders = [
        action.metavar or action.dest
        for action in parser._actions
        if action.nargs != 0 and (action.choices is None or isinstance(action.choices, dict))
    ]
    english = [word for word in placeholders if not VIETNAMESE_LETTER.search(str(word))]
    assert not english, f"{command}: English placeholders {english} (bot/cli/vietnamese.py)"


def test_the_walk_reaches_the_deepest_subcommands():
    assert {"screening session add", "news volunteer list", "bench faq-eval"} <= set(PAGES)


def test_the_session_examples_run_as_written(cli):
    for line in EXAMPLES["screening session add"].splitlines():
        code, out, err = cli(*shlex.split(line)[1:])
        assert code == 0 and "Đã thêm buổi khám" in out, (line, err)
