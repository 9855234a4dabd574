"""What a typed survey answer means: options by number ("2", "1 3", "1,3"), by label in
either language (any case, with or without diacritics, small typos), "bỏ qua", "dừng",
or — where a question has "Khác" — the resident's own words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum, auto

from rapidfuzz import fuzz

from content.surveys import OTHER, Question
from content.text import fold

SKIP_WORDS = frozenset({"bo qua", "bo", "qua", "khong", "khong biet", "skip", "pass", "next"})
STOP_WORDS = frozenset({"dung", "dung lai", "thoi", "ket thuc", "stop", "quit", "end"})
OTHER_WORDS = frozenset({"khac", "other", "y kien khac"})
# Words that join numbers or labels: "1 va 3", "tre em, tiem chung".
_JOINERS = frozenset({"va", "voi", "and"})
_PARTS = re.compile(r"\s*(?:[,;/+]|\bvà\b|\bva\b|\band\b)\s*", re.IGNORECASE)
# A label typed with a slip still matches; below this it is not that label.
FUZZY_CUTOFF = 82
# The best label must beat the next one by this much, or the answer is unclear.
FUZZY_MARGIN = 6
# The "Khác" text kept (it is read by staff, never shown with a name).
MAX_OTHER = 300


class Kind(Enum):
    CHOICES = auto()
    OTHER_TEXT = auto()  # the resident's own words, for "Khác"
    ASK_OTHER = auto()  # "Khác" chosen: its words come next
    SKIP = auto()
    STOP = auto()
    UNCLEAR = auto()


@dataclass(frozen=True)
class Answer:
    kind: Kind
    choices: tuple[str, ...] = ()
    text: str = ""


def other_number(question: Question) -> int | None:
    """The number "Khác" has when typed (after the options), if the question has it."""
    return len(question.options) + 1 if question.other else None


def read_answer(typed: str, question: Question) -> Answer:
    """The meaning of `typed` as an answer to `question`."""
    folded = fold(typed)
    if not folded:
        return Answer(Kind.UNCLEAR)
    if folded in STOP_WORDS:
        return Answer(Kind.STOP)
    if folded in SKIP_WORDS:
        return Answer(Kind.SKIP)
    words = [w for w in folded.split() if w not in _JOINERS]
    if words and all(w.isdigit() for w in words):
        return _by_numbers([int(w) for w in words], question)
    chosen = _by_labels(typed, question)
    if chosen is not None:
        return _checked(chosen, question)
    if question.other:
        return Answer(Kind.OTHER_TEXT, (OTHER,), typed.strip()[:MAX_OTHER])
    return Answer(Kind.UNCLEAR)


def _by_numbers(numbers: list[int], question: Question) -> Answer:
    codes: list[str] = []
    for number in dict.fromkeys(numbers):
        if 1 <= number <= len(question.options):
            codes.append(question.options[number - 1].code)
        elif number == other_number(question):
            codes.append(OTHER)
        else:
            return Answer(Kind.UNCLEAR)
    return _checked(codes, question)


def _checked(codes: list[str], question: Question) -> Answer:
    if not question.multiple and len(codes) != 1:
        return Answer(Kind.UNCLEAR)
    if OTHER in codes:  # the other choices are kept until the words come
        return Answer(Kind.ASK_OTHER, tuple(c for c in dict.fromkeys(codes) if c != OTHER))
    return Answer(Kind.CHOICES, tuple(dict.fromkeys(codes)))


def _by_labels(typed: str, question: Question) -> list[str] | None:
    """Each part of `typed` (split at commas and "và" for multiple choice) as an option
    code; None when any part matches no option clearly."""
    parts = [p for p in _PARTS.split(typed) if p.strip()] if question.multiple else [typed]
    labels = _labels(question)
    codes = [_best_label(fold(part), labels) for part in parts]
    return None if not codes or None in codes else [c for c in codes if c]


def _labels(question: Question) -> dict[str, str]:
    """Folded label → option code, in both languages, and the code itself."""
    labels: dict[str, str] = {}
    for option in question.options:
        for label in (option.vi, option.en, option.code.replace("_", " ")):
            labels.setdefault(fold(label), option.code)
    if question.other:
        labels.update(dict.fromkeys(OTHER_WORDS, OTHER))
    return labels


def _best_label(part: str, labels: dict[str, str]) -> str | None:
    if part in labels:
        return labels[part]
    best: dict[str, float] = {}
    for label, code in labels.items():
        score = fuzz.token_set_ratio(part, label)
        best[code] = max(best.get(code, 0.0), score)
    ranked = sorted(best.items(), key=lambda item: -item[1])
    if not ranked or ranked[0][1] < FUZZY_CUTOFF:
        return None
    if len(ranked) > 1 and ranked[1][1] > ranked[0][1] - FUZZY_MARGIN:
        return None
    return ranked[0][0]
