"""`loaphuong content check`: run every content checker and collect their problems.

A checker is any `f(content_dir: Path) -> list[Problem]`. To validate a new kind of
content, append its checker to CHECKERS. Checks that need the bot's engines (the FAQ's
retrieval) are the bot's, passed in as `extra` (bot/cli/content.py's check_content).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from content import CONTENT_DIR
from content.faq import check_faq, check_signals, check_synonyms
from content.messages import check_messages
from content.observances import check_observances
from content.station import check_screening_groups, check_station, check_topics
from content.surveys import check_surveys
from content.yamlfile import ContentError, Problem

Checker = Callable[[Path], list[Problem]]


def check_station_file(content_dir: Path) -> list[Problem]:
    return check_station(content_dir / "station.yaml")


def check_topics_file(content_dir: Path) -> list[Problem]:
    return check_topics(content_dir / "topics.yaml")


def check_screening_groups_file(content_dir: Path) -> list[Problem]:
    return check_screening_groups(content_dir / "screening_groups.yaml")


CHECKERS: list[Checker] = [
    check_station_file,
    check_topics_file,
    check_observances,
    check_messages,
    check_faq,
    check_signals,
    check_synonyms,
    check_screening_groups_file,
    check_surveys,
]


def check_all(content_dir: Path = CONTENT_DIR, extra: Iterable[Checker] = ()) -> list[Problem]:
    """Every problem in the content library, grouped by checker, in file/line order;
    a problem several checkers trip over (a file they all read) is listed once."""
    problems: dict[Problem, None] = {}
    for checker in [*CHECKERS, *extra]:
        found = sorted(_problems_of(checker, content_dir), key=lambda p: (str(p.file), p.line))
        problems.update(dict.fromkeys(found))
    return list(problems)


def _problems_of(checker: Checker, content_dir: Path) -> list[Problem]:
    # A checker that needs another file (the FAQ reads station.yaml) may fail on it.
    try:
        return checker(content_dir)
    except ContentError as error:
        return error.problems
