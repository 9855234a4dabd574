"""`loaphuong bench <name> [--json]`: run one benchmark from the bench package.

A benchmark is a module bench/<name>.py with `add_arguments(parser)` and
`run(args) -> dict`; adding one is adding a file. A benchmark whose module fails
to import is still listed, and says why when run, so it cannot break the CLI.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
from collections.abc import Callable
from types import ModuleType

import bench
from bot.cli import CliError


def benchmarks() -> dict[str, ModuleType | ImportError]:
    """Every module of the bench package with add_arguments and run, by name."""
    found: dict[str, ModuleType | ImportError] = {}
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        try:
            module = importlib.import_module(f"bench.{info.name}")
        except ImportError as exc:
            found[info.name] = exc
            continue
        if callable(getattr(module, "add_arguments", None)) and callable(
            getattr(module, "run", None)
        ):
            found[info.name] = module
    return found


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="đo hiệu năng (mỗi bài đo in một dòng JSON)")
    names = parser.add_subparsers(dest="bench_name", metavar="NAME", required=True)
    for name, module in benchmarks().items():
        if isinstance(module, ImportError):
            sub = names.add_parser(name, help=f"(không nạp được: {module})")
            sub.add_argument("--json", action="store_true")
            sub.set_defaults(func=_broken(name, module))
            continue
        doc = (module.__doc__ or name).strip().splitlines()[0]
        sub = names.add_parser(name, help=doc, description=module.__doc__)
        sub.add_argument("--json", action="store_true", help="in kết quả thành một dòng JSON")
        module.add_arguments(sub)
        sub.set_defaults(func=_runner(module))


def _runner(module: ModuleType) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        figures = module.run(args)
        if args.json:
            print(json.dumps(figures, ensure_ascii=False))
        else:
            for key, value in figures.items():
                print(f"{key}: {value}")
        return 0

    return run


def _broken(name: str, error: ImportError) -> Callable[[argparse.Namespace], int]:
    def run(_args: argparse.Namespace) -> int:
        raise CliError(f"bài đo '{name}' không nạp được: {error}")

    return run
