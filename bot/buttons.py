"""Button data that packs and parses itself, one small class per kind of button.

Each class names its router's namespace and its fields; `pack()` writes
"<namespace>:<field>:<field>" and refuses more than Telegram's 64 bytes (a long tổ
name must fail when the button is built, not when a platform rejects the message);
`parse()` reads it back, None for data of another kind or with a malformed field.
A flow step declares its button with `Kind.prefix()`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from enum import StrEnum
from functools import cache, lru_cache
from typing import ClassVar, Self, get_type_hints

from bot.models.staff import Verdict
from bot.models.types import ROW_ID
from bot.news.digest import Frequency

# Telegram's callback_data limit, the strictest of the platforms.
MAX_BYTES = 64
_ROW_ID = re.compile(ROW_ID)


class ButtonTooLong(ValueError):
    """The packed data would not fit a platform's button."""


@dataclass(frozen=True)
class ButtonData:
    namespace: ClassVar[str]

    @classmethod
    def prefix(cls, *leading: object) -> str:
        """The namespace, followed by the first fields' values when a router answers only
        some of them ("rumor:false:")."""
        return f"{cls.namespace}:" + "".join(f"{_packed(value)}:" for value in leading)

    def pack(self) -> str:
        return _pack(self)

    @classmethod
    def parse(cls, data: str | None) -> Self | None:
        return _parse(cls, data) if data else None  # type: ignore[return-value]


# Menus and lists pack the same buttons for every answer, and the same data comes back
# when one is pressed: each is worked out once (frozen, so a parsed button is shared).
@lru_cache(maxsize=4096)
def _pack(button: ButtonData) -> str:
    values = (getattr(button, name) for name in _field_names(type(button)))
    data = button.prefix() + ":".join(_packed(value) for value in values)
    if len(data.encode()) > MAX_BYTES:
        raise ButtonTooLong(f"{data!r} is longer than {MAX_BYTES} bytes")
    return data


@lru_cache(maxsize=4096)
def _parse(kind: type[ButtonData], data: str) -> ButtonData | None:
    if not data.startswith(kind.prefix()):
        return None
    kinds = _field_kinds(kind)
    parts = data.removeprefix(kind.prefix()).split(":", maxsplit=len(kinds) - 1)
    if len(parts) != len(kinds):
        return None
    values = [_parsed(field_kind, part) for field_kind, part in zip(kinds, parts, strict=True)]
    if any(value is None for value in values):
        return None
    return kind(*values)


@cache
def _field_kinds(kind: type[ButtonData]) -> tuple[type, ...]:
    """The types of a button class's fields, in order (read once: resolving the
    annotations took a few percent of each button's answer)."""
    hints = get_type_hints(kind)
    return tuple(hints[field.name] for field in fields(kind))


@cache
def _field_names(kind: type[ButtonData]) -> tuple[str, ...]:
    """The names of a button class's fields, in order (read once; dataclasses.astuple
    deep-copies every value, a few percent of each answer's time in bench inbound)."""
    return tuple(field.name for field in fields(kind))


def _packed(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _parsed(kind: type, part: str) -> object | None:
    """One field read back; None when it is not a value of its kind."""
    if kind is bool:
        return {"1": True, "0": False}.get(part)
    if kind is int:
        return int(part) if _ROW_ID.fullmatch(part) else None  # a record number, never an overflow
    if issubclass(kind, StrEnum):
        try:
            return kind(part)
        except ValueError:
            return None
    return part


@dataclass(frozen=True)
class CommandButton(ButtonData):
    """A command offered as a button (the main menu, an answer's action): pressing it is
    typing the command."""

    namespace: ClassVar[str] = "cmd"
    command: str


@dataclass(frozen=True)
class AreaButton(ButtonData):
    """A tổ dân phố picked from the list; each dialogue asking one has its own kind."""

    area: str


@dataclass(frozen=True)
class AreaChoice(AreaButton):
    """A resident's own, in /chude."""

    namespace: ClassVar[str] = "area"


@dataclass(frozen=True)
class GroupAreaChoice(AreaButton):
    namespace: ClassVar[str] = "garea"


@dataclass(frozen=True)
class ScreeningAreaChoice(AreaButton):
    namespace: ClassVar[str] = "screening:area"


@dataclass(frozen=True)
class AlertAreaChoice(AreaButton):
    namespace: ClassVar[str] = "alert:area"


@dataclass(frozen=True)
class SessionChoice(ButtonData):
    """One screening session offered in /dangky."""

    namespace: ClassVar[str] = "screening:session"
    session_id: int


@dataclass(frozen=True)
class DropRegistration(ButtonData):
    """/huy: the registration a resident asks to cancel."""

    namespace: ClassVar[str] = "screening:drop"
    registration_id: int


@dataclass(frozen=True)
class ConfirmDrop(ButtonData):
    """/huy: yes, cancel that registration."""

    namespace: ClassVar[str] = "screening:dropok"
    registration_id: int


class Registrant(StrEnum):
    SELF = "self"
    RELATIVE = "relative"


@dataclass(frozen=True)
class RegistrantChoice(ButtonData):
    """/dangky: registering oneself or a relative."""

    namespace: ClassVar[str] = "screening:who"
    registrant: Registrant


@dataclass(frozen=True)
class ScreeningGroupChoice(ButtonData):
    """/dangky: one priority group (its code) ticked or unticked."""

    namespace: ClassVar[str] = "screening:group"
    group: str


@dataclass(frozen=True)
class EditAnswer(ButtonData):
    """/dangky's confirmation: change one answer (a step's name) and come back."""

    namespace: ClassVar[str] = "screening:edit"
    step: str


@dataclass(frozen=True)
class RecordButton(ButtonData):
    """A button naming one record by its number (an alert, a rumour report)."""

    record: int


@dataclass(frozen=True)
class AlertApproval(RecordButton):
    """A draft alert approved for sending."""

    namespace: ClassVar[str] = "alert:approve"


@dataclass(frozen=True)
class AlertProgress(RecordButton):
    namespace: ClassVar[str] = "alert:progress"


@dataclass(frozen=True)
class AlertCancel(RecordButton):
    """Cancel a draft, or stop what is not yet sent."""

    namespace: ClassVar[str] = "alert:cancel"


@dataclass(frozen=True)
class RumorToAlert(RecordButton):
    """A correction turned into an alert draft."""

    namespace: ClassVar[str] = "rumor:alert"


@dataclass(frozen=True)
class RumorVerdict(ButtonData):
    """A rumour report group answered from the queue (/tindon)."""

    namespace: ClassVar[str] = "rumor"
    verdict: Verdict
    record: int


@dataclass(frozen=True)
class TopicButton(ButtonData):
    """A topic (its code) turned on or off; residents and groups each have their own kind,
    and their own data for the "done" button under the topics."""

    done: ClassVar[str]
    topic: str


@dataclass(frozen=True)
class TopicChoice(TopicButton):
    namespace: ClassVar[str] = "topic"
    done: ClassVar[str] = "sub:done"


@dataclass(frozen=True)
class GroupTopicChoice(TopicButton):
    namespace: ClassVar[str] = "gtopic"
    done: ClassVar[str] = "gsub:done"


@dataclass(frozen=True)
class LanguageButton(ButtonData):
    """A language (its code) to receive messages in."""

    language: str


@dataclass(frozen=True)
class LanguageChoice(LanguageButton):
    namespace: ClassVar[str] = "lang"


@dataclass(frozen=True)
class GroupLanguageChoice(LanguageButton):
    namespace: ClassVar[str] = "glang"


@dataclass(frozen=True)
class AlertTopicChoice(ButtonData):
    """An alert sent to the residents who chose one topic."""

    namespace: ClassVar[str] = "alert:topic"
    topic: str


class AlertTargetKind(StrEnum):
    EVERYONE = "all"
    ONE_AREA = "areas"
    ONE_TOPIC = "topics"
    GROUPS = "groups"


@dataclass(frozen=True)
class AlertTargetChoice(ButtonData):
    """Whom an alert goes to: everyone, one tổ, one topic, or the groups only."""

    namespace: ClassVar[str] = "alert:target"
    target: AlertTargetKind


@dataclass(frozen=True)
class AlertUrgency(ButtonData):
    namespace: ClassVar[str] = "alert:urgent"
    urgent: bool


@dataclass(frozen=True)
class FrequencyChoice(ButtonData):
    """/diemtin: how often the news digest comes."""

    namespace: ClassVar[str] = "newsfreq"
    frequency: Frequency


@dataclass(frozen=True)
class SignedQuestion(ButtonData):
    """A question from the FAQ log, signed for the chat that asked it (bot/faq/signing.py)."""

    question: int
    signature: str


@dataclass(frozen=True)
class AskStaff(SignedQuestion):
    """Hand the unanswered question to station staff."""

    namespace: ClassVar[str] = "faq:staff"


@dataclass(frozen=True)
class FaqTopicChoice(SignedQuestion):
    """One of the closest topics, suggested under a question the FAQ was unsure of."""

    namespace: ClassVar[str] = "faq:t"
    topic: str


def id_of(button: RecordButton | None) -> int:
    """The record number a button names; 0 (no record) for data that names none."""
    return button.record if button else 0
