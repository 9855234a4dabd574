"""`loaphuong bench <name> [--json]`: run one benchmark from the bench package.

A benchmark is a module bench/<name>.py with `add_arguments(parser)`, `run(args) -> dict`
and SUMMARY, its one Vietnamese line for --help (the docstring, for developers, may be
English); adding one is adding a file. Only the benchmark that runs is
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
from types import ModuleType

import bench
from bot.cli import CliError


def benchmarks() -> dict[str, str]:
    """Every module of the bench package with add_arguments and run: name → its SUMMARY."""
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
            found[info.name] = _summary(tree) or info.name
    return found


def _summary(module: ast.Module) -> str | None:
    for node in module.body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(target, "id", None) for target in node.targets] == ["SUMMARY"]
            and isinstance(node.value, ast.Constant)
        ):
            return str(node.value.value)
    return None


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="đo hiệu năng (mỗi bài đo in một dòng JSON)")
    names = parser.add_subparsers(dest="bench_name", metavar="BÀI_ĐO", required=True)
    for name, summary in benchmarks().items():
        # The benchmark's own options are read once it is imported: here they are only
        # collected ("+" as the option prefix, so "--json" is collected, not refused).
        # "faq_eval" is run as "faq-eval" (either spelling works).
        dashed = name.replace("_", "-")
        sub = names.add_parser(
            dashed,
            aliases=[name] if dashed != name else [],
            help=summary,
            add_help=False,
            prefix_chars="+",
        )
        sub.add_argument("options", nargs="*")
        sub.set_defaults(func=_runner(name))


def benchmark_parser(name: str, module: ModuleType) -> argparse.ArgumentParser:
    """The parser of `loaphuong bench NAME`: its SUMMARY, its options, its examples."""
    from bot.cli.examples import describe
    from bot.cli.vietnamese import VietnameseParser

    command = f"bench {name.replace('_', '-')}"
    parser = VietnameseParser(prog=f"loaphuong {command}")
    parser.add_argument("--json", action="store_true", help="in kết quả thành một dòng JSON")
    module.add_arguments(parser)
    describe(parser, command, getattr(module, "SUMMARY", None))
    return parser


def _runner(name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ImportError as exc:
            raise CliError(f"bài đo '{name}' không nạp được: {exc}") from None
        options = benchmark_parser(name, module).parse_args(args.options)
        figures = module.run(options)
        if options.json:
            print(json.dumps(figures, ensure_ascii=False))
        else:
            for key, value in figures.items():
                print(f"{key}: {value}")
        return 0

    return run
