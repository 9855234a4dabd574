"""Surveys residents answer in the chat (content/surveys/*.yaml), and their checker.

A survey is a list of questions, each with single or multiple choice, options in vi and en
(or `options: topics`: the subscription topics of topics.yaml), optionally a free-text
"Khác". `role: age_group` marks the question results are broken down by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from content import CONTENT_DIR
from content.station import TOPICS_FILE, Topic, load_topics, topic_codes
from content.yamlfile import ContentError, LocatedDict, Problem, load_yaml

SURVEYS_DIR = CONTENT_DIR / "surveys"
KINDS = ("single", "multiple")
ROLES = ("age_group",)
TOPICS_OPTIONS = "topics"
# The code a "Khác" answer is stored under (its text beside it).
OTHER = "khac"
TEXTS = ("title", "intro", "invitation", "thanks")
LANGUAGES = ("vi", "en")
# Button data carries survey, question and option codes: keep them short.
MAX_CODE = 16


# An option is labelled as a topic is: a code, its Vietnamese and English labels.
Option = Topic


@dataclass(frozen=True)
class Question:
    code: str
    kind: str
    vi: str
    en: str
    options: tuple[Option, ...]
    other: bool = False
    role: str | None = None
    from_topics: bool = False

    @property
    def multiple(self) -> bool:
        return self.kind == "multiple"

    def text(self, locale: str) -> str:
        return self.en if locale == "en" else self.vi

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)


@dataclass(frozen=True)
class Survey:
    code: str
    invite_on: date
    closes_on: date
    texts: dict[str, dict[str, str]]
    questions: tuple[Question, ...]

    def text(self, name: str, locale: str) -> str:
        return self.texts[name]["en" if locale == "en" else "vi"]

    def is_open(self, today: date) -> bool:
        return today <= self.closes_on

    def question(self, code: str) -> Question | None:
        return next((q for q in self.questions if q.code == code), None)

    @property
    def age_question(self) -> Question | None:
        return next((q for q in self.questions if q.role == "age_group"), None)

    @property
    def topic_question(self) -> Question | None:
        return next((q for q in self.questions if q.from_topics), None)


def check_surveys(content_dir: Path = CONTENT_DIR) -> list[Problem]:
    """Every mistake in content/surveys/*.yaml, as file:line."""
    topics = topic_codes(content_dir / TOPICS_FILE.name)
    problems: list[Problem] = []
    codes: dict[str, Path] = {}
    for path in sorted((content_dir / "surveys").glob("*.yaml")):
        try:
            data = load_yaml(path)
        except ContentError as exc:
            problems += exc.problems
            continue
        found = _check_survey(path, data, topics)
        problems += found
        code = data.get("code") if isinstance(data, dict) else None
        if isinstance(code, str) and code in codes:
            problems.append(
                Problem(path, data.line_of("code"), f"mã khảo sát '{code}' trùng với {codes[code]}")
            )
        elif isinstance(code, str):
            codes[code] = path
    return problems


def _check_survey(path: Path, data: Any, topics: set[str] | None) -> list[Problem]:
    if not isinstance(data, LocatedDict):
        return [Problem(path, 1, "tệp khảo sát phải là một bảng khóa: giá trị")]
    problems = _check_code(path, data, "khảo sát")
    for name in ("invite_on", "closes_on"):
        if not isinstance(data.get(name), date):
            problems.append(Problem(path, data.line_of(name), f"thiếu '{name}' (ngày YYYY-MM-DD)"))
    if all(isinstance(data.get(n), date) for n in ("invite_on", "closes_on")) and (
        data["closes_on"] < data["invite_on"]
    ):
        problems.append(Problem(path, data.line_of("closes_on"), "'closes_on' trước 'invite_on'"))
    for name in TEXTS:
        problems += _check_languages(path, data, name)
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        return [
            *problems,
            Problem(path, data.line_of("questions"), "thiếu 'questions' (danh sách)"),
        ]
    seen: set[str] = set()
    for question, line in zip(questions, questions.item_lines, strict=True):
        if not isinstance(question, LocatedDict):
            problems.append(Problem(path, line, "mỗi câu hỏi là một bảng: code, kind, vi, en…"))
            continue
        problems += _check_question(path, question, topics)
        if question.get("code") in seen:
            problems.append(Problem(path, line, f"câu hỏi '{question.get('code')}' bị lặp"))
        seen.add(str(question.get("code")))
    roles = [q.get("role") for q in questions if isinstance(q, dict) and q.get("role")]
    if len(roles) != len(set(roles)):
        problems.append(Problem(path, questions.line, "mỗi 'role' chỉ dùng cho một câu hỏi"))
    return problems


def _check_question(path: Path, question: LocatedDict, topics: set[str] | None) -> list[Problem]:
    problems = _check_code(path, question, "câu hỏi")
    if question.get("kind") not in KINDS:
        problems.append(
            Problem(path, question.line_of("kind"), "'kind' phải là single (chọn một) "
                    "hoặc multiple (chọn nhiều)")
        )  # fmt: skip
    problems += _check_languages(path, question, None)
    if question.get("role") is not None and question["role"] not in ROLES:
        problems.append(
            Problem(path, question.line_of("role"), f"'role' chỉ có thể là {', '.join(ROLES)}")
        )
    if "other" in question and not isinstance(question["other"], bool):
        problems.append(Problem(path, question.line_of("other"), "'other' là true hoặc false"))
    options = question.get("options")
    if options == TOPICS_OPTIONS:
        if topics is None:
            problems.append(
                Problem(path, question.line_of("options"), "không đọc được topics.yaml")
            )
        return problems
    if not isinstance(options, list) or len(options) < 2:
        return [
            *problems,
            Problem(path, question.line_of("options"),
                    "'options' là danh sách ít nhất 2 lựa chọn (code, vi, en) hoặc 'topics'"),
        ]  # fmt: skip
    seen: set[str] = set()
    for option, line in zip(options, options.item_lines, strict=True):
        if not isinstance(option, LocatedDict):
            problems.append(Problem(path, line, "mỗi lựa chọn cần code, vi, en"))
            continue
        problems += _check_code(path, option, "lựa chọn") + _check_languages(path, option, None)
        if option.get("code") == OTHER:
            problems.append(
                Problem(path, line, f"mã '{OTHER}' dành cho ô Khác: dùng 'other: true'")
            )
        if option.get("code") in seen:
            problems.append(Problem(path, line, f"lựa chọn '{option.get('code')}' bị lặp"))
        seen.add(str(option.get("code")))
    return problems


def _check_code(path: Path, data: LocatedDict, what: str) -> list[Problem]:
    code = data.get("code")
    if not isinstance(code, str) or not code.isascii() or not code.replace("_", "").isalnum():
        return [Problem(path, data.line_of("code"), f"mã {what} phải là chữ thường không dấu, "
                        "số và dấu _")]  # fmt: skip
    if code != code.lower() or len(code) > MAX_CODE:
        return [Problem(path, data.line_of("code"), f"mã {what} '{code}': chữ thường, tối đa "
                        f"{MAX_CODE} ký tự")]  # fmt: skip
    return []


def _check_languages(path: Path, data: LocatedDict, name: str | None) -> list[Problem]:
    """`vi` and `en` non-empty: on `data` itself (name None) or under data[name]."""
    where = data.get(name) if name else data
    line = data.line_of(name) if name else data.line
    label = f"'{name}'" if name else "mục này"
    if not isinstance(where, dict) or not all(
        isinstance(where.get(lang), str) and where[lang].strip() for lang in LANGUAGES
    ):
        return [Problem(path, line, f"{label} cần vi và en (chuỗi không rỗng)")]
    return []


def survey_of(data: dict[str, Any]) -> Survey:
    """A checked survey file's mapping as a Survey (topics filled in from topics.yaml)."""
    questions = []
    for q in data["questions"]:
        from_topics = q["options"] == TOPICS_OPTIONS
        options = (
            tuple(Option(t.code, t.vi, t.en) for t in load_topics())
            if from_topics
            else tuple(Option(o["code"], o["vi"], o["en"]) for o in q["options"])
        )
        questions.append(
            Question(q["code"], q["kind"], q["vi"], q["en"], options, bool(q.get("other")),
                     q.get("role"), from_topics)
        )  # fmt: skip
    return Survey(
        data["code"],
        data["invite_on"],
        data["closes_on"],
        {name: {lang: data[name][lang].strip() for lang in LANGUAGES} for name in TEXTS},
        tuple(questions),
    )


@lru_cache(maxsize=1)
def load_surveys() -> tuple[Survey, ...]:
    """Every survey, checked (a mistake is a ContentError naming file and line)."""
    problems = check_surveys()
    if problems:
        raise ContentError(problems)
    return tuple(survey_of(load_yaml(path)) for path in sorted(SURVEYS_DIR.glob("*.yaml")))


def find_survey(code: str) -> Survey | None:
    return next((s for s in load_surveys() if s.code == code), None)


def open_survey(today: date) -> Survey | None:
    """The survey residents are asked now (the one closing first), if any."""
    surveys = sorted((s for s in load_surveys() if s.is_open(today)), key=lambda s: s.closes_on)
    return surveys[0] if surveys else None
