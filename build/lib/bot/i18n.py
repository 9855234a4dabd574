"""Interface texts through gettext (Babel).

Vietnamese is the source language: msgids are the Vietnamese texts, so `vi`
needs no catalog. Each feature keeps its English translations in its own
`bot/locale/en/LC_MESSAGES/<feature>.po`; they are merged and compiled in
memory at first use, so there is no build step and no binary .mo in git.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
SOURCE_LOCALE = "vi"
LOCALES = ("vi", "en")

Gettext = Callable[[str], str]


def read_catalogs(locale: str) -> Catalog:
    """All of a locale's .po files merged into one catalog."""
    merged = Catalog(locale=locale)
    for po_path in sorted((LOCALE_DIR / locale / "LC_MESSAGES").glob("*.po")):
        with po_path.open("rb") as po_file:
            for message in read_po(po_file, locale=locale):
                if message.id and message.string and not message.fuzzy:
                    merged.add(message.id, message.string)
    return merged


@cache
def translations(locale: str) -> NullTranslations:
    if locale == SOURCE_LOCALE or locale not in LOCALES:
        return NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, read_catalogs(locale))
    buffer.seek(0)
    return Translations(fp=buffer)


def normalize_locale(locale: str | None) -> str:
    """'en-US' → 'en'; anything we do not speak → Vietnamese."""
    short = (locale or "").split("-")[0].split("_")[0].lower()
    return short if short in LOCALES else SOURCE_LOCALE


def translator(locale: str | None) -> Gettext:
    return translations(normalize_locale(locale)).gettext
