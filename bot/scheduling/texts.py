"""What each recipient of a planned send reads.

A recipient gets only the observances of the topics they chose (`chung` = all), merged
into one message in their language; nobody matching, no message. Section texts come
from content/messages (`render_message`, and the front matter's `reminder:` for
reminders); an observance whose file is missing still gets a short text naming the day
and the station, so a content gap never silences a scheduled day.

One observance: its message as written. Several (7/4 has three, 1/6 four): one short
message, not their messages end to end — the date once, each day's name, why in one
sentence and its first action, the station's contact once at the end; and if that is
still over MAX_MERGED_CHARS, the why sentences go.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from bot.i18n import Gettext, translator
from bot.outbox.audience import EVERYTHING
from bot.scheduling.plan import PlannedSend, SendKind
from content.dates import format_day_month, format_full_date
from content.messages import message_parts, placeholder_values, render_message, render_reminder
from content.observances import Observance
from content.station import Station, load_station
from content.yamlfile import ContentError

log = logging.getLogger(__name__)

# A message of several observances stays one message on every channel (Zalo's limit is
# 2,000 characters) and short enough to read at once: one and a half single broadcasts.
MAX_MERGED_CHARS = 1500


def language_of(value: str | None) -> str:
    return "en" if value == "en" else "vi"


def wants(observance: Observance, topics: frozenset[str]) -> bool:
    """Whether a subscriber of `topics` receives `observance` (`chung` receives everything)."""
    return EVERYTHING in topics or not topics.isdisjoint(observance.topics)


@dataclass(frozen=True)
class Section:
    """One observance's part of a send, filled for its year: `full` when it is the only
    one; `brief`, or else `shortest`, beside others, which share one `contact` line."""

    full: str
    brief: str
    shortest: str
    contact: str = ""


class SectionTexts(Protocol):
    """One observance's part of a message, filled for its year."""

    def section(self, observance: Observance, kind: SendKind, lang: str, year: int) -> Section: ...

    def station_name(self, lang: str) -> str: ...


class ContentTexts:
    """Sections from content/messages, each rendered once per (observance, kind, lang, year)."""

    def __init__(self, station: Station | None = None) -> None:
        self._station = station
        self._cache: dict[tuple[str, SendKind, str, int], Section] = {}

    @property
    def station(self) -> Station:
        if self._station is None:
            self._station = load_station()
        return self._station

    def station_name(self, lang: str) -> str:
        return self.station.in_language(lang).name

    def section(self, observance: Observance, kind: SendKind, lang: str, year: int) -> Section:
        key = (observance.id, kind, lang, year)
        if key not in self._cache:
            render = self._first_day if kind is SendKind.FIRST_DAY else self._reminder
            self._cache[key] = render(observance, lang, year)
        return self._cache[key]

    def _first_day(self, observance: Observance, lang: str, year: int) -> Section:
        _ = translator(lang)
        try:
            full = render_message(observance.id, lang, year, self.station)
        except (ContentError, KeyError) as exc:
            log.warning("scheduler: no usable %s message for %s: %s", lang, observance.id, exc)
            full = _first_day_fallback(_).format_map(self._values(observance, lang, year))
        parts = message_parts(full)
        title = _title(_, observance, lang, year)
        action = parts.actions[0] if parts.actions else ""
        return Section(
            full=full,
            brief=_lines(title, parts.first_sentence, action),
            shortest=_lines(title, action),
            contact=parts.closing,
        )

    def _reminder(self, observance: Observance, lang: str, year: int) -> Section:
        _ = translator(lang)
        values = self._values(observance, lang, year)
        try:
            reminder = render_reminder(observance.id, lang, year, self.station)
        except (ContentError, KeyError) as exc:
            log.warning("scheduler: no usable %s message for %s: %s", lang, observance.id, exc)
            reminder = None
        # The last day once, in the heading: merged, several campaigns often end the same day.
        head = _title(_, observance, lang, year, _("**Nhắc lại: {name}**").format_map(values))
        text = reminder or _reminder_fallback(_).format_map(values)
        contact = _("Cần tư vấn: {tram}, điện thoại {dien_thoai}.").format_map(values)
        return Section(
            full=f"{head}\n\n{text}\n\n{contact}",
            brief=_lines(head, text),
            shortest=_lines(head, text),
            contact=contact,
        )

    def _values(self, observance: Observance, lang: str, year: int) -> dict[str, str]:
        values = placeholder_values(observance, lang, year, self.station)
        values["name"] = observance.name(lang)
        return values


def _title(_: Gettext, observance: Observance, lang: str, year: int, name: str = "") -> str:
    """`name` (by default the observance's name in bold), with its last day when it
    lasts several."""
    name = name or f"**{observance.name(lang)}**"
    if not observance.multi_day:
        return name
    last = format_day_month(observance.occurrence(year)[1], lang)
    return _("{name} (đến {den_ngay})").format(name=name, den_ngay=last)


def _lines(*lines: str) -> str:
    return "\n".join(line for line in lines if line)


def _first_day_fallback(_: Gettext) -> str:
    return _(
        "**{name} – {ngay}**\n\n"
        "Cần tư vấn: {tram}, {dia_chi}, {gio_mo_cua}, điện thoại {dien_thoai}."
    )


def _reminder_fallback(_: Gettext) -> str:
    return _("Hoạt động diễn ra đến hết {den_ngay}; mời bà con tiếp tục hưởng ứng.")


def _intro(_: Gettext, kind: SendKind) -> str:
    if kind is SendKind.FIRST_DAY:
        return _("**Hôm nay, {ngay}, {tram} xin gửi bà con {n} tin sức khỏe:**")
    return _("**{tram} xin nhắc bà con {n} hoạt động sức khỏe đang diễn ra:**")


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
            self._by_ids[key] = (
                sections[0].full if len(sections) == 1 else self._merge(lang, sections)
            )
        return self._by_ids[key]

    def _merge(self, lang: str, sections: list[Section]) -> str:
        intro = _intro(translator(lang), self.send.kind).format(
            n=len(sections),
            tram=self._texts.station_name(lang),
            ngay=format_full_date(self.send.date, lang),
        )
        contacts = list(dict.fromkeys(s.contact for s in sections if s.contact))
        for parts in ([s.brief for s in sections], [s.shortest for s in sections]):
            text = "\n\n".join([intro, *parts, *contacts])
            if len(text) <= MAX_MERGED_CHARS:
                break
        return text
