"""FAQ answer quality: top-1 in scope and out-of-scope answered, per evaluation set.

Sets (bench/data/, shipped with the package): faq_eval.tsv (the project's own),
faq_heldout.tsv (held out), faq_blind_dev.tsv and faq_blind_dev2.tsv (blind, by two
writers, used to calibrate), faq_blind.tsv and faq_blind2.tsv (blind, by two other writers,
frozen: only ever measured). A missing set is reported as missing. Also leave-one-out
accuracy over the library's examples (each asked of an index built without it).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
SETS = {
    "eval": "faq_eval.tsv",
    "heldout": "faq_heldout.tsv",
    "blind_dev": "faq_blind_dev.tsv",
    "blind_dev2": "faq_blind_dev2.tsv",
    "blind": "faq_blind.tsv",
    "blind2": "faq_blind2.tsv",
}


SUMMARY = "chất lượng hỏi đáp: trả lời đúng ngay câu đầu, câu ngoài phạm vi, theo từng bộ đo"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=DATA, help="thư mục chứa các bộ đo")
    parser.add_argument("--lang", default="vi", help="ngôn ngữ giao diện của cuộc trò chuyện (vi)")
    parser.add_argument(
        "--no-loo", action="store_true", help="bỏ phần đo bỏ-ra-một (leave-one-out)"
    )
    parser.add_argument(
        "--sets",
        default=",".join(SETS),
        help="các bộ đo, cách nhau bởi dấu phẩy (tất cả); bỏ 'blind' và 'blind2' khi đang tinh chỉnh",
    )
    parser.add_argument(
        "--confusions", action="store_true", help="in thêm số lần (đúng ra là, bot trả lời) bị nhầm"
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    from bot.faq import FaqIndex, ask, get_index
    from bot.faq.evaluation import evaluate, leave_one_out, load_rows
    from content.faq import load_abbreviations, load_faq, load_signals, load_synonyms

    known = set(get_index(args.lang).entries)
    figures: dict[str, Any] = {"bench": "faq-eval", "topics": len(known)}
    for name in args.sets.split(","):
        if name not in SETS:
            raise SystemExit(f"không có bộ '{name}': chọn trong {', '.join(SETS)}")
        path = args.data / SETS[name]
        if not path.exists():
            figures[name] = "missing"
            continue
        rows = load_rows(path)
        result = evaluate(rows, lambda q: ask(q, args.lang), known)
        figures[name] = result.summary()
        figures[name]["skipped_unknown_topic"] = sum(
            1 for r in rows if r.expected is not None and r.expected not in known
        )
        if args.confusions:
            figures[name]["confusions"] = {
                f"{e}→{g}": n for (e, g), n in result.confusions.most_common()
            }
    if not args.no_loo:
        abbreviations, signals = load_abbreviations(args.lang), load_signals(args.lang)
        synonyms = load_synonyms(args.lang)
        # Built as the bot builds it (synonyms too), so the figure is the bot's.
        loo = leave_one_out(
            lambda entries: FaqIndex.build(entries, abbreviations, signals, synonyms),
            load_faq(args.lang),
        )
        figures["leave_one_out"] = {
            "top1": round(loo.top1, 4),
            "examples": loo.in_scope,
            "correct": loo.correct,
        }
    return figures
