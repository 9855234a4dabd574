"""The FAQ evaluation set: top-1 accuracy and wrong answers to out-of-scope questions.

tests/data/faq_eval.tsv was written before the threshold was tuned: questions with
and without diacritics, chat abbreviations, typos, and out-of-scope questions whose
right answer is no answer (empty expected id).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from bot.faq import get_index

EVAL_FILE = Path(__file__).parent / "data" / "faq_eval.tsv"


def load_eval() -> list[tuple[str, str | None]]:
    with EVAL_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(row["question"], row["expected_id"] or None) for row in rows]


def test_eval_set_is_big_and_varied_enough():
    rows = load_eval()
    index = get_index("vi")
    assert len(rows) >= 150
    assert sum(expected is None for _, expected in rows) >= 20
    assert {expected for _, expected in rows if expected} <= set(index.entries)
    examples = {e.strip().lower() for entry in index.entries.values() for e in entry.examples}
    assert not [q for q, _ in rows if q.strip().lower() in examples], "eval copies an example"


def test_top1_accuracy_and_out_of_scope_wrong_rate():
    index = get_index("vi")
    rows = load_eval()
    in_scope = [(q, e) for q, e in rows if e]
    out_of_scope = [q for q, e in rows if e is None]
    confusions: Counter[tuple[str, str]] = Counter()
    correct = 0
    for question, expected in in_scope:
        got = index.ask(question).id
        correct += got == expected
        if got != expected:
            confusions[(expected, got or "—")] += 1
    answered = [q for q in out_of_scope if index.ask(q).id is not None]
    accuracy = correct / len(in_scope)
    wrong_rate = len(answered) / len(out_of_scope)
    print(
        f"\nFAQ eval: top-1 accuracy {accuracy:.1%} ({correct}/{len(in_scope)}), "
        f"out-of-scope answered {wrong_rate:.1%} ({len(answered)}/{len(out_of_scope)})"
    )
    for (expected, got), count in confusions.most_common():
        print(f"  confusion: {expected} → {got} ×{count}")
    for question in answered:
        print(f"  out-of-scope answered: {question!r}")
    assert accuracy >= 0.90
    assert wrong_rate <= 0.10
