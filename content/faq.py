"""FAQ library: load content/faq/<lang>.yaml, the abbreviations and signal words, and
validate them (`check_faq`, used by `loaphuong content check`). Whether each example finds
its own topic needs the engine: that check is `bot.faq.check`, so content imports no bot."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from content import CONTENT_DIR
from content.station import station_of
from content.text import fold
from content.yamlfile import ContentError, LocatedDict, Problem, load_yaml
from content.years import unpassed_years

LANGUAGES = ("vi", "en")
MAX_ANSWER_CHARS = 600
MIN_EXAMPLES, MAX_EXAMPLES = 5, 15
PLACEHOLDERS = ("tram", "dia_chi", "gio_mo_cua", "dien_thoai", "duong_day_nong")
# Topic ids ride in button data (Telegram: at most 64 bytes) after a signed question id.
MAX_ID_CHARS = 32
_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_PLACEHOLDER = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")
# A source says when it was last checked: "…; kiểm tra 2026-12-06" (en: "checked").
_CHECKED_ON = re.compile(r"\b(?:kiểm tra|checked) \d{4}-\d{2}-\d{2}\b")
# Typical station values: an answer must fit with these even if this station's are shorter.
SAMPLE_STATION = {
    "tram": "Trạm Y tế phường Hòa Bình",
    "dia_chi": "số 12 đường Lê Lợi, phường Hòa Bình",
    "gio_mo_cua": "Thứ Hai đến Thứ Sáu 7:00–11:30 và 13:30–17:00, sáng Thứ Bảy 7:00–11:00",
    "dien_thoai": "0225 3 123 456",
    "duong_day_nong": "0912 000 115",
}
# Emergency answers name 115 first: within this many characters of the start.
EMERGENCY_LEAD = 30


@dataclass(frozen=True)
class FaqEntry:
    id: str
    question: str
    answer: str  # placeholders filled
    examples: tuple[str, ...]
    source: str
    emergency: bool = False
    # Words (any one) a question must contain for this topic to answer it; and, when
    # given, also one of `requires_also` ("tiêm" and "trẻ" for children's vaccination).
    requires: tuple[str, ...] = ()
    requires_also: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotAbout:
    words: tuple[str, ...]
    topics: tuple[str, ...]
    exact: bool = False  # the words only as written with their diacritics


@dataclass(frozen=True)
class Signals:
    emergency: tuple[str, ...] = ()
    # Everyday phrases that contain an emergency word ("ngạt mũi", "bảo hiểm tai nạn").
    not_emergency: tuple[str, ...] = ()
    off_topic: tuple[str, ...] = ()
    # Words of a health question, even one the library does not answer: never off topic.
    health: tuple[str, ...] = ()
    emergency_reply: str = ""  # the "call 115 now" line put before an emergency answer
    # Questions for a health worker, not the library: doses, diagnoses ("là bệnh gì");
    # and, with a number in the question, lab names and "có sao không" (a value to judge).
    advice: tuple[str, ...] = ()
    advice_with_number: tuple[str, ...] = ()
    # A question with one of a rule's words is not for its topics ("bưu điện phường mở
    # cửa mấy giờ" is not the station's hours).
    not_about: tuple[NotAbout, ...] = ()


@dataclass(frozen=True)
class Synonym:
    use: str  # the library's word
    variants: tuple[str, ...]  # residents' words for it
    exact: bool = False  # variants only as written with their diacritics


@dataclass(frozen=True)
class Synonyms:
    words: tuple[Synonym, ...] = ()
    older_from_age: int | None = None  # "bác 75 tuổi" counts as an older person from here
    older_words: str = ""


def faq_path(lang: str, content_dir: Path = CONTENT_DIR) -> Path:
    return content_dir / "faq" / f"{lang}.yaml"


def station_values(content_dir: Path = CONTENT_DIR, lang: str = "vi") -> dict[str, str]:
    """{tram} {dia_chi} {gio_mo_cua} {dien_thoai} {duong_day_nong} from station.yaml,
    in `lang` where it has them (its `en:` block)."""
    data = load_yaml(content_dir / "station.yaml") or {}
    return station_of(data).in_language(lang).placeholders()


def load_faq(lang: str = "vi", content_dir: Path = CONTENT_DIR) -> list[FaqEntry]:
    """The FAQ entries of one language with station facts filled in.

    Raises ContentError if the file is not valid (see `check_faq`)."""
    path = faq_path(lang, content_dir)
    data = load_yaml(path)
    values = station_values(content_dir, lang)
    problems = _entry_problems(path, data, values)
    if problems:
        raise ContentError(problems)
    return [
        FaqEntry(
            id=item["id"],
            question=item["question"].strip(),
            answer=item["answer"].strip().format(**values),
            examples=tuple(str(example).strip() for example in item["examples"]),
            source=item["source"].strip(),
            emergency=bool(item.get("emergency", False)),
            requires=tuple(str(word).strip() for word in item.get("requires") or ()),
            requires_also=tuple(str(word).strip() for word in item.get("requires_also") or ()),
        )
        for item in data
    ]


def load_abbreviations(lang: str = "vi", content_dir: Path = CONTENT_DIR) -> dict[str, str]:
    data = load_yaml(content_dir / "abbreviations.yaml") or {}
    return {str(key): str(value) for key, value in (data.get(lang) or {}).items()}


def load_signals(lang: str = "vi", content_dir: Path = CONTENT_DIR) -> Signals:
    data = (load_yaml(content_dir / "faq" / "signals.yaml") or {}).get(lang) or {}
    return Signals(
        emergency=tuple(str(p) for p in data.get("emergency") or ()),
        not_emergency=tuple(str(p) for p in data.get("not_emergency") or ()),
        off_topic=tuple(str(p) for p in data.get("off_topic") or ()),
        health=tuple(str(p) for p in data.get("health") or ()),
        emergency_reply=str(data.get("emergency_reply") or "").strip(),
        advice=tuple(str(p) for p in data.get("advice") or ()),
        advice_with_number=tuple(str(p) for p in data.get("advice_with_number") or ()),
        not_about=tuple(
            NotAbout(
                tuple(map(str, rule.get("words") or ())),
                tuple(map(str, rule.get("topics") or ())),
                rule.get("exact") is True,
            )
            for rule in data.get("not_about") or ()
        ),
    )


def check_signals(content_dir: Path = CONTENT_DIR) -> list[Problem]:
    """not_about rules name words and topics that exist."""
    path = content_dir / "faq" / "signals.yaml"
    try:
        data = load_yaml(path) or {}
        topics = {item.get("id") for item in load_yaml(faq_path("vi", content_dir)) or []}
    except ContentError as exc:
        return exc.problems
    problems = []
    for lang in LANGUAGES:
        block = data.get(lang) or {}
        for rule in block.get("not_about") or []:
            if not isinstance(rule, LocatedDict) or not rule.get("words"):
                line = getattr(rule, "line", getattr(block, "line", 1))
                problems.append(Problem(path, line, "not_about: mỗi mục cần words: và topics:"))
                continue
            for topic in rule.get("topics") or []:
                if topic not in topics:
                    message = f"not_about: chủ đề {topic!r} không có trong faq/vi.yaml"
                    problems.append(Problem(path, rule.line_of("topics"), message))
    return problems


def synonyms_path(content_dir: Path = CONTENT_DIR) -> Path:
    return content_dir / "faq" / "synonyms.yaml"


def load_synonyms(lang: str = "vi", content_dir: Path = CONTENT_DIR) -> Synonyms:
    """Raises ContentError if the file is not valid (see `check_synonyms`)."""
    path = synonyms_path(content_dir)
    if not path.exists():
        return Synonyms()
    data = load_yaml(path) or {}
    problems = _synonym_problems(path, data)
    if problems:
        raise ContentError(problems)
    block = data.get(lang) or {}
    return Synonyms(
        words=tuple(
            Synonym(
                str(item["use"]).strip(),
                tuple(str(v).strip() for v in item["for"]),
                item.get("exact") is True,
            )
            for item in block.get("words") or ()
        ),
        older_from_age=block.get("older_from_age"),
        older_words=str(block.get("older_words") or ""),
    )


def check_synonyms(content_dir: Path = CONTENT_DIR) -> list[Problem]:
    path = synonyms_path(content_dir)
    if not path.exists():
        return []
    try:
        data = load_yaml(path) or {}
        problems = _synonym_problems(path, data)
        return problems or _shadowed_synonyms(path, data, content_dir)
    except ContentError as exc:
        return exc.problems


def _shadowed_synonyms(path: Path, data: LocatedDict, content_dir: Path) -> list[Problem]:
    """Abbreviations are expanded first: a variant spelled as one is never seen."""
    problems = []
    for lang in LANGUAGES:
        keys = {fold(key) for key in load_abbreviations(lang, content_dir)}
        for item in (data.get(lang) or {}).get("words") or []:
            problems.extend(
                Problem(
                    path,
                    item.line_of("for"),
                    f"{variant!r} đã là chữ viết tắt trong abbreviations.yaml (được đổi trước)",
                )
                for variant in item["for"]
                if fold(variant) in keys
            )
    return problems


def _synonym_problems(path: Path, data: Any) -> list[Problem]:
    if not isinstance(data, dict):
        return [Problem(path, 1, "tệp từ đồng nghĩa phải là bảng theo ngôn ngữ (vi:, en:)")]
    problems: list[Problem] = []
    for lang, block in data.items():
        line = data.line_of(lang) if isinstance(data, LocatedDict) else 1
        if lang not in LANGUAGES or not isinstance(block, LocatedDict):
            problems.append(Problem(path, line, f"{lang!r}: cần vi: hoặc en: chứa words:"))
            continue
        age = block.get("older_from_age")
        if age is not None and (not isinstance(age, int) or not 40 <= age <= 100):
            problems.append(
                Problem(path, block.line_of("older_from_age"), "older_from_age phải là số 40–100")
            )
        if age is not None and not str(block.get("older_words") or "").strip():
            problems.append(
                Problem(path, block.line_of("older_from_age"), "thiếu older_words đi cùng")
            )
        items = block.get("words") or []
        if not isinstance(items, list):
            problems.append(Problem(path, block.line_of("words"), "words phải là danh sách"))
            continue
        problems.extend(_synonym_item_problems(path, items))
    return problems


def _synonym_item_problems(path: Path, items: list) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for item in items:
        if not isinstance(item, LocatedDict):
            problems.append(Problem(path, getattr(items, "line", 1), "mỗi mục cần use: và for:"))
            continue
        use, variants = item.get("use"), item.get("for")
        unknown = set(item) - {"use", "for", "exact"}
        problems.extend(Problem(path, item.line_of(k), f"khóa lạ {k!r}") for k in sorted(unknown))
        if not isinstance(use, str) or not use.strip():
            problems.append(Problem(path, item.line_of("use"), "thiếu 'use' hoặc để trống"))
        if (
            not isinstance(variants, list)
            or not variants
            or not all(isinstance(v, str) and v.strip() for v in variants)
        ):
            problems.append(
                Problem(path, item.line_of("for"), f"{use}: 'for' phải là danh sách từ không rỗng")
            )
            continue
        if item.get("exact") not in (None, True, False):
            problems.append(Problem(path, item.line_of("exact"), "exact phải là true hoặc false"))
        for variant in variants:
            key = variant.strip().lower()
            if key in seen:
                problems.append(
                    Problem(
                        path,
                        item.line_of("for"),
                        f"{variant!r} đã có ở mục use: {seen[key]!r} — mỗi cách nói chỉ một nghĩa",
                    )
                )
            seen[key] = str(use)
    return problems


def check_faq(content_dir: Path = CONTENT_DIR) -> list[Problem]:
    """Every mistake in the FAQ files, as `file:line: message` problems.

    Checks shape (ids, answers, examples, sources, placeholders, length, 115 first
    for emergency topics) and that vi and en have the same ids."""
    problems: list[Problem] = []
    ids_by_lang: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        path = faq_path(lang, content_dir)
        if not path.exists():
            problems.append(Problem(path, 1, "thiếu tệp"))
            continue
        try:
            data = load_yaml(path)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        found = _entry_problems(path, data, station_values(content_dir, lang))
        problems.extend(found)
        if found:
            continue
        ids_by_lang[lang] = [item["id"] for item in data]
    if len(ids_by_lang) == len(LANGUAGES):
        vi, en = (set(ids_by_lang[lang]) for lang in LANGUAGES)
        for missing, lang in ((vi - en, "en"), (en - vi, "vi")):
            for topic in sorted(missing):
                problems.append(
                    Problem(
                        faq_path(lang, content_dir),
                        1,
                        f"thiếu chủ đề {topic!r} (có trong tệp ngôn ngữ kia)",
                    )
                )
    return problems


def _entry_problems(path: Path, data: Any, station: dict[str, str]) -> list[Problem]:
    """Shape problems; answer lengths are counted with this station's values or the
    sample's, whichever is longer."""
    if not isinstance(data, list):
        return [Problem(path, 1, "tệp FAQ phải là một danh sách mục")]
    problems: list[Problem] = []
    counts = Counter(item.get("id") for item in data if isinstance(item, dict))
    longest = {
        name: max(value, station.get(name, ""), key=len) for name, value in SAMPLE_STATION.items()
    }
    for item in data:
        if not isinstance(item, LocatedDict):
            problems.append(
                Problem(path, getattr(data, "line", 1), "mỗi mục phải là một bảng khóa: giá trị")
            )
            continue
        problems.extend(_one_entry_problems(path, item, counts, longest))
    return problems


def _one_entry_problems(
    path: Path, item: LocatedDict, counts: Counter, station: dict[str, str]
) -> list[Problem]:
    def problem(key: str, message: str) -> Problem:
        return Problem(path, item.line_of(key), f"{item.get('id', '?')}: {message}")

    out: list[Problem] = []
    for key in ("id", "question", "answer", "source"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            out.append(problem(key, f"thiếu '{key}' hoặc để trống"))
    unknown = set(item) - {
        "id", "question", "answer", "examples", "source", "emergency", "requires",
        "requires_also",
    }  # fmt: skip
    out.extend(problem(key, f"khóa lạ {key!r}") for key in sorted(unknown))
    source = item.get("source")
    if isinstance(source, str) and source.strip() and not _CHECKED_ON.search(source):
        out.append(
            problem("source", "source thiếu ngày kiểm tra ('kiểm tra YYYY-MM-DD', en: 'checked …')")
        )
    topic = item.get("id")
    if isinstance(topic, str) and not _ID.match(topic):
        out.append(problem("id", "id chỉ gồm chữ thường, số, nối bằng '.' hoặc '_'"))
    if isinstance(topic, str) and len(topic) > MAX_ID_CHARS:
        out.append(problem("id", f"id dài quá {MAX_ID_CHARS} ký tự"))
    if counts.get(topic, 0) > 1:
        out.append(problem("id", "id bị lặp"))
    examples = item.get("examples")
    if not isinstance(examples, list) or not all(
        isinstance(e, str) and e.strip() for e in examples
    ):
        out.append(problem("examples", "examples phải là danh sách câu không rỗng"))
    elif not MIN_EXAMPLES <= len(examples) <= MAX_EXAMPLES:
        out.append(
            problem("examples", f"có {len(examples)} câu ví dụ, cần {MIN_EXAMPLES}–{MAX_EXAMPLES}")
        )
    elif len({e.strip().lower() for e in examples}) < len(examples):
        out.append(problem("examples", "câu ví dụ bị lặp"))
    for key in ("requires", "requires_also"):
        words = item.get(key, [])
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            out.append(problem(key, f"{key} phải là danh sách từ không rỗng"))
    if item.get("requires_also") and not item.get("requires"):
        out.append(problem("requires_also", "requires_also chỉ dùng cùng requires"))
    answer = item.get("answer")
    if isinstance(answer, str) and answer.strip():
        out.extend(
            problem("answer", message) for message in _answer_problems(answer, item, station)
        )
        # A block answer (`answer: |`) starts on the line after its key.
        first = item.line_of("answer") + ("\n" in answer.strip())
        out.extend(
            Problem(path, first + offset, f"{item.get('id', '?')}: {message}")
            for offset, message in unpassed_years(answer.strip())
        )
    return out


def _answer_problems(answer: str, item: LocatedDict, station: dict[str, str]) -> list[str]:
    """`station`: each placeholder's longest value (this station's or the sample's)."""
    names = _PLACEHOLDER.findall(answer)
    unknown = sorted(set(names) - set(PLACEHOLDERS))
    if unknown:
        return [f"biến lạ {', '.join('{' + n + '}' for n in unknown)}"]
    messages = []
    length = len(answer.strip().format(**station))
    if length > MAX_ANSWER_CHARS:
        messages.append(f"câu trả lời dài {length} ký tự, tối đa {MAX_ANSWER_CHARS}")
    if item.get("emergency") is True and "115" not in answer.strip()[:EMERGENCY_LEAD]:
        messages.append("chủ đề cấp cứu phải mở đầu bằng 115")
    if item.get("emergency") not in (None, True, False):
        messages.append("emergency phải là true hoặc false")
    return messages


def sound_faq(lang: str, content_dir: Path = CONTENT_DIR) -> tuple[Path, list[LocatedDict]] | None:
    """The FAQ file of `lang` as read, when `check_faq` finds nothing wrong in its entries."""
    path = faq_path(lang, content_dir)
    try:
        data = load_yaml(path)
    except ContentError:
        return None
    if _entry_problems(path, data, station_values(content_dir, lang)):
        return None
    return path, data
