"""Observance date rules: every kind, any year 2000–2100, and the library's real dates."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content.observances import (
    RuleError,
    anniversary_count,
    check_observances,
    get_observance,
    load_observances,
    occurrences,
    parse_rule,
)

# shared/docs/observance-ids.md: the content library has exactly these IDs.
OBSERVANCE_IDS = [
    "world_cancer_day",
    "vietnam_doctors_day",
    "rare_disease_day",
    "international_day_of_happiness",
    "world_tb_day",
    "vietnam_social_work_day",
    "world_autism_awareness_day",
    "world_health_day",
    "national_health_day",
    "voluntary_blood_donation_day",
    "vietnam_disability_day",
    "world_malaria_day",
    "international_midwives_day",
    "workers_health_environment_day",
    "world_thalassaemia_day",
    "world_day_against_child_labour",
    "international_nurses_day",
    "food_safety_action_month",
    "world_asthma_day",
    "occupational_safety_month",
    "clean_water_week",
    "world_no_tobacco_day",
    "action_month_for_children",
    "micronutrient_days",
    "world_environment_day",
    "vietnam_elderly_day",
    "world_blood_donor_day",
    "asean_dengue_day",
    "drug_prevention_action_month",
    "international_day_against_drug_abuse",
    "vietnam_family_day",
    "pmtct_peak_month",
    "vietnam_health_insurance_day",
    "patriotic_hygiene_day",
    "world_population_day",
    "world_hepatitis_day",
    "world_day_against_trafficking",
    "world_breastfeeding_week",
    "world_contraception_day",
    "world_suicide_prevention_day",
    "world_patient_safety_day",
    "world_rabies_day",
    "world_heart_day",
    "international_older_persons_day",
    "safe_motherhood_week",
    "world_mental_health_day",
    "world_sight_day",
    "international_day_of_the_girl",
    "global_handwashing_day",
    "nutrition_week",
    "world_menopause_day",
    "world_amr_awareness_week",
    "vietnam_law_day",
    "world_diabetes_day",
    "world_prematurity_day",
    "world_toilet_day",
    "world_aids_day",
    "hiv_action_month",
    "international_disability_day",
    "universal_health_coverage_day",
    "vietnam_population_day",
    "population_action_month",
    "international_epidemic_preparedness_day",
    # Added for older residents (issue 15); not in the seeds.
    "world_hypertension_day",
    "world_stroke_day",
]

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
years = st.integers(min_value=2000, max_value=2100)
months = st.integers(min_value=1, max_value=12)
# Days of a common year: 29 February is not a valid fixed day (last_day covers it).
common_days = st.dates(min_value=date(2001, 1, 1), max_value=date(2001, 12, 31))
FAST = settings(max_examples=60, deadline=None)


def d_m(day: date) -> str:
    return f"{day.day}/{day.month}"


@FAST
@given(years, common_days)
def test_fixed_day_falls_on_its_date_every_year(year, day):
    start, end = parse_rule({"kind": "fixed", "date": d_m(day)}).occurrence(year)
    assert start == end == date(year, day.month, day.day)


@FAST
@given(years, common_days, common_days)
def test_range_keeps_its_days_and_stays_in_the_year(year, a, b):
    if a == b:
        return
    first, last = sorted((a, b))
    start, end = parse_rule({"kind": "range", "start": d_m(first), "end": d_m(last)}).occurrence(
        year
    )
    assert (start.month, start.day) == (first.month, first.day)
    assert (end.month, end.day) == (last.month, last.day)
    assert start.year == end.year == year and start < end


@FAST
@given(years, months)
def test_month_covers_every_day_of_the_month(year, month):
    start, end = parse_rule({"kind": "month", "month": month}).occurrence(year)
    assert start == date(year, month, 1)
    assert end.month == month and (end + timedelta(days=1)).day == 1
    assert (end - start).days + 1 == calendar.monthrange(year, month)[1]


@FAST
@given(years, months)
def test_last_day_is_the_last_day_including_leap_years(year, month):
    start, end = parse_rule({"kind": "last_day", "month": month}).occurrence(year)
    assert start == end and end.month == month and (end + timedelta(days=1)).day == 1
    if month == 2:
        assert end.day == (29 if calendar.isleap(year) else 28)


@FAST
@given(years, months, st.sampled_from(WEEKDAYS), st.sampled_from([1, 2, 3, 4, -1]))
def test_nth_weekday_is_that_weekday_in_that_week(year, month, weekday, n):
    rule = {"kind": "nth_weekday", "month": month, "weekday": weekday, "n": n}
    start, end = parse_rule(rule).occurrence(year)
    assert start == end and start.month == month
    assert start.weekday() == WEEKDAYS.index(weekday)
    if n > 0:
        assert (start.day - 1) // 7 == n - 1
    else:
        assert (start + timedelta(days=7)).month != month


@FAST
@given(years, months, st.sampled_from(WEEKDAYS), st.sampled_from([1, -1]), st.integers(1, 10))
def test_nth_weekday_span_has_its_length_or_is_refused(year, month, weekday, n, days):
    rule = {"kind": "nth_weekday", "month": month, "weekday": weekday, "n": n, "days": days}
    try:
        parsed = parse_rule(rule)
    except RuleError:
        assert month == 12  # only a December span can run into the next year
        return
    start, end = parsed.occurrence(year)
    assert (end - start).days == days - 1 and end.year == year


@settings(max_examples=40, deadline=None)
@given(years)
def test_every_observance_falls_inside_its_year(year):
    for observance in load_observances():
        start, end = observance.occurrence(year)
        assert start.year == end.year == year and start <= end
        assert (start != end) == observance.multi_day


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "fixed", "date": "31/4"},
        {"kind": "fixed", "date": "29/2"},
        {"kind": "fixed", "date": "2026-03-24"},
        {"kind": "fixed", "month": 3, "day": 24},
        {"kind": "range", "start": "7/8", "end": "1/8"},
        {"kind": "range", "start": "1/8", "end": "1/8"},
        {"kind": "month", "month": 13},
        {"kind": "nth_weekday", "month": 5, "weekday": "tuesday", "n": 5},
        {"kind": "nth_weekday", "month": 5, "weekday": "thu", "n": 1},
        {"kind": "nth_weekday", "month": 12, "weekday": "monday", "n": -1, "days": 7},
        {"kind": "last_day"},
        {"kind": "weekly"},
        "24/3",
    ],
)
def test_bad_rules_are_refused(rule):
    with pytest.raises(RuleError):
        parse_rule(rule)


def test_library_has_exactly_the_agreed_ids_and_no_problems():
    assert check_observances() == []
    ids = [o.id for o in load_observances()]
    assert sorted(ids) == sorted(OBSERVANCE_IDS) and len(ids) == 65


@pytest.mark.parametrize(
    ("observance_id", "year", "start", "end"),
    [
        ("rare_disease_day", 2000, "2000-02-29", "2000-02-29"),  # 2000 is a leap year
        ("rare_disease_day", 2027, "2027-02-28", "2027-02-28"),
        ("rare_disease_day", 2028, "2028-02-29", "2028-02-29"),
        ("rare_disease_day", 2100, "2100-02-28", "2100-02-28"),  # 2100 is not
        ("world_asthma_day", 2024, "2024-05-07", "2024-05-07"),
        ("world_asthma_day", 2026, "2026-05-05", "2026-05-05"),
        ("world_asthma_day", 2027, "2027-05-04", "2027-05-04"),
        ("world_sight_day", 2022, "2022-10-13", "2022-10-13"),
        ("world_sight_day", 2024, "2024-10-10", "2024-10-10"),
        ("world_sight_day", 2026, "2026-10-08", "2026-10-08"),
        ("world_day_against_child_labour", 2027, "2027-06-12", "2027-06-12"),
        ("clean_water_week", 2027, "2027-04-29", "2027-05-06"),
        ("food_safety_action_month", 2027, "2027-04-15", "2027-05-15"),
        ("micronutrient_days", 2027, "2027-06-01", "2027-06-02"),
        ("action_month_for_children", 2027, "2027-06-01", "2027-06-30"),
        ("world_breastfeeding_week", 2027, "2027-08-01", "2027-08-07"),
        ("safe_motherhood_week", 2027, "2027-10-01", "2027-10-07"),
        ("nutrition_week", 2027, "2027-10-16", "2027-10-23"),
        ("world_amr_awareness_week", 2027, "2027-11-18", "2027-11-24"),
        ("hiv_action_month", 2027, "2027-11-10", "2027-12-10"),
        ("population_action_month", 2028, "2028-12-01", "2028-12-31"),
        ("vietnam_elderly_day", 2027, "2027-06-06", "2027-06-06"),
        ("international_epidemic_preparedness_day", 2027, "2027-12-27", "2027-12-27"),
    ],
)
def test_official_dates(observance_id, year, start, end):
    assert get_observance(observance_id).occurrence(year) == (
        date.fromisoformat(start),
        date.fromisoformat(end),
    )


@pytest.mark.parametrize(
    ("observance_id", "year", "count"),
    [
        ("vietnam_doctors_day", 2026, 71),
        ("vietnam_doctors_day", 2027, 72),
        ("vietnam_population_day", 2026, 65),
        ("international_epidemic_preparedness_day", 2026, 70),  # preventive medicine, 1956
        ("world_tb_day", 2026, None),
        ("vietnam_doctors_day", 1956, 1),
        ("vietnam_doctors_day", 1955, None),  # the founding year itself is no anniversary
        ("vietnam_doctors_day", 1900, None),
    ],
)
def test_anniversary_counts(observance_id, year, count):
    assert anniversary_count(get_observance(observance_id), year) == count


def test_occurrences_of_a_window_keep_what_overlaps_it_in_date_order():
    found = occurrences((date(2027, 5, 10), date(2027, 5, 12)))
    assert [o.id for o in found] == [
        "food_safety_action_month",
        "occupational_safety_month",
        "international_nurses_day",
    ]
    year = occurrences(2027)
    assert len(year) == 65 and [o.start for o in year] == sorted(o.start for o in year)
