"""`loaphuong flows [--check]`: draw docs/<feature>-dialogue.mmd from the flow tables.

The diagrams are never drawn by hand: `--check` (run by the tests) fails when a file
differs from its table, so a dialogue and its picture cannot drift apart.
"""

from __future__ import annotations

import argparse
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def diagrams() -> dict[Path, str]:
    """docs/<router>-dialogue.mmd → its text, for every router that declares flows."""
    from bot.flows import mermaid
    from handlers import ROUTERS

    return {
        DOCS / f"{router.name}-dialogue.mmd": mermaid(router.flows, f"handlers/{router.name}.py")
        for router in ROUTERS
        if router.flows
    }


def stale() -> list[Path]:
    return [
        path
        for path, text in diagrams().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]


def run(args: argparse.Namespace) -> int:
    if args.check:
        for path in stale():
            print(f"{path.name}: khác bảng hội thoại; chạy `loaphuong flows` để vẽ lại")
        return 1 if stale() else 0
    for path, text in diagrams().items():
        path.write_text(text, encoding="utf-8")
        print(path.name)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("flows", help="vẽ sơ đồ hội thoại docs/*.mmd từ bảng flow")
    parser.add_argument(
        "--check", action="store_true", help="chỉ kiểm tra, báo sơ đồ nào khác bảng"
    )
    parser.set_defaults(func=run)
