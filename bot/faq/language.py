"""Which language a question is written in: Vietnamese or English.

Residents often type Vietnamese without diacritics ("con toi bi sot cao"), which a
general detector takes for English or Indonesian. Here every word votes: a word with
Vietnamese diacritics is Vietnamese outright; an unmarked word votes Vietnamese when it
is a possible Vietnamese syllable (or chat shorthand such as "ko", "dc") that English
does not use, and English when it is an English word that cannot be a Vietnamese
syllable ("fever", "where") or only the English library uses it. Words both languages
use ("can", "to", "me") do not vote; a tie keeps the chat's language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.faq.normalize import fold_word, words

# A Vietnamese syllable without diacritics: onset, vowel nucleus, final. dz, f, j, w, z
# start teencode syllables ("dzay", "fai", "wen").
_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|dz|[bcdghklmnprstvxfjwz])?"
    r"(?:uye|uya|uyu|uoi|uou|oai|oay|oeo|uay|ieu|yeu|ai|ao|au|ay|eo|eu|ia|ie|iu"
    r"|oa|oe|oi|oo|ua|ue|ui|uo|uu|uy|ye|a|e|i|o|u|y)"
    r"(?:ch|ng|nh|[cmnptiyou])?"
)
# English words that are also Vietnamese syllables when unmarked: the commonest ones a
# question uses, so that "can my son get it" reads as English.
_ENGLISH_COMMON_WORDS = """
    a an and are as at be but by can do get go he her him his how i if in is it me my
    no not of on or our so the to up us we who why you your yes hi hello ok bit hot
    sick long men ban bite got had has may might much one than them then this that
    these those they what when where which with will would should could does did
"""
ENGLISH_COMMON = frozenset(_ENGLISH_COMMON_WORDS.split())
VIETNAMESE, ENGLISH = "vi", "en"
MAX_WORD = 20
_VOWEL = re.compile(r"[aeiouy]")


def is_syllable(word: str) -> bool:
    return _SYLLABLE.fullmatch(word) is not None


def _wordlike(word: str) -> bool:
    """Could be a word at all (not "xxxx" or a code): then, not Vietnamese, English."""
    return len(word) <= MAX_WORD and _VOWEL.search(word) is not None


@dataclass(frozen=True)
class LanguageGuesser:
    vietnamese: frozenset[str]  # unmarked words of the Vietnamese library and shorthand
    english: frozenset[str]  # words of the English library and ENGLISH_COMMON

    @classmethod
    def build(cls, vietnamese: Iterable[str], english: Iterable[str]) -> LanguageGuesser:
        """From the texts of each language's library (and Vietnamese chat shorthand)."""
        vi = {fold_word(w) for text in vietnamese for w in words(text)}
        en = {w for text in english for w in words(text) if fold_word(w) == w}
        return cls(frozenset(vi), frozenset(en | ENGLISH_COMMON))

    def votes(self, text: str) -> tuple[int, int]:
        """(Vietnamese votes, English votes)."""
        vi = en = 0
        for word in words(text):
            # Numbers and codes ("to3", "covid19", "h5n1") are neither language.
            if not word.isalpha():
                continue
            folded = fold_word(word)
            if folded != word:
                vi += 3
                continue
            vietnamese = is_syllable(word) or (word in self.vietnamese and len(word) > 1)
            english = word in self.english or (not vietnamese and _wordlike(word))
            vi += vietnamese and not english
            en += english and not vietnamese
        return vi, en

    def guess(self, text: str, default: str) -> str:
        vi, en = self.votes(text)
        if vi == en:
            return default
        return VIETNAMESE if vi > en else ENGLISH
