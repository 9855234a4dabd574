"""Residents' words rewritten to the library's before ranking (content/faq/synonyms.yaml).

"chích ngừa cho bé" → "tiêm phòng cho bé", "bác 75 tuổi" → "bác 75 tuổi người cao tuổi".
Applied to questions and to the library's own examples alike, so both meet in the same
words. Phrases are compared like signal phrases: a word typed with diacritics must
match them, one typed without matches the unmarked form, unless the synonym is `exact`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.faq.normalize import fold_word, tone_key, words
from content.faq import Synonyms


@dataclass(frozen=True)
class Rewriter:
    # folded phrase → [(phrase as written, replacement, exact)]
    phrases: dict[tuple[str, ...], list[tuple[tuple[str, ...], tuple[str, ...], bool]]]
    longest: int
    older_from_age: int | None
    older_words: tuple[str, ...]

    @classmethod
    def build(cls, synonyms: Synonyms) -> Rewriter:
        phrases: dict[tuple[str, ...], list] = {}
        for synonym in synonyms.words:
            replacement = tuple(words(synonym.use))
            for variant in synonym.variants:
                marked = tuple(tone_key(word) for word in words(variant))
                key = tuple(map(fold_word, marked))
                phrases.setdefault(key, []).append((marked, replacement, synonym.exact))
        longest = max(map(len, phrases), default=0)
        return cls(phrases, longest, synonyms.older_from_age, tuple(words(synonyms.older_words)))

    def rewrite(self, tokens: Sequence[str]) -> list[str]:
        marked = [tone_key(token) for token in tokens]
        folded = [fold_word(token) for token in marked]
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for size in range(min(self.longest, len(tokens) - i), 0, -1):
                replacement = self._replacement(marked[i : i + size], folded[i : i + size])
                if replacement is not None:
                    out.extend(replacement)
                    i += size
                    break
            else:
                out.append(tokens[i])
                if self._older_age(tokens, i):
                    out.extend(self.older_words)
                i += 1
        return out

    def _replacement(self, marked: list[str], folded: list[str]) -> tuple[str, ...] | None:
        for written, replacement, exact in self.phrases.get(tuple(folded), ()):
            if all(
                typed == word or (not exact and typed == plain)
                for typed, plain, word in zip(marked, folded, written, strict=True)
            ):
                return replacement
        return None

    def _older_age(self, tokens: Sequence[str], i: int) -> bool:
        """`tokens[i]` is "tuổi" after an age from `older_from_age` ("bác 75 tuổi")."""
        return (
            self.older_from_age is not None
            and i > 0
            and fold_word(tokens[i]) in ("tuoi", "years", "year")
            and tokens[i - 1].isdigit()
            and int(tokens[i - 1]) >= self.older_from_age
        )
