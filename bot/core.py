"""Channel-agnostic message types: what adapters hand to handlers and back."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"


@dataclass(frozen=True)
class Button:
    text: str
    data: str


@dataclass(frozen=True)
class Reply:
    """One message to show: Markdown text, optional buttons and photo."""

    text: str
    buttons: list[Button] = field(default_factory=list)
    photo: str | None = None


@dataclass(frozen=True)
class Incoming:
    """One thing a person did: sent text, pressed a button, or a group event.

    Exactly one of `text` and `button` is set for messages; `event` names
    membership changes ("bot_added", "bot_removed") that carry neither.
    """

    channel: str
    chat_id: str
    user_id: str
    chat_kind: ChatKind = ChatKind.PRIVATE
    text: str | None = None
    button: str | None = None
    locale: str | None = None
    event: str | None = None
    # In groups: was the bot mentioned or replied to (only then does it answer free text).
    addressed: bool = True
    photo: str | None = None

    @property
    def command(self) -> str | None:
        """`/dangky@LoaPhuongBot tổ 3` → "dangky"; None for plain text."""
        if not self.text or not self.text.startswith("/"):
            return None
        word = self.text[1:].split(maxsplit=1)[0] if len(self.text) > 1 else ""
        return word.split("@", 1)[0].lower() or None

    @property
    def argument(self) -> str:
        """The text after the command word, stripped."""
        if self.command is None or not self.text:
            return ""
        parts = self.text.split(maxsplit=1)
        return parts[1].strip() if len(parts) > 1 else ""
