"""FAQ engine: normalise a question, find its topic, decide whether to answer.

Use: `get_index("vi").ask("kham sang loc co mat tien ko")` → Match(id="screening.cost", …).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.faq.index import THRESHOLD, FaqIndex, Match
from content import CONTENT_DIR
from content.faq import load_abbreviations, load_faq, load_signals

__all__ = ["THRESHOLD", "FaqIndex", "Match", "build_index", "get_index"]


def build_index(lang: str = "vi", content_dir: Path = CONTENT_DIR) -> FaqIndex:
    """Load one language's FAQ, abbreviations and signal words and index them."""
    return FaqIndex.build(
        load_faq(lang, content_dir),
        load_abbreviations(lang, content_dir),
        load_signals(lang, content_dir),
    )


@lru_cache(maxsize=4)
def get_index(lang: str = "vi") -> FaqIndex:
    """The shared index of the installed content (built on first use)."""
    return build_index(lang)
