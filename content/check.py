"""`loaphuong content check`: run every content checker and collect their problems.

A checker is any `f(content_dir: Path) -> list[Problem]`. To validate a new kind of
content, append its checker to CHECKERS (the FAQ library adds `check_faq` here).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from content import CONTENT_DIR
from content.messages import check_messages
from content.observances import check_observances
from content.station import check_station, check_topics
from content.yamlfile import Problem

Checker = Callable[[Path], list[Problem]]


def check_station_file(content_dir: Path) -> list[Problem]:
    return check_station(content_dir / "station.yaml")


def check_topics_file(content_dir: Path) -> list[Problem]:
    return check_topics(content_dir / "topics.yaml")


CHECKERS: list[Checker] = [
    check_station_file,
    check_topics_file,
    check_observances,
    check_messages,
    # FAQ library: content.faq.check_faq (same signature) goes here.
]


def check_all(content_dir: Path = CONTENT_DIR) -> list[Problem]:
    """Every problem in the content library, grouped by checker, in file/line order."""
    problems: list[Problem] = []
    for checker in CHECKERS:
        problems.extend(sorted(checker(content_dir), key=lambda p: (str(p.file), p.line)))
    return problems
