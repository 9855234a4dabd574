"""Turn what a resident typed into comparable words.

"Khám sàng lọc có mất tiền ko?" and "kham sang loc co mat tien k" both become
["kham", "sang", "loc", "co", "mat", "tien", "khong"]: Unicode NFC, lower case,
diacritics removed (đ → d), punctuation dropped, chat abbreviations expanded from
content/abbreviations.yaml.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from content.text import fold

_WORD = re.compile(r"\w+")
_NGA, _HOI = "\u0303", "\u0309"  # combining tilde, combining hook above
# Share of words with diacritics from which a question counts as typed with them.
MOSTLY = 0.4


@lru_cache(maxsize=65536)
def fold_word(word: str) -> str:
    """`fold` for one word, cached: a library repeats the same few thousand words."""
    return fold(word)


def words(text: str) -> list[str]:
    """Lower-cased NFC words, diacritics kept: "Đau ngực!" → ["đau", "ngực"]."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def mostly_marked(typed: Sequence[str], folded: Sequence[str]) -> bool:
    """Whether the writer typed diacritics on at least MOSTLY of the words (then a word
    typed without them is likely meant so: "an toàn" is not "ăn"). A lone "ạ" is not."""
    marked = sum(word != plain for word, plain in zip(typed, folded, strict=True))
    return bool(typed) and marked >= MOSTLY * len(typed)


@lru_cache(maxsize=65536)
def tone_key(word: str) -> str:
    """`word` with the ngã tone written as hỏi: the commonest spelling mix-up ("khó thỡ"
    for "khó thở"), and the two sound alike in much of the country."""
    decomposed = unicodedata.normalize("NFD", word).replace(_NGA, _HOI)
    return unicodedata.normalize("NFC", decomposed)


@dataclass(frozen=True)
class Normalizer:
    """Expands abbreviations; keys are folded word tuples, values keep diacritics."""

    expansions: Mapping[tuple[str, ...], tuple[str, ...]]
    longest: int
    starts: frozenset[str]  # first words of the keys: most words skip the lookup
    # Then residents' words to the library's (bot/faq/synonyms.py).
    rewrite: Callable[[list[str]], list[str]] | None = None

    @classmethod
    def build(
        cls,
        abbreviations: Mapping[str, str],
        rewrite: Callable[[list[str]], list[str]] | None = None,
    ) -> Normalizer:
        expansions = {
            tuple(fold(key).split()): tuple(words(value)) for key, value in abbreviations.items()
        }
        expansions = {key: value for key, value in expansions.items() if key}
        longest = max((len(key) for key in expansions), default=0)
        return cls(expansions, longest, frozenset(key[0] for key in expansions), rewrite)

    def expand(self, tokens: list[str]) -> list[str]:
        """Replace abbreviations (longest first); tokens keep their diacritics."""
        folded = [fold_word(token) for token in tokens]
        result: list[str] = []
        i = 0
        while i < len(tokens):
            if folded[i] not in self.starts:
                result.append(tokens[i])
                i += 1
                continue
            for size in range(min(self.longest, len(tokens) - i), 0, -1):
                replacement = self.expansions.get(tuple(folded[i : i + size]))
                if replacement is not None:
                    result.extend(replacement)
                    i += size
                    break
            else:
                result.append(tokens[i])
                i += 1
        return result

    def tokens(self, text: str) -> list[str]:
        """Expanded words with diacritics kept (for signal phrases)."""
        expanded = self.expand(words(text))
        return self.rewrite(expanded) if self.rewrite else expanded


class Span(NamedTuple):
    """Where a phrase was found: words `start` up to (not including) `end`."""

    start: int
    end: int

    def within(self, other: Span) -> bool:
        return other.start <= self.start and self.end <= other.end


class Typed(NamedTuple):
    """A question's words prepared for `PhraseSet.find_in`, once for every phrase set."""

    marked: list[str]  # as typed, tone marks in one order
    folded: list[str]
    loose: list[bool]  # typed without diacritics and not to be taken literally

    @classmethod
    def of(cls, tokens: Sequence[str], literal: frozenset[str] = frozenset()) -> Typed:
        marked = [tone_key(token) for token in tokens]
        folded = [fold_word(token) for token in marked]
        loose = [m == f and m not in literal for m, f in zip(marked, folded, strict=True)]
        return cls(marked, folded, loose)


@dataclass(frozen=True)
class PhraseSet:
    """Whole-word phrases (emergency, off-topic, required words) found in a question.

    Compared word by word: a word typed with diacritics must match them ("ngạt" is not
    "ngất"), a word typed without any matches folded ("ngat" may be either), unless it
    is one of `literal` (for "an" in "an toàn", not "ăn"). So a question mixing both
    ("chau bi co giat ạ") is still understood.
    """

    by_folded: Mapping[tuple[str, ...], tuple[tuple[str, ...], ...]]
    longest: int
    starts: frozenset[str]  # first words, folded: most words start no phrase

    @classmethod
    def build(cls, phrases: Iterable[str]) -> PhraseSet:
        by_folded: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        for phrase in phrases:
            marked = tuple(tone_key(word) for word in words(phrase))
            if marked:
                by_folded.setdefault(tuple(map(fold_word, marked)), []).append(marked)
        longest = max((len(phrase) for phrase in by_folded), default=0)
        starts = frozenset(phrase[0] for phrase in by_folded)
        return cls({key: tuple(value) for key, value in by_folded.items()}, longest, starts)

    def find(self, tokens: Sequence[str], literal: frozenset[str] = frozenset()) -> list[Span]:
        """Where the phrases are in `tokens`, in order of appearance."""
        return self.find_in(Typed.of(tokens, literal))

    def find_in(self, typed: Typed) -> list[Span]:
        """`find` for words already prepared."""
        marked, folded, loose = typed
        found = []
        for start in range(len(marked)):
            if folded[start] not in self.starts:
                continue
            for end in range(start + 1, min(start + self.longest, len(marked)) + 1):
                candidates = self.by_folded.get(tuple(folded[start:end]), ())
                if any(_typed_as(marked, loose, start, phrase) for phrase in candidates):
                    found.append(Span(start, end))
        return found


def _typed_as(marked: list[str], loose: list[bool], start: int, phrase: tuple[str, ...]) -> bool:
    """Whether the words from `start` are `phrase` (their folded forms are known to agree):
    each written so, or typed without diacritics and not to be taken literally."""
    return all(loose[start + i] or marked[start + i] == word for i, word in enumerate(phrase))
