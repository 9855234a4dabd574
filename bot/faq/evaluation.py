"""How well the FAQ answers: top-1 accuracy in scope, out-of-scope questions answered,
and leave-one-out accuracy over the library's own examples.

An evaluation set is a TSV file with the header `question<TAB>expected_id`; an empty
expected id or `OOS` means the right reply is no topic answer (a hand-off or "I only
help with health"). Questions are asked the way the bot asks them: the language of
each is detected, with `interface` as the chat's language.
"""

from __future__ import annotations

import csv
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.faq.index import FaqIndex, Match

OUT_OF_SCOPE = "OOS"

Asker = Callable[[str], Match]


@dataclass(frozen=True)
class Row:
    question: str
    expected: str | None  # None: out of scope


@dataclass
class Figures:
    in_scope: int = 0
    correct: int = 0
    out_of_scope: int = 0
    oos_answered: int = 0
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    # (score, whether the best topic was the right one) of questions decided by score,
    # not by rule (emergency, medical advice, off topic).
    scored: list[tuple[float, bool]] = field(default_factory=list)

    @property
    def top1(self) -> float:
        return self.correct / self.in_scope if self.in_scope else 0.0

    @property
    def oos_answered_rate(self) -> float:
        return self.oos_answered / self.out_of_scope if self.out_of_scope else 0.0

    @property
    def separation(self) -> float:
        """How often a right best topic scores above a wrong one (ROC AUC; 1.0: the
        threshold can split them perfectly, 0.5: scores say nothing)."""
        right = sorted(score for score, good in self.scored if good)
        wrong = sorted(score for score, good in self.scored if not good)
        if not right or not wrong:
            return 1.0
        above = sum(bisect_left(wrong, score) for score in right)
        ties = sum(bisect_right(wrong, score) - bisect_left(wrong, score) for score in right)
        return (above + ties / 2) / (len(right) * len(wrong))

    def summary(self) -> dict[str, float | int]:
        return {
            "top1_in_scope": round(self.top1, 4),
            "in_scope": self.in_scope,
            "correct": self.correct,
            "oos_answered_rate": round(self.oos_answered_rate, 4),
            "out_of_scope": self.out_of_scope,
            "oos_answered": self.oos_answered,
            "score_separation_auc": round(self.separation, 4),
        }


def load_rows(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    out = []
    for row in rows:
        expected = (row.get("expected_id") or "").strip()
        question = (row.get("question") or "").strip()
        if question:
            out.append(Row(question, None if expected in ("", OUT_OF_SCOPE) else expected))
    return out


def evaluate(rows: Sequence[Row], ask: Asker, known: set[str] | None = None) -> Figures:
    """Figures for `rows`; with `known`, in-scope rows whose topic is not in it are
    left out (a set written for topics this library does not have yet)."""
    figures = Figures()
    for row in rows:
        if row.expected is not None and known is not None and row.expected not in known:
            continue
        match = ask(row.question)
        got = match.id
        if not (match.emergency or match.advice or match.off_topic):
            best = got or next(iter(match.alternatives), None)
            figures.scored.append((match.score, best is not None and best == row.expected))
        if row.expected is None:
            figures.out_of_scope += 1
            figures.oos_answered += got is not None
            if got is not None:
                figures.confusions[(OUT_OF_SCOPE, got)] += 1
            continue
        figures.in_scope += 1
        figures.correct += got == row.expected
        if got != row.expected:
            figures.confusions[(row.expected, got or "—")] += 1
    return figures


def leave_one_out(build: Callable[[Sequence], FaqIndex], entries: Sequence) -> Figures:
    """Each example asked of an index built without it: how the library does on a
    question phrased like its examples but not one of them."""
    figures = Figures()
    for i, entry in enumerate(entries):
        for j, example in enumerate(entry.examples):
            held = replace(entry, examples=entry.examples[:j] + entry.examples[j + 1 :])
            index = build([*entries[:i], held, *entries[i + 1 :]])
            got = index.ask(example).id
            figures.in_scope += 1
            figures.correct += got == entry.id
            if got != entry.id:
                figures.confusions[(entry.id, got or "—")] += 1
    return figures
