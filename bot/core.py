"""Channel-agnostic message types: what adapters hand to handlers and back."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"


class Role(StrEnum):
    """Who may do what, weakest first (each role may do what the weaker ones may); staff
    accounts store these words."""

    GROUP_ADMIN = "group_admin"
    STAFF = "staff"
    ADMIN = "admin"


@dataclass(frozen=True)
class Button:
    text: str
    data: str
    # What residents also type for it ("người già"); never shown or sent to a platform.
    words: tuple[str, ...] = field(default=(), compare=False)


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
    # The platform's own id for this update (Telegram update_id, a Zalo message id), by
    # which a resent or replayed update is recognised and handled once (bot/inbound.py).
    update_key: str | None = None

    def __post_init__(self) -> None:
        # Decomposed Unicode (NFD: Unikey's "Unicode tổ hợp", some macOS input) looks the
        # same on screen but compares differently: every handler sees the composed form.
        for name in ("text", "button"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, unicodedata.normalize("NFC", value))

    @property
    def command(self) -> str | None:
        """`/dangky@LoaPhuongBot tổ 3` → "dangky"; None for plain text."""
        return self._command_word.partition("@")[0].lower() or None

    @property
    def command_addressee(self) -> str | None:
        """`/dangky@LoaPhuongBot tổ 3` → "LoaPhuongBot"; None when no bot is named.

        In a Telegram group a command may name another bot; its adapter drops those."""
        return self._command_word.partition("@")[2] or None

    @property
    def _command_word(self) -> str:
        words = self.text[1:].split(maxsplit=1) if self.text and self.text[0] == "/" else []
        return words[0] if words else ""

    @property
    def argument(self) -> str:
        """The text after the command word, stripped."""
        if self.command is None or not self.text:
            return ""
        parts = self.text.split(maxsplit=1)
        return parts[1].strip() if len(parts) > 1 else ""
