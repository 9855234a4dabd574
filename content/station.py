"""The station's facts (content/station.yaml) and the subscription topics (content/topics.yaml).

Used by handlers (areas list, topic buttons) and by message rendering
(placeholders {tram} {dia_chi} {gio_mo_cua} {dien_thoai} {duong_day_nong}).
Keep `load_station()`, `Station.areas`, `Station.placeholders()`, `load_topics()` stable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from content import CONTENT_DIR
from content.text import fold
from content.yamlfile import ContentError, Problem, load_yaml

STATION_FILE = CONTENT_DIR / "station.yaml"
TOPICS_FILE = CONTENT_DIR / "topics.yaml"
SCREENING_GROUPS_FILE = CONTENT_DIR / "screening_groups.yaml"
# A tổ's name travels in its button ("screening:area:<name>", the longest prefix, 15
# bytes) and Telegram allows 64 bytes of button data.
AREA_NAME_BYTES = 64 - len("screening:area:")
# A topic's or group's code travels in its buttons too ("screening:group:<code>", 16 bytes).
CODE_BYTES = 64 - len("screening:group:")
STATION_FIELDS = ("name", "address", "hours", "phone", "hotline")
# Fields a station may also give in another language (under `en:`), for foreign residents.
TRANSLATED_FIELDS = ("name", "address", "hours")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Station:
    name: str
    address: str
    hours: str
    phone: str
    hotline: str
    areas: tuple[str, ...]
    # language → the TRANSLATED_FIELDS written in it, e.g. {"en": {"hours": "Mon–Fri …"}}
    translations: Mapping[str, Mapping[str, str]] = field(
        default_factory=dict, hash=False, compare=False
    )

    def in_language(self, lang: str | None) -> Station:
        """The station as residents reading `lang` should see it (Vietnamese if not given)."""
        given = self.translations.get(lang or "vi")
        return replace(self, **given) if given else self

    def placeholders(self) -> dict[str, str]:
        return {
            "tram": self.name,
            "dia_chi": self.address,
            "gio_mo_cua": self.hours,
            "dien_thoai": self.phone,
            "duong_day_nong": self.hotline,
        }


@dataclass(frozen=True)
class Topic:
    code: str
    vi: str
    en: str
    # Other ways staff write it in their lists ("NCT" for người cao tuổi).
    aliases: tuple[str, ...] = ()

    def label(self, locale: str) -> str:
        return self.en if locale == "en" else self.vi


def check_station(path: Path = STATION_FILE) -> list[Problem]:
    try:
        data = load_yaml(path)
    except ContentError as exc:
        return exc.problems
    if not isinstance(data, dict):
        return [Problem(path, 1, "station.yaml phải là một bảng khóa: giá trị")]
    problems = [
        Problem(path, data.line, f"thiếu '{field}' (chuỗi không rỗng)")
        for field in STATION_FIELDS
        if not isinstance(data.get(field), str) or not data.get(field, "").strip()
    ]
    areas = data.get("areas")
    if not isinstance(areas, list) or not areas or not all(isinstance(a, str) for a in areas):
        problems.append(
            Problem(path, data.line_of("areas"), "'areas' phải là danh sách tổ dân phố")
        )
    elif len(set(areas)) != len(areas):
        problems.append(Problem(path, data.line_of("areas"), "'areas' có tên tổ bị lặp"))
    else:
        problems += [
            Problem(
                path,
                data.line_of("areas"),
                f"tên tổ '{area}' dài quá cho nút bấm: tối đa {AREA_NAME_BYTES} byte "
                f"(đang {len(area.encode())}); viết gọn lại, ví dụ “Tổ 12”",
            )
            for area in areas
            if len(area.encode()) > AREA_NAME_BYTES
        ]
    english = data.get("en", {})
    if not isinstance(english, dict) or any(
        key not in TRANSLATED_FIELDS or not isinstance(value, str) or not value.strip()
        for key, value in english.items()
    ):
        problems.append(
            Problem(
                path,
                data.line_of("en"),
                f"'en' chỉ được có {', '.join(TRANSLATED_FIELDS)} (chuỗi không rỗng)",
            )
        )
    return problems


def check_topics(path: Path = TOPICS_FILE) -> list[Problem]:
    return _check_labelled_codes(path, "chủ đề", required="chung")


def check_screening_groups(path: Path = SCREENING_GROUPS_FILE) -> list[Problem]:
    return _check_labelled_codes(path, "nhóm đối tượng", required="khac")


def _check_labelled_codes(path: Path, what: str, *, required: str) -> list[Problem]:
    """A YAML list of {code, vi, en, aliases?}: codes valid and unique, `required` present."""
    try:
        data = load_yaml(path)
    except ContentError as exc:
        return exc.problems
    if not isinstance(data, list):
        return [Problem(path, 1, f"{path.name} phải là một danh sách")]
    problems: list[Problem] = []
    seen: set[str] = set()
    for item, line in zip(data, data.item_lines, strict=True):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) and item[k].strip() for k in ("code", "vi", "en")
        ):
            problems.append(Problem(path, line, f"mỗi {what} cần code, vi, en (không rỗng)"))
            continue
        if not _CODE.match(item["code"]):
            problems.append(Problem(path, line, f"mã {what} {item['code']!r} không hợp lệ"))
        elif len(item["code"]) > CODE_BYTES:
            problems.append(
                Problem(
                    path,
                    line,
                    f"mã {what} {item['code']!r} dài quá cho nút bấm: tối đa {CODE_BYTES} ký tự",
                )
            )
        if item["code"] in seen:
            problems.append(Problem(path, line, f"{what} '{item['code']}' bị lặp"))
        seen.add(item["code"])
        aliases = item.get("aliases", [])
        if not isinstance(aliases, list) or not all(
            isinstance(a, str) and a.strip() for a in aliases
        ):
            problems.append(
                Problem(path, item.line_of("aliases"), "aliases phải là danh sách chữ, ví dụ [NCT]")
            )
    if required not in seen:
        problems.append(Problem(path, 1, f"thiếu {what} '{required}'"))
    return problems


def read_station(path: Path = STATION_FILE) -> Station:
    """The station as written, without validation (missing fields are empty).

    For checkers that fill placeholders to measure texts even while station.yaml has
    mistakes of its own (those are reported by `check_station`)."""
    try:
        data = load_yaml(path)
    except ContentError:
        data = None
    return station_of(data if isinstance(data, dict) else {})


def station_of(data: Mapping[str, object]) -> Station:
    """The station from station.yaml's mapping; missing fields are empty."""
    fields = (str(data.get(field) or "").strip() for field in STATION_FIELDS)
    areas = data.get("areas")
    return Station(
        *fields,
        areas=tuple(str(area) for area in areas) if isinstance(areas, list) else (),
        translations=_translations(data),
    )


def _translations(data: Mapping[str, object]) -> dict[str, dict[str, str]]:
    english = data.get("en")
    if not isinstance(english, dict):
        return {}
    return {"en": {k: str(v).strip() for k, v in english.items() if k in TRANSLATED_FIELDS}}


def topic_codes(path: Path = TOPICS_FILE) -> set[str] | None:
    """Topic codes in topics.yaml, or None when the file cannot be read as a list."""
    try:
        data = load_yaml(path)
    except ContentError:
        return None
    if not isinstance(data, list):
        return None
    return {
        item["code"]
        for item in data
        if isinstance(item, dict) and isinstance(item.get("code"), str)
    }


@lru_cache(maxsize=1)
def load_station() -> Station:
    problems = check_station()
    if problems:
        raise ContentError(problems)
    data = load_yaml(STATION_FILE)
    return Station(
        *(data[field].strip() for field in STATION_FIELDS),
        areas=tuple(data["areas"]),
        translations=_translations(data),
    )


@lru_cache(maxsize=1)
def load_topics() -> tuple[Topic, ...]:
    return _load_labelled_codes(TOPICS_FILE, check_topics)


class UnknownTopic(ValueError):
    """A typed topic that is none of topics.yaml's; `known` lists their codes."""

    def __init__(self, typed: str) -> None:
        super().__init__(typed)
        self.typed = typed
        self.known = [topic.code for topic in load_topics()]


def find_topics(typed: Iterable[str]) -> list[str]:
    """Each typed topic as its code, once, in order: the code, the label (vi or en) or an
    alias, with or without accents ("tiem chung", "Tiêm chủng"); UnknownTopic if none."""
    codes: list[str] = []
    for text in typed:
        wanted = fold(text)
        code = next(
            (
                t.code
                for t in load_topics()
                if wanted in {fold(name) for name in (t.code, t.vi, t.en, *t.aliases)}
            ),
            None,
        )
        if code is None:
            raise UnknownTopic(text)
        if code not in codes:
            codes.append(code)
    return codes


@lru_cache(maxsize=1)
def load_screening_groups() -> tuple[Topic, ...]:
    """The groups eligible for free screening (seed 004), as code + vi/en labels."""
    return _load_labelled_codes(SCREENING_GROUPS_FILE, check_screening_groups)


def _load_labelled_codes(path: Path, check: Callable[[Path], list[Problem]]) -> tuple[Topic, ...]:
    problems = check(path)
    if problems:
        raise ContentError(problems)
    return tuple(
        Topic(i["code"], i["vi"], i["en"], tuple(i.get("aliases", []))) for i in load_yaml(path)
    )
