"""What each recipient of a planned send reads.

A recipient gets only the observances of the topics they chose (`chung` = all), merged
into one message in their language; nobody matching, no message. Section texts come
from content/messages (`render_message`, and the front matter's `reminder:` for
reminders); an observance whose file is missing still gets a short text naming the day
and the station, so a content gap never silences a scheduled day.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol

from bot.i18n import Gettext, translator
from bot.outbox.audience import EVERYTHING
from bot.scheduling.plan import PlannedSend, SendKind
from content.messages import placeholder_values, render_message, render_reminder
from content.observances import Observance
from content.station import Station, load_station
from content.yamlfile import ContentError

log = logging.getLogger(__name__)

# Between two observances in one message: plain text, so every channel shows it as is.
SEPARATOR = "\n\n————————\n\n"


def language_of(value: str | None) -> str:
    return "en" if value == "en" else "vi"


def wants(observance: Observance, topics: frozenset[str]) -> bool:
    """Whether a subscriber of `topics` receives `observance` (`chung` receives everything)."""
    return EVERYTHING in topics or not topics.isdisjoint(observance.topics)


class SectionTexts(Protocol):
    """One observance's part of a message, filled for its year."""

    def section(self, observance: Observance, kind: SendKind, lang: str, year: int) -> str: ...

    def station_name(self, lang: str) -> str: ...


class ContentTexts:
    """Sections from content/messages, each rendered once per (observance, kind, lang, year)."""

    def __init__(self, station: Station | None = None) -> None:
        self._station = station
        self._cache: dict[tuple[str, SendKind, str, int], str] = {}

    @property
    def station(self) -> Station:
        if self._station is None:
            self._station = load_station()
        return self._station

    def station_name(self, lang: str) -> str:
        return self.station.in_language(lang).name

    def section(self, observance: Observance, kind: SendKind, lang: str, year: int) -> str:
        key = (observance.id, kind, lang, year)
        if key not in self._cache:
            self._cache[key] = self._render(observance, kind, lang, year)
        return self._cache[key]

    def _render(self, observance: Observance, kind: SendKind, lang: str, year: int) -> str:
        _ = translator(lang)
        values = placeholder_values(observance, lang, year, self.station)
        values["name"] = observance.name(lang)
        try:
            if kind is SendKind.FIRST_DAY:
                return render_message(observance.id, lang, year, self.station)
            reminder = render_reminder(observance.id, lang, year, self.station)
        except (ContentError, KeyError) as exc:
            log.warning("scheduler: no usable %s message for %s: %s", lang, observance.id, exc)
            if kind is SendKind.FIRST_DAY:
                return _first_day_fallback(_).format_map(values)
            reminder = None
        head = _("**Nhắc lại: {name}**").format_map(values)
        return f"{head}\n\n{reminder or _reminder_fallback(_).format_map(values)}"


def _first_day_fallback(_: Gettext) -> str:
    return _(
        "**{name} – {ngay}**\n\n"
        "Cần tư vấn: {tram}, {dia_chi}, {gio_mo_cua}, điện thoại {dien_thoai}."
    )


def _reminder_fallback(_: Gettext) -> str:
    return _(
        "Hoạt động diễn ra đến hết {den_ngay}; mời bà con tiếp tục hưởng ứng. "
        "Cần tư vấn: {tram}, điện thoại {dien_thoai}."
    )


def _intro(_: Gettext, kind: SendKind) -> str:
    if kind is SendKind.FIRST_DAY:
        return _(
            "**Hôm nay có {n} ngày sức khỏe cần bà con lưu ý.** "
            "{tram} xin gửi bà con từng tin dưới đây."
        )
    return _("**{tram} xin nhắc bà con {n} hoạt động sức khỏe đang diễn ra.**")


class SendTexts:
    """The texts of one planned send: the whole message per language, and each
    recipient's own (built once per distinct (language, topics) and reused)."""

    def __init__(self, send: PlannedSend, texts: SectionTexts) -> None:
        self.send = send
        self._texts = texts
        self._by_choice: dict[tuple[str, frozenset[str]], str | None] = {}
        self._by_ids: dict[tuple[str, tuple[str, ...]], str] = {}

    def full(self, lang: str) -> str:
        return self._compose(lang, self.send.observances)

    def for_recipient(self, topics: Iterable[str], language: str | None) -> str | None:
        """The recipient's text, or None when none of the observances is for them."""
        choice = (language_of(language), frozenset(topics))
        if choice not in self._by_choice:
            chosen = tuple(o for o in self.send.observances if wants(o, choice[1]))
            self._by_choice[choice] = self._compose(choice[0], chosen) if chosen else None
        return self._by_choice[choice]

    def _compose(self, lang: str, observances: tuple[Observance, ...]) -> str:
        key = (lang, tuple(o.id for o in observances))
        if key not in self._by_ids:
            year = self.send.date.year
            sections = [self._texts.section(o, self.send.kind, lang, year) for o in observances]
            if len(sections) > 1:
                intro = _intro(translator(lang), self.send.kind).format(
                    n=len(sections), tram=self._texts.station_name(lang)
                )
                sections = [intro, SEPARATOR.join(sections)]
            self._by_ids[key] = "\n\n".join(sections)
        return self._by_ids[key]
