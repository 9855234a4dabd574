"""plan(start, end): the calendar's dates, one send per day, at most one reminder per period,
never in quiet hours — for every rule kind and any year 2000–2100."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import scheduler
from bot.scheduling.plan import SendKind, Timing, plan
from content.observances import (
    MIN_REMINDER_DAYS,
    WEEKDAYS,
    Observance,
    RuleError,
    load_observances,
    occurrences,
    parse_rule,
)

YEARS = st.integers(2000, 2100)
DEFAULT = Timing()


def day_month(day_of_year: int) -> str:
    """A "d/m" of a non-leap year (so never 29/2, which rules refuse)."""
    day = date(2023, 1, 1) + timedelta(days=day_of_year)
    return f"{day.day}/{day.month}"


def valid(data: dict[str, object]) -> bool:
    try:
        parse_rule(data)
    except RuleError:
        return False
    return True


DAY_OF_YEAR = st.integers(0, 364)
MONTH = st.integers(1, 12)
RULES = {
    "fixed": DAY_OF_YEAR.map(lambda d: {"kind": "fixed", "date": day_month(d)}),
    "range": st.lists(DAY_OF_YEAR, min_size=2, max_size=2, unique=True).map(
        lambda ds: {"kind": "range", "start": day_month(min(ds)), "end": day_month(max(ds))}
    ),
    "month": MONTH.map(lambda m: {"kind": "month", "month": m}),
    "nth_weekday": st.fixed_dictionaries(
        {
            "kind": st.just("nth_weekday"),
            "month": MONTH,
            "weekday": st.sampled_from(WEEKDAYS),
            "n": st.sampled_from([1, 2, 3, 4, -1]),
            "days": st.integers(1, 31),
        }
    ).filter(valid),
    "last_day": MONTH.map(lambda m: {"kind": "last_day", "month": m}),
}


def observance(index: int, rule: dict[str, object]) -> Observance:
    return Observance(
        id=f"o{index}",
        name_vi=f"Ngày {index}",
        name_en=f"Day {index}",
        rule=parse_rule(rule),
        topics=("chung",),
        priority="normal",
        source="test",
    )


def library(kind: str) -> st.SearchStrategy[tuple[Observance, ...]]:
    """1–6 observances, mostly of `kind`, some of any kind (so they collide on days)."""
    any_rule = st.one_of(*RULES.values())
    rules = st.lists(st.one_of(RULES[kind], RULES[kind], any_rule), min_size=1, max_size=6)
    return rules.map(lambda found: tuple(observance(i, r) for i, r in enumerate(found)))


def check_year(observances: tuple[Observance, ...], year: int) -> None:
    sends = plan(date(year, 1, 1), date(year, 12, 31), observances)
    assert len({s.date for s in sends}) == len(sends), "two scheduled messages on one day"
    first_days = {s.date for s in sends if s.kind is SendKind.FIRST_DAY}
    for item in observances:
        first, last = item.occurrence(year)
        firsts = [s for s in sends if s.kind is SendKind.FIRST_DAY and item in s.observances]
        reminders = [s for s in sends if s.kind is SendKind.REMINDER and item in s.observances]
        assert [s.date for s in firsts] == [first]
        long_enough = (last - first).days + 1 >= MIN_REMINDER_DAYS
        assert len(reminders) <= (1 if long_enough else 0)
        assert all(first < s.date < last for s in reminders)
        # Only a period whose every inner day starts another observance goes without one.
        inner = {first + timedelta(days=d) for d in range(1, (last - first).days)}
        if long_enough and inner - first_days:
            assert reminders
    for send in sends:
        midnight = DEFAULT.at(send.date + timedelta(days=1), 0)
        assert send.send_at.date() == send.date and not DEFAULT.is_quiet(send.send_at)
        assert send.send_at < send.until <= midnight
        # Undelivered rows expire when the text stops being true: a first day's at midnight,
        # a reminder's when the shortest period it speaks of ends.
        ends = [o.occurrence(year)[1] for o in send.observances]
        last_true = send.date if send.kind is SendKind.FIRST_DAY else min(ends)
        assert send.expires == DEFAULT.at(last_true + timedelta(days=1), 0) >= midnight


@pytest.mark.parametrize("kind", list(RULES))
@given(data=st.data(), year=YEARS)
def test_every_rule_kind(kind, data, year):
    check_year(data.draw(library(kind)), year)


@given(YEARS)
def test_the_library_plan_has_the_calendar_dates(year):
    """Every observance starts in the plan on the day `loaphuong calendar` shows."""
    sends = plan(date(year, 1, 1), date(year, 12, 31))
    planned = {(o.id, s.date) for s in sends if s.kind is SendKind.FIRST_DAY for o in s.observances}
    assert planned == {(o.id, o.start) for o in occurrences(year)}
    check_year(load_observances(), year)


@given(YEARS)
@example(2000)
@example(2028)
@example(2100)
def test_the_last_day_of_february_is_the_29th_in_leap_years(year):
    by_day = {s.date: s.observance_ids for s in scheduler.plan(date(year, 2, 1), date(year, 3, 1))}
    last = date(year, 2, 29) if calendar.isleap(year) else date(year, 2, 28)
    assert "rare_disease_day" in by_day[last]


def test_april_7_is_one_send_with_its_three_observances_high_priority_first():
    [send] = scheduler.plan(date(2027, 4, 7), date(2027, 4, 7))
    assert send.kind is SendKind.FIRST_DAY
    assert set(send.observance_ids) == {
        "world_health_day",
        "national_health_day",
        "voluntary_blood_donation_day",
    }
    priorities = [o.priority for o in send.observances]
    assert priorities == sorted(priorities, key=lambda p: p != "high")
    assert send.send_at == datetime(2027, 4, 7, 8, tzinfo=DEFAULT.tz)


@given(YEARS, st.integers(0, 364), st.integers(1, 60))
def test_a_window_only_filters_the_year(year, offset, days):
    start = date(year, 1, 1) + timedelta(days=offset)
    end = start + timedelta(days=days)
    whole = plan(date(year, 1, 1), date(year + 1, 12, 31))
    assert plan(start, end) == [s for s in whole if start <= s.date <= end]


HOURS = st.integers(0, 23)


@given(HOURS, HOURS, HOURS, YEARS, st.integers(0, 364))
def test_no_send_is_ever_due_in_quiet_hours_nor_the_next_day(
    send_hour, quiet_start, quiet_end, year, offset
):
    timing = Timing(send_hour, quiet_start, quiet_end)
    start = date(year, 1, 1) + timedelta(days=offset)
    for send in plan(start, start + timedelta(days=45), settings=timing):
        moments = [
            datetime.combine(send.date + timedelta(days=d), time(h, m), tzinfo=timing.tz)
            for d in (0, 1)
            for h in range(24)
            for m in (0, 29, 59)
        ]
        due = [moment for moment in moments if send.due(moment)]
        assert due, "a send that can never go out"
        assert all(m.date() == send.date and not timing.is_quiet(m) for m in due)
