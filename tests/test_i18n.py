"""Every interface text has an English translation, and placeholders survive translation."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

from bot.i18n import read_catalogs, translator

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def source_messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in ("bot", "handlers"):
        for filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords={"_": None}
        ):
            if isinstance(message, str) and message:
                found.setdefault(message, f"{folder}/{filename}")
    return found


def test_every_message_has_an_english_translation():
    english = read_catalogs("en")
    missing = [
        f"{where}: {msgid!r}"
        for msgid, where in source_messages().items()
        if not english.get(msgid)
    ]
    assert not missing, "add these to bot/locale/en/LC_MESSAGES/<feature>.po:\n" + "\n".join(
        missing
    )


def test_every_catalog_text_is_still_used():
    """A text the code no longer shows is dead weight a translator would keep paying for."""
    used = source_messages()
    stale = [
        m.id for m in read_catalogs("en") if isinstance(m.id, str) and m.id and m.id not in used
    ]
    assert not stale, "remove from bot/locale/en/LC_MESSAGES/*.po:\n" + "\n".join(stale)


def test_translations_keep_the_placeholders():
    english = read_catalogs("en")
    broken = [
        message.id
        for message in english
        if message.id
        and isinstance(message.id, str)
        and set(PLACEHOLDER.findall(message.id)) != set(PLACEHOLDER.findall(message.string))
    ]
    assert not broken


def test_vietnamese_is_the_source_and_english_is_looked_up():
    assert translator("vi")("Hủy") == "Hủy"
    assert translator("en")("Hủy") == "Cancel"
    assert translator("en-US")("Hủy") == "Cancel"
    assert translator("fr")("Hủy") == "Hủy"
