"""The observance calendar: content/observances.yaml loaded into typed rules.

Each observance has a date rule, one of five kinds (as written in the YAML):

    {kind: fixed, date: "24/3"}                      one day
    {kind: range, start: "15/4", end: "15/5"}        a week or campaign inside one year
    {kind: month, month: 6}                          a whole month
    {kind: nth_weekday, month: 5, weekday: tuesday, n: 1, days: 1}   n = 1..4, or -1 for the last
    {kind: last_day, month: 2}                       the last day of a month (28 or 29 February)

Public: `load_observances()`, `get_observance(id)`, `occurrences(year | (start, end))`,
`anniversary_count(observance, year)`, `check_observances(content_dir)`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from content import CONTENT_DIR
from content.station import topic_codes
from content.yamlfile import ContentError, LocatedDict, Problem, load_yaml

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
KINDS = ("fixed", "range", "month", "nth_weekday", "last_day")
# A leap year whose 1 January is a Monday; any day-of-month that exists ever exists in it.
_LEAP_YEAR = 2024
# Weekdays and leap years repeat every 28 years (inside 1901–2099), so checking one full
# cycle checks every year a rule will see.
_CYCLE = range(2001, 2029)


class RuleError(ValueError):
    """A rule that cannot be used; `key` is the rule key to blame (for the line number)."""

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class FixedDay:
    kind: ClassVar[str] = "fixed"
    month: int
    day: int

    def occurrence(self, year: int) -> tuple[date, date]:
        day = date(year, self.month, self.day)
        return day, day

    @property
    def multi_day(self) -> bool:
        return False

    def describe(self) -> str:
        return f"{self.day}/{self.month}"


@dataclass(frozen=True)
class DateRange:
    kind: ClassVar[str] = "range"
    start_month: int
    start_day: int
    end_month: int
    end_day: int

    def occurrence(self, year: int) -> tuple[date, date]:
        return date(year, self.start_month, self.start_day), date(
            year, self.end_month, self.end_day
        )

    @property
    def multi_day(self) -> bool:
        return True

    def describe(self) -> str:
        return f"{self.start_day}/{self.start_month}–{self.end_day}/{self.end_month}"


@dataclass(frozen=True)
class WholeMonth:
    kind: ClassVar[str] = "month"
    month: int

    def occurrence(self, year: int) -> tuple[date, date]:
        last = calendar.monthrange(year, self.month)[1]
        return date(year, self.month, 1), date(year, self.month, last)

    @property
    def multi_day(self) -> bool:
        return True

    def describe(self) -> str:
        return f"cả tháng {self.month}"


@dataclass(frozen=True)
class NthWeekday:
    kind: ClassVar[str] = "nth_weekday"
    month: int
    weekday: int  # 0 = Monday, as date.weekday()
    n: int  # 1..4, or -1 for the last one in the month
    days: int = 1

    def occurrence(self, year: int) -> tuple[date, date]:
        if self.n > 0:
            first = date(year, self.month, 1)
            offset = (self.weekday - first.weekday()) % 7
            start = first + timedelta(days=offset + 7 * (self.n - 1))
        else:
            last = date(year, self.month, calendar.monthrange(year, self.month)[1])
            start = last - timedelta(days=(last.weekday() - self.weekday) % 7)
        return start, start + timedelta(days=self.days - 1)

    @property
    def multi_day(self) -> bool:
        return self.days > 1

    def describe(self) -> str:
        which = "cuối cùng" if self.n == -1 else f"thứ {self.n}"
        text = f"{WEEKDAYS_VI[self.weekday]} {which} của tháng {self.month}"
        return text if self.days == 1 else f"{self.days} ngày từ {text}"


@dataclass(frozen=True)
class LastDay:
    kind: ClassVar[str] = "last_day"
    month: int

    def occurrence(self, year: int) -> tuple[date, date]:
        day = date(year, self.month, calendar.monthrange(year, self.month)[1])
        return day, day

    @property
    def multi_day(self) -> bool:
        return False

    def describe(self) -> str:
        return f"ngày cuối tháng {self.month}"


Rule = FixedDay | DateRange | WholeMonth | NthWeekday | LastDay


def parse_rule(data: Any) -> Rule:
    """Build a rule from its YAML mapping; RuleError (in Vietnamese) if it is not usable."""
    if not isinstance(data, Mapping):
        raise RuleError("'rule' phải là một bảng, ví dụ {kind: fixed, date: \"24/3\"}")
    kind = data.get("kind")
    allowed = {
        "fixed": {"kind", "date"},
        "range": {"kind", "start", "end"},
        "month": {"kind", "month"},
        "nth_weekday": {"kind", "month", "weekday", "n", "days"},
        "last_day": {"kind", "month"},
    }
    if kind not in allowed:
        raise RuleError(f"kind {kind!r} không hợp lệ (dùng: {', '.join(KINDS)})", "kind")
    for key in data:
        if key not in allowed[kind]:
            raise RuleError(f"khóa {key!r} không dùng cho kind {kind}", str(key))
    if kind == "fixed":
        return FixedDay(*_day_month(data, "date"))
    if kind == "range":
        start, end = _day_month(data, "start"), _day_month(data, "end")
        if end <= start:
            raise RuleError("'end' phải sau 'start' trong cùng một năm", "end")
        return DateRange(*start, *end)
    month = _month(data)
    if kind == "month":
        return WholeMonth(month)
    if kind == "last_day":
        return LastDay(month)
    return _nth_weekday(data, month)


def _nth_weekday(data: Mapping[str, Any], month: int) -> NthWeekday:
    weekday = data.get("weekday")
    if weekday not in WEEKDAYS:
        raise RuleError(
            f"weekday {weekday!r} không hợp lệ (dùng: {', '.join(WEEKDAYS)})", "weekday"
        )
    n = data.get("n")
    # A fifth weekday does not exist in every month, so it is not a rule for every year.
    if type(n) is not int or n not in (1, 2, 3, 4, -1):
        raise RuleError(f"n phải là 1, 2, 3, 4 hoặc -1 (cuối cùng), không phải {n!r}", "n")
    days = data.get("days", 1)
    if type(days) is not int or not 1 <= days <= 31:
        raise RuleError(f"days phải là số ngày từ 1 đến 31, không phải {days!r}", "days")
    rule = NthWeekday(month, WEEKDAYS.index(weekday), n, days)
    if any(rule.occurrence(year)[1].year != year for year in _CYCLE):
        raise RuleError("khoảng ngày vắt sang năm sau; rút ngắn 'days'", "days")
    return rule


def _month(data: Mapping[str, Any]) -> int:
    month = data.get("month")
    if type(month) is not int or not 1 <= month <= 12:
        raise RuleError(f"month phải là số từ 1 đến 12, không phải {month!r}", "month")
    return month


def _day_month(data: Mapping[str, Any], key: str) -> tuple[int, int]:
    """Parse "d/m" into (month, day): ordered so tuples compare as dates within a year."""
    text = data.get(key)
    parts = text.split("/") if isinstance(text, str) else []
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise RuleError(
            f'\'{key}\' phải có dạng "ngày/tháng", ví dụ "24/3", không phải {text!r}', key
        )
    day, month = (int(p) for p in parts)
    try:
        date(_LEAP_YEAR, month, day)
    except ValueError:
        raise RuleError(f"'{key}': ngày {text} không có trong lịch", key) from None
    if (month, day) == (2, 29):
        raise RuleError(f"'{key}': 29/2 không có mỗi năm; dùng kind: last_day, month: 2", key)
    return month, day


OBSERVANCES_FILE = "observances.yaml"
# The IDs the ward's plan requires (shared/docs/observance-ids.md), kept beside the calendar.
REQUIRED_IDS_FILE = "observance_ids.yaml"
# Weeks and longer get a mid-period reminder; a two- or three-day event does not need one.
MIN_REMINDER_DAYS = 7
PRIORITIES = ("normal", "high")
LANGUAGES = ("vi", "en")
MAX_NAME_CHARS = 120
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_ENTRY_KEYS = {"id", "name", "rule", "topics", "priority", "since", "source"}
_ANNIVERSARY_KEYS = {"id", "name", "since", "observance", "source"}


@dataclass(frozen=True)
class Anniversary:
    """A founding year whose count ("kỷ niệm 71 năm") an observance's message states."""

    id: str
    name_vi: str
    name_en: str
    since: int
    source: str

    def count(self, year: int) -> int | None:
        """Years since the founding; None before the first anniversary (no "kỷ niệm 0 năm")."""
        years = year - self.since
        return years if years >= 1 else None


@dataclass(frozen=True)
class Observance:
    id: str
    name_vi: str
    name_en: str
    rule: Rule
    topics: tuple[str, ...]
    priority: str
    source: str
    anniversary: Anniversary | None = None
    line: int = field(default=0, compare=False)  # in observances.yaml, for checkers

    def name(self, lang: str = "vi") -> str:
        return self.name_en if lang == "en" else self.name_vi

    def occurrence(self, year: int) -> tuple[date, date]:
        return self.rule.occurrence(year)

    @property
    def multi_day(self) -> bool:
        return self.rule.multi_day

    @property
    def since(self) -> int | None:
        return self.anniversary.since if self.anniversary else None

    def gets_reminder(self, year: int) -> bool:
        """Whether the period is long enough for a mid-period reminder (weeks, months)."""
        start, end = self.occurrence(year)
        return (end - start).days + 1 >= MIN_REMINDER_DAYS


@dataclass(frozen=True)
class Occurrence:
    """One observance in one year."""

    observance: Observance
    start: date
    end: date

    @property
    def id(self) -> str:
        return self.observance.id

    def as_json(self) -> dict[str, str]:
        """The `loaphuong calendar --json` object (a contract: keys and order are fixed)."""
        return {
            "id": self.id,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "name": self.observance.name_vi,
        }


def anniversary_count(observance: Observance, year: int) -> int | None:
    """How many years `observance`'s anniversary marks in `year` (None if none that year)."""
    return observance.anniversary.count(year) if observance.anniversary else None


def load_observances(content_dir: Path = CONTENT_DIR) -> tuple[Observance, ...]:
    """Every observance in file order; ContentError (file:line problems) if the file is wrong."""
    # Cached on the folder itself: `load_observances()` and `load_observances(CONTENT_DIR)`
    # are one file, read once.
    return _load_observances(content_dir)


@lru_cache(maxsize=4)
def _load_observances(content_dir: Path) -> tuple[Observance, ...]:
    parsed = parse_observances(content_dir)
    if parsed.problems:
        raise ContentError(parsed.problems)
    return parsed.observances


def get_observance(observance_id: str, content_dir: Path = CONTENT_DIR) -> Observance:
    for observance in load_observances(content_dir):
        if observance.id == observance_id:
            return observance
    raise KeyError(observance_id)


def occurrences(
    when: int | tuple[date, date], observances: tuple[Observance, ...] | None = None
) -> list[Occurrence]:
    """Occurrences in a year, or those overlapping an inclusive (start, end) window.

    Ordered by start date, then as in the YAML file."""
    if observances is None:
        observances = load_observances()
    if isinstance(when, int):
        first, last = date(when, 1, 1), date(when, 12, 31)
    else:
        first, last = when
    found: list[tuple[date, int, Occurrence]] = []
    for year in range(first.year, last.year + 1):
        for index, observance in enumerate(observances):
            start, end = observance.occurrence(year)
            if start <= last and end >= first:
                found.append((start, index, Occurrence(observance, start, end)))
    return [occurrence for _, _, occurrence in sorted(found, key=lambda f: (f[0], f[1]))]


def check_observances(content_dir: Path = CONTENT_DIR) -> list[Problem]:
    """Every mistake in observances.yaml: shape, IDs, names, rules, topics, sources."""
    return parse_observances(content_dir).problems


@dataclass(frozen=True)
class ParsedObservances:
    """What observances.yaml yields even when it has mistakes: the valid entries, the
    problems, and every ID written (so other checkers do not call those unknown).
    `readable` is False when the file could not be read as a list of entries at all:
    then nothing can be said about which IDs exist."""

    observances: tuple[Observance, ...]
    problems: list[Problem]
    declared_ids: frozenset[str]
    readable: bool = True


def _unreadable(problems: list[Problem]) -> ParsedObservances:
    return ParsedObservances((), problems, frozenset(), readable=False)


def parse_observances(content_dir: Path = CONTENT_DIR) -> ParsedObservances:
    path = content_dir / OBSERVANCES_FILE
    if not path.exists():
        return _unreadable([Problem(path, 1, "thiếu tệp")])
    try:
        data = load_yaml(path)
    except ContentError as exc:
        return _unreadable(exc.problems)
    if not isinstance(data, LocatedDict) or not isinstance(data.get("observances"), list):
        return _unreadable([Problem(path, 1, "tệp phải có danh sách 'observances:'")])
    problems = [
        Problem(path, data.line_of(str(key)), f"khóa {key!r} không dùng ở cấp ngoài cùng")
        for key in data
        if key not in ("observances", "anniversaries")
    ]
    topics = topic_codes(content_dir / "topics.yaml")
    entries = data["observances"]
    parsed: dict[str, Observance] = {}
    declared: set[str] = set()
    for item, line in zip(entries, entries.item_lines, strict=True):
        observance_id = item.get("id") if isinstance(item, dict) else None
        if isinstance(observance_id, str) and observance_id in declared:
            problems.append(Problem(path, line, f"ID {observance_id!r} bị lặp"))
            continue
        if isinstance(observance_id, str):
            declared.add(observance_id)
        observance = _parse_entry(path, item, line, topics, problems)
        if observance is not None:
            parsed[observance.id] = observance
    for anniversary, target in _parse_anniversaries(path, data, parsed, declared, problems):
        parsed[target] = replace(parsed[target], anniversary=anniversary)
    problems.extend(_missing_required(content_dir / REQUIRED_IDS_FILE, declared))
    return ParsedObservances(tuple(parsed.values()), problems, frozenset(declared))


def _missing_required(path: Path, declared: set[str]) -> list[Problem]:
    """Each ID the ward's plan requires that observances.yaml does not have."""
    try:
        data = load_yaml(path)
    except ContentError as exc:
        return exc.problems
    required = data.get("required") if isinstance(data, LocatedDict) else None
    if not isinstance(required, list) or not all(isinstance(i, str) for i in required):
        return [Problem(path, 1, "tệp phải có danh sách 'required:' gồm các ID ngày lễ")]
    return [
        Problem(path, line, f"thiếu ngày lễ {observance_id!r} trong {OBSERVANCES_FILE}")
        for observance_id, line in zip(required, required.item_lines, strict=True)
        if observance_id not in declared
    ]


def _parse_entry(
    path: Path, item: Any, line: int, topics: set[str] | None, problems: list[Problem]
) -> Observance | None:
    if not isinstance(item, LocatedDict):
        problems.append(Problem(path, line, "mỗi mục phải là một bảng (id, name, rule, …)"))
        return None
    found: list[Problem] = []
    for key in item:
        if key not in _ENTRY_KEYS:
            found.append(Problem(path, item.line_of(str(key)), f"khóa {key!r} không hợp lệ"))
    observance_id = item.get("id")
    if not isinstance(observance_id, str) or not _ID.match(observance_id):
        found.append(Problem(path, item.line_of("id"), f"ID {observance_id!r} không hợp lệ"))
    names = _names(path, item, found)
    rule = _rule(path, item, found)
    entry_topics = _topics(path, item, topics, found)
    priority = item.get("priority", "normal")
    if priority not in PRIORITIES:
        found.append(
            Problem(
                path,
                item.line_of("priority"),
                f"priority phải là normal hoặc high, không phải {priority!r}",
            )
        )
    source = _source(path, item, found)
    since = item.get("since")
    if since is not None:
        found.extend(_since_problems(path, item))
    problems.extend(found)
    if found:
        return None
    assert names is not None and rule is not None and entry_topics is not None
    anniversary = Anniversary(observance_id, *names, since, source) if since is not None else None
    return Observance(
        observance_id, *names, rule, entry_topics, priority, source, anniversary, line
    )


def _parse_anniversaries(
    path: Path,
    data: LocatedDict,
    parsed: dict[str, Observance],
    declared: set[str],
    problems: list[Problem],
) -> list[tuple[Anniversary, str]]:
    items = data.get("anniversaries") or []
    if not isinstance(items, list):
        problems.append(
            Problem(path, data.line_of("anniversaries"), "'anniversaries' phải là danh sách")
        )
        return []
    result: list[tuple[Anniversary, str]] = []
    for item, line in zip(items, items.item_lines, strict=True):
        if not isinstance(item, LocatedDict):
            problems.append(Problem(path, line, "mỗi kỷ niệm phải là một bảng"))
            continue
        found: list[Problem] = [
            Problem(path, item.line_of(str(key)), f"khóa {key!r} không hợp lệ")
            for key in item
            if key not in _ANNIVERSARY_KEYS
        ]
        names = _names(path, item, found)
        source = _source(path, item, found)
        since, target = item.get("since"), item.get("observance")
        found.extend(_since_problems(path, item))
        if target not in declared:
            found.append(Problem(path, item.line_of("observance"), f"không có ngày lễ {target!r}"))
        elif target in parsed and parsed[target].anniversary is not None:
            found.append(
                Problem(path, item.line_of("observance"), f"{target!r} đã có năm kỷ niệm (since)")
            )
        problems.extend(found)
        if not found and names is not None and target in parsed:
            result.append((Anniversary(str(item.get("id", target)), *names, since, source), target))
    return result


def _names(path: Path, item: LocatedDict, found: list[Problem]) -> tuple[str, str] | None:
    names = item.get("name")
    if not isinstance(names, LocatedDict):
        found.append(Problem(path, item.line_of("name"), "thiếu name: {vi: …, en: …}"))
        return None
    result: list[str] = []
    for lang in LANGUAGES:
        text = names.get(lang)
        if not isinstance(text, str) or not text.strip():
            found.append(
                Problem(path, names.line_of(lang), f"thiếu tên tiếng {lang} (name.{lang})")
            )
        elif len(text) > MAX_NAME_CHARS:
            found.append(
                Problem(
                    path,
                    names.line_of(lang),
                    f"tên {lang} quá dài ({len(text)} > {MAX_NAME_CHARS} ký tự)",
                )
            )
        else:
            result.append(text.strip())
    for key in names:
        if key not in LANGUAGES:
            found.append(Problem(path, names.line_of(str(key)), f"ngôn ngữ {key!r} không dùng"))
    return (result[0], result[1]) if len(result) == 2 else None


def _rule(path: Path, item: LocatedDict, found: list[Problem]) -> Rule | None:
    data = item.get("rule")
    try:
        return parse_rule(data)
    except RuleError as exc:
        line = (
            data.line_of(exc.key)
            if isinstance(data, LocatedDict) and exc.key
            else item.line_of("rule")
        )
        found.append(Problem(path, line, f"rule sai: {exc}"))
        return None


def _topics(
    path: Path, item: LocatedDict, known: set[str] | None, found: list[Problem]
) -> tuple[str, ...] | None:
    topics = item.get("topics")
    if not isinstance(topics, list) or not topics or not all(isinstance(t, str) for t in topics):
        found.append(Problem(path, item.line_of("topics"), "topics phải là danh sách mã chủ đề"))
        return None
    bad = False
    for topic, line in zip(topics, topics.item_lines, strict=True):
        if known is not None and topic not in known:
            found.append(Problem(path, line, f"chủ đề {topic!r} không có trong topics.yaml"))
            bad = True
    if len(set(topics)) != len(topics):
        found.append(Problem(path, item.line_of("topics"), "topics có mã bị lặp"))
        bad = True
    return None if bad else tuple(topics)


def _source(path: Path, item: LocatedDict, found: list[Problem]) -> str:
    source = item.get("source")
    if not isinstance(source, str) or not source.strip():
        found.append(
            Problem(
                path, item.line_of("source"), "thiếu source (định nghĩa chính thức đã kiểm tra)"
            )
        )
        return ""
    return source.strip()


def _since_problems(path: Path, item: LocatedDict) -> list[Problem]:
    """A founding year is a year, and in the past: "kỷ niệm -4 năm" is no anniversary."""
    since, line = item.get("since"), item.line_of("since")
    if type(since) is not int or not 1800 <= since <= 2100:
        return [Problem(path, line, f"since phải là một năm, không phải {since!r}")]
    this_year = date.today().year
    if since >= this_year:
        return [
            Problem(path, line, f"since phải là năm đã qua (trước {this_year}), không phải {since}")
        ]
    return []
