"""Turn what a resident typed into comparable words.

"Khám sàng lọc có mất tiền ko?" and "kham sang loc co mat tien k" both become
["kham", "sang", "loc", "co", "mat", "tien", "khong"]: Unicode NFC, lower case,
diacritics removed (đ → d), punctuation dropped, chat abbreviations expanded from
content/abbreviations.yaml.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from bot.text import fold

_WORD = re.compile(r"\w+")


@lru_cache(maxsize=65536)
def fold_word(word: str) -> str:
    """`fold` for one word, cached: a library repeats the same few thousand words."""
    return fold(word)


def words(text: str) -> list[str]:
    """Lower-cased NFC words, diacritics kept: "Đau ngực!" → ["đau", "ngực"]."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def has_diacritics(text: str) -> bool:
    """Whether the writer typed any Vietnamese diacritics (or đ)."""
    return any(fold_word(word) != word for word in words(text))


@dataclass(frozen=True)
class Normalizer:
    """Expands abbreviations; keys are folded word tuples, values keep diacritics."""

    expansions: Mapping[tuple[str, ...], tuple[str, ...]]
    longest: int
    starts: frozenset[str]  # first words of the keys: most words skip the lookup

    @classmethod
    def build(cls, abbreviations: Mapping[str, str]) -> Normalizer:
        expansions = {
            tuple(fold(key).split()): tuple(words(value)) for key, value in abbreviations.items()
        }
        expansions = {key: value for key, value in expansions.items() if key}
        longest = max((len(key) for key in expansions), default=0)
        return cls(expansions, longest, frozenset(key[0] for key in expansions))

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
        return self.expand(words(text))

    def folded(self, text: str) -> list[str]:
        """Expanded words without diacritics (for retrieval)."""
        return [fold_word(token) for token in self.tokens(text)]


@dataclass(frozen=True)
class PhraseSet:
    """Whole-word phrases (emergency, off-topic) found in a question.

    A question typed with diacritics is compared with them, so "ngạt mũi" does not
    match "ngất"; a question typed without any is compared folded.
    """

    exact: frozenset[tuple[str, ...]]
    folded: frozenset[tuple[str, ...]]
    longest: int

    @classmethod
    def build(cls, phrases: Iterable[str]) -> PhraseSet:
        exact = frozenset(tuple(words(phrase)) for phrase in phrases if words(phrase))
        folded = frozenset(tuple(fold(word) for word in phrase) for phrase in exact)
        return cls(exact, folded, max((len(phrase) for phrase in exact), default=0))

    def find(self, tokens: list[str], with_diacritics: bool) -> list[str]:
        """The phrases present in `tokens`, in order of appearance."""
        if not with_diacritics:
            tokens = [fold_word(token) for token in tokens]
        wanted = self.exact if with_diacritics else self.folded
        found = []
        for i in range(len(tokens)):
            for size in range(1, min(self.longest, len(tokens) - i) + 1):
                phrase = tuple(tokens[i : i + size])
                if phrase in wanted:
                    found.append(" ".join(phrase))
        return found
