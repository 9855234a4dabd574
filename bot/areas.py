"""Match what a resident typed to one of the station's tổ dân phố."""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz, process

from content.text import fold

_NUMBER = re.compile(r"\d+")
# Typing slips like "to 3" vs "tổ 3" are folded away; this catches the rest.
FUZZY_CUTOFF = 85


def match_area(text: str, areas: list[str]) -> str | None:
    """ "to 3", "tổ 3", "TDP 3", "3" → "Tổ 3"; None when nothing fits clearly."""
    wanted = fold(text)
    if not wanted:
        return None
    folded = _folded(tuple(areas))
    if wanted in folded:
        return folded[wanted]
    numbers = _NUMBER.findall(wanted)
    if len(numbers) == 1:
        by_number = [area for key, area in folded.items() if _NUMBER.findall(key) == numbers]
        if len(by_number) == 1:
            return by_number[0]
        if not by_number:
            return None
    best = process.extractOne(wanted, list(folded), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    return folded[best[0]] if best else None


@lru_cache(maxsize=8)
def _folded(areas: tuple[str, ...]) -> dict[str, str]:
    """Each area by its folded name (the station's list, folded once, not per message)."""
    return {fold(area): area for area in areas}


class UnknownArea(ValueError):
    """A typed tổ dân phố that matches none of the station's; callers word the refusal."""

    def __init__(self, typed: str, known: list[str]) -> None:
        super().__init__(typed)
        self.typed = typed
        self.known = known


def match_areas(texts: list[str], areas: list[str]) -> list[str]:
    """Each typed tổ dân phố matched (duplicates dropped, order kept), or UnknownArea."""
    matched: list[str] = []
    for text in texts:
        area = match_area(text, areas)
        if area is None:
            raise UnknownArea(text, areas)
        if area not in matched:
            matched.append(area)
    return matched
