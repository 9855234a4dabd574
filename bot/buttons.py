"""Button data that packs and parses itself, one small class per kind of button.

Each class names its router's namespace and its fields; `pack()` writes
"<namespace>:<field>:<field>" and refuses more than Telegram's 64 bytes (a long tổ
name must fail when the button is built, not when a platform rejects the message);
`parse()` reads it back, None for data of another kind or with a malformed field.
A flow step declares its button with `Kind.prefix()`.
"""

from __future__ import annotations

import re
from dataclasses import astuple, dataclass, fields
from typing import ClassVar, Self

from bot.models.types import ROW_ID

# Telegram's callback_data limit, the strictest of the platforms.
MAX_BYTES = 64
_ROW_ID = re.compile(ROW_ID)


class ButtonTooLong(ValueError):
    """The packed data would not fit a platform's button."""


@dataclass(frozen=True)
class ButtonData:
    namespace: ClassVar[str]

    @classmethod
    def prefix(cls) -> str:
        return f"{cls.namespace}:"

    def pack(self) -> str:
        data = self.prefix() + ":".join(str(value) for value in astuple(self))
        if len(data.encode()) > MAX_BYTES:
            raise ButtonTooLong(f"{data!r} is longer than {MAX_BYTES} bytes")
        return data

    @classmethod
    def parse(cls, data: str | None) -> Self | None:
        if not data or not data.startswith(cls.prefix()):
            return None
        kinds = [field.type for field in fields(cls)]
        parts = data.removeprefix(cls.prefix()).split(":", maxsplit=len(kinds) - 1)
        if len(parts) != len(kinds):
            return None
        values: list[object] = []
        for kind, part in zip(kinds, parts, strict=True):
            if kind in (int, "int"):
                if not _ROW_ID.fullmatch(part):  # a record number, never an overflow
                    return None
                values.append(int(part))
            else:
                values.append(part)
        return cls(*values)


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


def id_of(button: RecordButton | None) -> int:
    """The record number a button names; 0 (no record) for data that names none."""
    return button.record if button else 0
