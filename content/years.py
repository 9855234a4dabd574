"""Years written into texts residents read.

"Năm 2026 phường khám…" or "từ tháng 5/2026" is wrong the next January and nobody
notices. A year that has not passed yet is therefore a mistake in an FAQ answer or a
message: write "hằng năm", "trong năm", or {nam} in a message. Past years stay true and
are allowed: founding years of anniversaries, "in force since 1/7/2025".
"""

from __future__ import annotations

import re
from datetime import date

_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def unpassed_years(text: str, today: date | None = None) -> list[tuple[int, str]]:
    """(line offset within `text`, problem) for each year in `text` that has not passed."""
    this_year = (today or date.today()).year
    return [
        (
            text.count("\n", 0, match.start()),
            f"năm {match.group(0)} viết cứng sẽ lỗi thời khi sang năm; "
            "viết 'hằng năm', 'trong năm' hoặc dùng {nam} trong tin nhắn",
        )
        for match in _YEAR.finditer(text)
        if int(match.group(0)) >= this_year
    ]
