"""FAQ library: load content/faq/<lang>.yaml, the abbreviations and signal words, and
validate them (`check_faq`, used by `loaphuong content check`)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from content import CONTENT_DIR
from content.station import station_of
from content.yamlfile import ContentError, LocatedDict, Problem, load_yaml
from content.years import unpassed_years

LANGUAGES = ("vi", "en")
MAX_ANSWER_CHARS = 600
MIN_EXAMPLES, MAX_EXAMPLES = 5, 10
PLACEHOLDERS = ("tram", "dia_chi", "gio_mo_cua", "dien_thoai", "duong_day_nong")
# Topic ids ride in button data (Telegram: at most 64 bytes) after a signed question id.
MAX_ID_CHARS = 32
_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_PLACEHOLDER = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")
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
class Signals:
    emergency: tuple[str, ...] = ()
    # Everyday phrases that contain an emergency word ("ngạt mũi", "bảo hiểm tai nạn").
    not_emergency: tuple[str, ...] = ()
    off_topic: tuple[str, ...] = ()
    # Words of a health question, even one the library does not answer: never off topic.
    health: tuple[str, ...] = ()
    emergency_reply: str = ""  # the "call 115 now" line put before an emergency answer


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
    )


def check_faq(content_dir: Path = CONTENT_DIR) -> list[Problem]:
    """Every mistake in the FAQ files, as `file:line: message` problems.

    Checks shape (ids, answers, examples, sources, placeholders, length, 115 first
    for emergency topics), that vi and en have the same ids, and that each example
    retrieves its own topic."""
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
        problems.extend(_retrieval_problems(lang, data, path, content_dir))
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


def _retrieval_problems(
    lang: str, data: list[LocatedDict], path: Path, content_dir: Path
) -> list[Problem]:
    """Each example must find its own topic, confidently; else residents get another answer."""
    from bot.faq.index import THRESHOLD, FaqIndex  # the engine is heavier than the loader

    index = FaqIndex.build(load_faq(lang, content_dir), load_abbreviations(lang, content_dir))
    problems = []
    for item in data:
        for example, line in zip(item["examples"], item["examples"].item_lines, strict=True):
            found = index.rank(example)
            best, score = found[0] if found else (None, 0.0)
            if not index.uses_required_word(item["id"], example):
                message = f"câu ví dụ {example!r} thiếu từ bắt buộc (requires/requires_also)"
            elif best != item["id"]:
                message = f"câu ví dụ {example!r} lại tìm ra chủ đề {best!r}"
            elif score < THRESHOLD:
                message = f"câu ví dụ {example!r} chỉ đạt {score:.2f}, dưới ngưỡng trả lời"
            else:
                continue
            problems.append(Problem(path, line, f"{item['id']}: {message}"))
    return problems
