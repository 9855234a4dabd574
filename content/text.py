"""Vietnamese text folding shared by matchers (areas, FAQ) and the content checks."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d), drop punctuation, squeeze spaces.

    "Tổ  3, Phường Hòa Bình!" → "to 3 phuong hoa binh"
    """
    text = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    text = _NON_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()
