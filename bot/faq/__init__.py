"""FAQ engine: normalise a question, find its topic, decide whether to answer.

Use: `get_index("vi").ask("kham sang loc co mat tien ko")` → Match(id="screening.cost", …).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from bot.faq.index import THRESHOLD, FaqIndex, Match
from bot.faq.language import LanguageGuesser
from content import CONTENT_DIR
from content.faq import LANGUAGES, load_abbreviations, load_faq, load_signals, load_synonyms

__all__ = ["THRESHOLD", "FaqIndex", "Match", "ask", "build_index", "get_index"]


def build_index(lang: str = "vi", content_dir: Path = CONTENT_DIR) -> FaqIndex:
    """Load one language's FAQ, abbreviations, signal words and synonyms and index them."""
    return FaqIndex.build(
        load_faq(lang, content_dir),
        load_abbreviations(lang, content_dir),
        load_signals(lang, content_dir),
        load_synonyms(lang, content_dir),
    )


@lru_cache(maxsize=4)
def get_index(lang: str = "vi") -> FaqIndex:
    """The shared index of the installed content (built on first use)."""
    return build_index(lang)


@lru_cache(maxsize=1)
def get_guesser() -> LanguageGuesser:
    """Tells Vietnamese from English by the installed libraries' words."""

    def texts(lang: str) -> Iterator[str]:
        for entry in get_index(lang).entries.values():
            yield entry.question
            yield entry.answer
            yield from entry.examples

    return LanguageGuesser.build([*texts("vi"), *load_abbreviations("vi")], texts("en"))


# Residents ask the same few questions over and over (a poster's example, a button's
# words); ranking one took about a quarter of the event loop's time under load.
@lru_cache(maxsize=1024)
def ask(text: str, interface: str = "vi") -> Match:
    """Answer `text` in the language it is written in, asked in a chat whose interface
    language is `interface` (kept when the words do not tell)."""
    lang = get_guesser().guess(text, interface) if interface in LANGUAGES else interface
    return replace(get_index(lang).ask(text), lang=lang)
