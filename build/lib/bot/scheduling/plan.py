"""`plan(start, end)`: from the observance calendar to the dated sends. Pure: no DB, no clock.

Rules, in the order they apply:
- A send goes out at the send hour (default 08:00, local time); an hour inside the quiet
  hours (default 21:00–07:00) moves to the end of the quiet window that day.
- Every observance gets a send on its first day. Observances starting the same day are
  merged into one send (7/4 has three), high priority first, then in file order.
- An observance of at least a week (`Observance.gets_reminder`: weeks, months, campaigns)
  gets one mid-period reminder: the middle day, or the nearest day inside the period that has no
  first-day send, so nobody gets two scheduled messages on one day. Reminders landing on
  the same day merge too.
- A send may still go out late the same day (catch-up after downtime) until `until`:
  an hour before the evening quiet hours, and never after midnight. A day missed
  entirely is not sent the next day.
- What the outbox has not delivered by `expires` is dropped, not sent late: a first-day
  message is that day's news (its headline or "Hôm nay, …" names the day), so it expires
  at midnight; a reminder says the period runs "until {den_ngay}", true to the end of
  the shortest period it carries.

Keys: a first-day send is "observances:YYYY-MM-DD", a reminder send
"observances:YYYY-MM-DD:reminder". Every observance starts once a year and has at most
one reminder a year, so a day's key stands for each (observance, year) it carries: the
broadcast table's unique key is what makes every (observance, year) message exist once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.config import Settings
from content.observances import Observance, load_observances

# Catch-up stops this long before the evening quiet hours, so the outbox has time to drain.
DRAIN_MARGIN = timedelta(hours=1)
# …but a send always has at least this long to go out (when the send hour is late).
MIN_WINDOW = timedelta(minutes=30)
KEY_PREFIX = "observances"


class SendKind(StrEnum):
    FIRST_DAY = "first_day"
    REMINDER = "reminder"


@dataclass(frozen=True)
class Timing:
    """When routine messages may go out (the scheduling part of Settings)."""

    send_hour: int = 8
    quiet_start: int = 21
    quiet_end: int = 7
    timezone: str = "Asia/Ho_Chi_Minh"

    @classmethod
    def of(cls, settings: Settings | Timing | None) -> Timing:
        if settings is None or isinstance(settings, Timing):
            return settings or cls()
        return cls(settings.send_hour, settings.quiet_start, settings.quiet_end, settings.timezone)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_quiet_hour(self, hour: int) -> bool:
        start, end = self.quiet_start, self.quiet_end
        if start == end:  # no quiet hours configured
            return False
        if start < end:
            return start <= hour < end
        return hour >= start or hour < end  # the window spans midnight

    def is_quiet(self, moment: datetime) -> bool:
        return self.is_quiet_hour(moment.astimezone(self.tz).hour)

    def at(self, day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=self.tz)

    def send_time(self, day: date) -> datetime:
        """The send hour on `day`, moved out of the quiet hours."""
        hour = self.quiet_end if self.is_quiet_hour(self.send_hour) else self.send_hour
        return self.at(day, hour)

    def deadline(self, day: date, send_at: datetime) -> datetime:
        """Until when a send planned at `send_at` on `day` may still go out (catch-up)."""
        midnight = self.at(day + timedelta(days=1), 0)
        limit = midnight
        if self.quiet_start != self.quiet_end:
            quiet = self.at(day, self.quiet_start)
            if quiet <= send_at:
                quiet += timedelta(days=1)
            limit = min(midnight, quiet - DRAIN_MARGIN)
        return min(midnight, max(limit, send_at + MIN_WINDOW))


@dataclass(frozen=True)
class PlannedSend:
    """One scheduled message: observances merged into one text per recipient."""

    date: date
    send_at: datetime  # aware, local send hour, outside quiet hours
    until: datetime  # catch-up deadline, the same day
    expires: datetime  # rows still undelivered then are not sent (the outbox's not_after)
    kind: SendKind
    observances: tuple[Observance, ...]

    @property
    def key(self) -> str:
        base = f"{KEY_PREFIX}:{self.date.isoformat()}"
        return base if self.kind is SendKind.FIRST_DAY else f"{base}:{self.kind.value}"

    @property
    def observance_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.observances)

    @property
    def topics(self) -> list[str]:
        """Every topic any of the observances is for (the broadcast's audience)."""
        return sorted({topic for o in self.observances for topic in o.topics})

    def due(self, now: datetime) -> bool:
        """Should go out now: its time has come and its day is not over."""
        return self.send_at <= now < self.until


def plan(
    start: date,
    end: date,
    observances: Iterable[Observance] | None = None,
    settings: Settings | Timing | None = None,
) -> list[PlannedSend]:
    """Every send dated inside the inclusive window [start, end], in time order.

    The window only filters: a send is the same whichever window it is planned in."""
    timing = Timing.of(settings)
    chosen = load_observances() if observances is None else tuple(observances)
    sends: list[PlannedSend] = []
    for year in range(start.year, end.year + 1):
        sends.extend(s for s in _year_plan(year, chosen, timing) if start <= s.date <= end)
    return sends


@lru_cache(maxsize=32)
def _year_plan(
    year: int, observances: tuple[Observance, ...], timing: Timing
) -> tuple[PlannedSend, ...]:
    first_days: dict[date, list[Observance]] = defaultdict(list)
    for observance in observances:
        first_days[observance.occurrence(year)[0]].append(observance)
    reminders: dict[date, list[Observance]] = defaultdict(list)
    for observance in observances:
        if not observance.gets_reminder(year):
            continue
        day = _reminder_day(*observance.occurrence(year), set(first_days))
        if day is not None:
            reminders[day].append(observance)
    sends = [
        _send(day, kind, group, timing, observances)
        for kind, days in ((SendKind.FIRST_DAY, first_days), (SendKind.REMINDER, reminders))
        for day, group in days.items()
    ]
    return tuple(sorted(sends, key=lambda s: (s.send_at, s.kind)))


def _reminder_day(first: date, last: date, taken: set[date]) -> date | None:
    """The middle of the period, else the nearest inner day without a first-day send."""
    length = (last - first).days + 1
    middle = (length - 1) // 2
    for step in range(length):
        offset = middle + (step + 1) // 2 * (1 if step % 2 else -1)
        day = first + timedelta(days=offset)
        if 0 < offset < length - 1 and day not in taken:
            return day
    return None


def _send(
    day: date,
    kind: SendKind,
    group: list[Observance],
    timing: Timing,
    order: tuple[Observance, ...],
) -> PlannedSend:
    position = {o.id: index for index, o in enumerate(order)}
    ranked = sorted(group, key=lambda o: (o.priority != "high", position[o.id]))
    send_at = timing.send_time(day)
    expires = timing.at(_last_true_day(day, kind, group) + timedelta(days=1), 0)
    return PlannedSend(day, send_at, timing.deadline(day, send_at), expires, kind, tuple(ranked))


def _last_true_day(day: date, kind: SendKind, group: list[Observance]) -> date:
    """The last day on which the send's text still holds (see `expires` above)."""
    if kind is SendKind.FIRST_DAY:
        return day
    return min(o.occurrence(day.year)[1] for o in group)
