"""`loaphuong bench <name> [--json]`: run one benchmark from the bench package.

A benchmark is a module bench/<name>.py with `add_arguments(parser)` and
`run(args) -> dict`; adding one is adding a file. Only the benchmark that runs is
imported: the others are listed from their source, so one's imports never weigh on
another's memory figure, and one that fails to import says why when run.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import json
import pkgutil
from collections.abc import Callable
from pathlib import Path

import bench
from bot.cli import CliError


def benchmarks() -> dict[str, str]:
    """Every module of the bench package with add_arguments and run: name → docstring."""
    found: dict[str, str] = {}
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        source = Path(bench.__path__[0], f"{info.name}.py")
        try:
            tree = ast.parse(source.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError) as exc:
            found[info.name] = f"(không đọc được: {exc})"
            continue
        functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        if {"add_arguments", "run"} <= functions:
            found[info.name] = ast.get_docstring(tree) or info.name
    return found


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="đo hiệu năng (mỗi bài đo in một dòng JSON)")
    names = parser.add_subparsers(dest="bench_name", metavar="NAME", required=True)
    for name, doc in benchmarks().items():
        # The benchmark's own options are read once it is imported: here they are only
        # collected ("+" as the option prefix, so "--json" is collected, not refused).
        # "faq_eval" is run as "faq-eval" (either spelling works).
        dashed = name.replace("_", "-")
        sub = names.add_parser(
            dashed,
            aliases=[name] if dashed != name else [],
            help=doc.strip().splitlines()[0],
            add_help=False,
            prefix_chars="+",
        )
        sub.add_argument("options", nargs="*")
        sub.set_defaults(func=_runner(name))


def _runner(name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ImportError as exc:
            raise CliError(f"bài đo '{name}' không nạp được: {exc}") from None
        parser = argparse.ArgumentParser(prog=f"loaphuong bench {name}", description=module.__doc__)
        parser.add_argument("--json", action="store_true", help="in kết quả thành một dòng JSON")
        module.add_arguments(parser)
        options = parser.parse_args(args.options)
        figures = module.run(options)
        if options.json:
            print(json.dumps(figures, ensure_ascii=False))
        else:
            for key, value in figures.items():
                print(f"{key}: {value}")
        return 0

    return run
