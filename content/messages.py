"""Observance messages: content/messages/<lang>/<observance_id>.md, filled for a year.

A file is YAML front matter (`source:` required, `reminder:` optional) then a Markdown
body. Placeholders: the station's {tram} {dia_chi} {gio_mo_cua} {dien_thoai}
{duong_day_nong}, and {nam} {so_nam} {ngay} {den_ngay} from the observance and year.
A literal brace is written {{ or }}.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from content import CONTENT_DIR
from content.dates import format_full_date
from content.observances import (
    MIN_REMINDER_DAYS,
    Observance,
    anniversary_count,
    get_observance,
    parse_observances,
)
from content.station import Station, load_station, read_station
from content.yamlfile import ContentError, LocatedDict, Problem, loads_yaml, read_text
from content.years import unpassed_years

LANGUAGES = ("vi", "en")
MAX_BODY_CHARS = 1000
# The mid-period reminder is "one or two sentences" (docs/contracts.md).
MAX_REMINDER_CHARS = 300
STATION_PLACEHOLDERS = ("tram", "dia_chi", "gio_mo_cua", "dien_thoai", "duong_day_nong")
OBSERVANCE_PLACEHOLDERS = ("nam", "so_nam", "ngay", "den_ngay")
PLACEHOLDERS = STATION_PLACEHOLDERS + OBSERVANCE_PLACEHOLDERS
_FRONT_MATTER_KEYS = ("source", "reminder")
# Lengths are measured over the coming years, enough for every weekday name in {ngay}.
_LENGTH_YEARS = 7
# Same tokens str.format sees: escaped braces, a field, or a lone brace.
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


@dataclass(frozen=True)
class Message:
    observance_id: str
    lang: str
    source: str
    reminder: str | None
    body: str
    path: Path
    body_line: int  # file line where the body starts
    reminder_line: int


def message_path(observance_id: str, lang: str, content_dir: Path = CONTENT_DIR) -> Path:
    return content_dir / "messages" / lang / f"{observance_id}.md"


def load_message(observance_id: str, lang: str, content_dir: Path = CONTENT_DIR) -> Message:
    """The message file as written (placeholders not filled); ContentError if unreadable."""
    return _read(message_path(observance_id, lang, content_dir))


def placeholder_values(
    observance: Observance, lang: str, year: int, station: Station
) -> dict[str, str]:
    """Every value a message of `observance` in `year` may use."""
    start, end = observance.occurrence(year)
    values = station.in_language(lang).placeholders() | {
        "nam": str(year),
        "ngay": format_full_date(start, lang),
        "den_ngay": format_full_date(end, lang),
    }
    count = anniversary_count(observance, year)
    if count is not None:
        values["so_nam"] = str(count)
    return values


def render_message(
    observance_id: str,
    lang: str,
    year: int,
    station: Station | None = None,
    content_dir: Path = CONTENT_DIR,
) -> str:
    """The message body for `year`, placeholders filled (station defaults to station.yaml)."""
    message = load_message(observance_id, lang, content_dir)
    return _fill(message.path, message.body, message.body_line, lang, year, station, content_dir)


def render_reminder(
    observance_id: str,
    lang: str,
    year: int,
    station: Station | None = None,
    content_dir: Path = CONTENT_DIR,
) -> str | None:
    """The mid-period reminder for weeks and months, filled; None if the file has none."""
    message = load_message(observance_id, lang, content_dir)
    if message.reminder is None:
        return None
    return _fill(
        message.path, message.reminder, message.reminder_line, lang, year, station, content_dir
    )


@dataclass(frozen=True)
class MessageParts:
    """A filled message in the shape the content guide asks for: headline, why it
    matters, actions as `- ` bullets, where to get help (the last paragraph)."""

    headline: str
    why: str
    actions: tuple[str, ...]
    closing: str

    @property
    def first_sentence(self) -> str:
        return _SENTENCE_END.split(self.why, maxsplit=1)[0]


_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def message_parts(text: str) -> MessageParts:
    """Split a filled message into its parts; a part the text lacks is empty."""
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK.split(text.strip()) if p.strip()]
    headline, rest = (paragraphs[0], paragraphs[1:]) if paragraphs else ("", [])
    closing = rest.pop() if rest and not _is_list(rest[-1]) else ""
    return MessageParts(
        headline=headline,
        why=next((p for p in rest if not _is_list(p)), ""),
        actions=tuple(line for p in rest if _is_list(p) for line in p.splitlines()),
        closing=closing,
    )


def _is_list(paragraph: str) -> bool:
    return paragraph.startswith("- ")


def check_messages(content_dir: Path = CONTENT_DIR) -> list[Problem]:
    """Every observance has a vi and an en message; each names its source, uses only
    known placeholders (well formed) and stays within 1,000 characters once filled; a
    reminder is short and only written where the scheduler sends one."""
    # Mistakes in observances.yaml are the observances checker's to report; messages are
    # checked against the entries that are valid, and not called unknown for the others
    # (nor for any, when the file could not be read at all).
    parsed = parse_observances(content_dir)
    observances = {o.id: o for o in parsed.observances}
    station = read_station(content_dir / "station.yaml")
    problems: list[Problem] = []
    for lang in LANGUAGES:
        folder = content_dir / "messages" / lang
        for observance in observances.values():
            if not message_path(observance.id, lang, content_dir).exists():
                problems.append(
                    Problem(
                        content_dir / "observances.yaml",
                        observance.line,
                        f"{observance.id}: thiếu tin nhắn tiếng {lang} "
                        f"(messages/{lang}/{observance.id}.md)",
                    )
                )
        for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
            observance = observances.get(path.stem)
            if observance is None:
                if parsed.readable and path.stem not in parsed.declared_ids:
                    problems.append(Problem(path, 1, f"không có ngày lễ nào có ID {path.stem!r}"))
                continue
            problems.extend(_file_problems(path, observance, lang, station))
    return problems


def _file_problems(
    path: Path, observance: Observance, lang: str, station: Station
) -> list[Problem]:
    try:
        message = _read(path)
    except ContentError as exc:
        return exc.problems
    problems = _unused_reminder(message, observance) + [
        Problem(message.path, first_line + offset, problem)
        for _what, text, first_line, _limit in _texts(message)
        for offset, problem in unpassed_years(text)
    ]
    unfillable = _unfillable(message, observance)
    if unfillable:  # lengths cannot be measured until the placeholders can be filled
        return problems + unfillable
    return problems + _too_long(message, observance, lang, station)


def _unused_reminder(message: Message, observance: Observance) -> list[Problem]:
    if message.reminder is None or observance.gets_reminder(date.today().year):
        return []
    return [
        Problem(
            message.path,
            message.reminder_line,
            f"reminder không bao giờ được gửi: chỉ tuần, tháng (từ {MIN_REMINDER_DAYS} ngày) "
            "mới có tin nhắc giữa kỳ; bỏ dòng này",
        )
    ]


def _unfillable(message: Message, observance: Observance) -> list[Problem]:
    problems = [
        Problem(message.path, first_line + line, problem)
        for _what, text, first_line, _limit in _texts(message)
        for line, problem in _placeholder_problems(text, observance)
    ]
    if not message.body.strip():
        problems.append(Problem(message.path, message.body_line, "nội dung tin nhắn trống"))
    return problems


def _too_long(
    message: Message, observance: Observance, lang: str, station: Station
) -> list[Problem]:
    problems: list[Problem] = []
    for what, text, line, limit in _texts(message):
        longest = _longest_filled(text, observance, lang, station)
        if longest > limit:
            problems.append(
                Problem(
                    message.path, line, f"{what} dài {longest} ký tự sau khi điền (tối đa {limit})"
                )
            )
    return problems


def _texts(message: Message) -> list[tuple[str, str, int, int]]:
    """(what, text, first line, length limit): the body, then the reminder if there is one."""
    texts = [("tin nhắn", message.body, message.body_line, MAX_BODY_CHARS)]
    if message.reminder is not None:
        texts.append(("reminder", message.reminder, message.reminder_line, MAX_REMINDER_CHARS))
    return texts


def _longest_filled(text: str, observance: Observance, lang: str, station: Station) -> int:
    """The text's length once filled, in the longest of the coming years."""
    this_year = date.today().year
    return max(
        len(text.format_map(placeholder_values(observance, lang, year, station)).strip())
        for year in range(this_year, this_year + _LENGTH_YEARS)
    )


def _placeholder_problems(text: str, observance: Observance) -> list[tuple[int, str]]:
    """(line offset within `text`, message) for each placeholder that cannot be filled."""
    found: list[tuple[int, str]] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        line = text.count("\n", 0, match.start())
        name = match.group(1)
        if name is None:
            found.append((line, f"dấu {token!r} lẻ; viết {token * 2} nếu muốn in dấu ngoặc"))
        elif name not in PLACEHOLDERS:
            found.append((line, f"chỗ điền {token} không có (dùng: {', '.join(PLACEHOLDERS)})"))
        elif name == "so_nam" and observance.anniversary is None:
            found.append(
                (line, f"{{so_nam}} chỉ dùng cho ngày lễ có 'since' ({observance.id} không có)")
            )
        elif name == "den_ngay" and not observance.multi_day:
            found.append(
                (line, f"{{den_ngay}} chỉ dùng cho tuần/tháng ({observance.id} chỉ một ngày)")
            )
    return found


def _fill(
    path: Path,
    text: str,
    first_line: int,
    lang: str,
    year: int,
    station: Station | None,
    content_dir: Path,
) -> str:
    observance = get_observance(path.stem, content_dir)
    problems = _placeholder_problems(text, observance)
    if problems:
        raise ContentError([Problem(path, first_line + n, p) for n, p in problems])
    values = placeholder_values(observance, lang, year, station or load_station())
    try:
        return text.format_map(values).strip()
    except KeyError:  # {so_nam} in a year before the first anniversary
        raise ContentError([Problem(path, first_line, f"năm {year} chưa có kỷ niệm")]) from None


@lru_cache(maxsize=512)
def _read(path: Path) -> Message:
    lines = read_text(path).lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        raise ContentError([Problem(path, 1, "thiếu phần đầu YAML (--- source: … ---)")])
    try:
        close = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ContentError([Problem(path, 1, "phần đầu YAML không có dòng '---' đóng")]) from None
    front = _front_matter(path, "\n".join(lines[1:close]))
    problems = [
        Problem(
            path, 1 + front.line_of(str(key)), f"khóa {key!r} không dùng (chỉ source, reminder)"
        )
        for key in front
        if key not in _FRONT_MATTER_KEYS
    ]
    source = front.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append(
            Problem(path, 1 + front.line_of("source"), "thiếu source (nguồn và ngày kiểm tra)")
        )
    reminder = front.get("reminder")
    if reminder is not None and (not isinstance(reminder, str) or not reminder.strip()):
        problems.append(
            Problem(path, 1 + front.line_of("reminder"), "reminder phải là một đoạn chữ")
        )
    if problems:
        raise ContentError(problems)
    body_line = _first_text_line(lines, close + 1)
    return Message(
        observance_id=path.stem,
        lang=path.parent.name,
        source=source.strip(),
        reminder=reminder.strip() if reminder is not None else None,
        body="\n".join(lines[body_line - 1 :]).rstrip(),
        path=path,
        body_line=body_line,
        reminder_line=1 + front.line_of("reminder"),
    )


def _front_matter(path: Path, text: str) -> LocatedDict:
    try:
        data = loads_yaml(text, path)
    except ContentError as exc:
        # Lines in the front matter are counted from the line after the opening '---'.
        raise ContentError([Problem(p.file, p.line + 1, p.message) for p in exc.problems]) from None
    if data is None:
        data = LocatedDict()
        data.line, data.key_lines = 1, {}
    if not isinstance(data, LocatedDict):
        raise ContentError([Problem(path, 2, "phần đầu YAML phải là các dòng khóa: giá trị")])
    return data


def _first_text_line(lines: list[str], start: int) -> int:
    """1-based file line of the body's first non-blank line (where the body is reported)."""
    for index in range(start, len(lines)):
        if lines[index].strip():
            return index + 1
    return start + 1
