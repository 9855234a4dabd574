"""`loaphuong calendar`: the JSON contract other tools read, the table, and --from/--to."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, tzinfo

import pytest

import bot.cli.calendar
from bot.cli import main
from bot.config import get_settings


def calendar_json(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, str]]:
    assert main(["calendar", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_lists_every_occurrence_of_the_year_with_exact_keys(capsys):
    records = calendar_json(capsys, "--year", "2027")
    assert len(records) == 65
    assert all(list(record) == ["id", "start", "end", "name"] for record in records)
    assert [r["start"] for r in records] == sorted(r["start"] for r in records)
    assert all(r["start"].startswith("2027-") and r["start"] <= r["end"] for r in records)
    by_id = {r["id"]: r for r in records}
    assert by_id["world_tb_day"] == {
        "id": "world_tb_day",
        "start": "2027-03-24",
        "end": "2027-03-24",
        "name": "Ngày Thế giới phòng, chống lao",
    }
    assert (by_id["hiv_action_month"]["start"], by_id["hiv_action_month"]["end"]) == (
        "2027-11-10",
        "2027-12-10",
    )
    assert by_id["world_asthma_day"]["start"] == "2027-05-04"


def test_json_follows_leap_years(capsys):
    records = {r["id"]: r for r in calendar_json(capsys, "--year", "2028")}
    assert records["rare_disease_day"]["start"] == "2028-02-29"


def test_from_to_narrow_to_occurrences_overlapping_the_window(capsys):
    records = calendar_json(capsys, "--year", "2027", "--from", "2027-05-10", "--to", "2027-05-12")
    assert [r["id"] for r in records] == [
        "food_safety_action_month",
        "occupational_safety_month",
        "international_nurses_day",
    ]
    # Without --year the window's own year is used.
    records = calendar_json(capsys, "--from", "2027-12-26", "--to", "2027-12-31")
    assert [r["id"] for r in records] == [
        "population_action_month",
        "vietnam_population_day",
        "international_epidemic_preparedness_day",
    ]


def test_table_is_vietnamese_by_month(capsys):
    assert main(["calendar", "--year", "2027"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Lịch ngày lễ sức khỏe năm 2027 — 65 mục")
    assert "Tháng 2/2027" in out and "Tháng 12/2027" in out
    assert "Thứ Bảy, 27/02   Ngày Thầy thuốc Việt Nam — kỷ niệm 72 năm" in out
    assert "15/04 – 15/05    Tháng hành động vì an toàn thực phẩm" in out
    assert "kỷ niệm 71 năm Hệ Y tế dự phòng Việt Nam" in out


def test_a_window_across_new_year_is_used_as_given(capsys):
    records = calendar_json(capsys, "--from", "2027-12-25", "--to", "2028-03-05")
    assert [(r["id"], r["start"]) for r in records] == [
        ("population_action_month", "2027-12-01"),
        ("vietnam_population_day", "2027-12-26"),
        ("international_epidemic_preparedness_day", "2027-12-27"),
        ("world_cancer_day", "2028-02-04"),
        ("vietnam_doctors_day", "2028-02-27"),
        ("rare_disease_day", "2028-02-29"),
    ]
    assert main(["calendar", "--from", "2027-12-25", "--to", "2028-03-05"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Lịch ngày lễ sức khỏe từ 25/12/2027 đến 05/03/2028 — 6 mục")
    assert "Tháng 12/2027" in out and "Tháng 2/2028" in out


def test_a_year_before_an_anniversary_shows_no_count(capsys):
    assert main(["calendar", "--year", "1955"]) == 0
    out = capsys.readouterr().out
    assert "Ngày Thầy thuốc Việt Nam" in out and "kỷ niệm" not in out
    assert main(["calendar", "--year", "1956"]) == 0
    assert "Ngày Thầy thuốc Việt Nam — kỷ niệm 1 năm" in capsys.readouterr().out


class NewYearsEveUtc(datetime):
    """20:00 UTC on 31/12/2026: already 1/1/2027 in Hà Nội."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        return datetime(2026, 12, 31, 20, tzinfo=UTC).astimezone(tz)


@pytest.mark.parametrize(("timezone", "year"), [("Asia/Ho_Chi_Minh", 2027), ("UTC", 2026)])
def test_this_year_is_the_configured_time_zones(monkeypatch, capsys, timezone, year):
    monkeypatch.setattr(bot.cli.calendar, "datetime", NewYearsEveUtc)
    monkeypatch.setenv("TIMEZONE", timezone)
    get_settings.cache_clear()
    try:
        assert main(["calendar"]) == 0
    finally:
        get_settings.cache_clear()
    assert capsys.readouterr().out.startswith(f"Lịch ngày lễ sức khỏe năm {year} — 65 mục")


@pytest.mark.parametrize(
    "argv",
    [
        ["--from", "2027-05-12", "--to", "2027-05-10"],
        ["--year", "2027", "--from", "2028-01-01"],
        ["--year", "2027", "--from", "2027-12-25", "--to", "2028-03-05"],
        ["--year", "0"],
    ],
)
def test_bad_windows_are_user_errors(capsys, argv):
    assert main(["calendar", *argv]) == 2
    assert capsys.readouterr().err.startswith("loaphuong: ")


def test_malformed_date_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["calendar", "--from", "31/02/2027"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "tham số --from: ngày không hợp lệ: '31/02/2027'" in err and "argument" not in err


def test_a_day_written_day_first_is_read_as_in_vietnam(capsys):
    assert main(["calendar", "--from", "10/5/2027", "--to", "31-05-2027"]) == 0
    assert "từ 10/05/2027 đến 31/05/2027" in capsys.readouterr().out


def test_command_line_prints_parseable_json():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "calendar", "--year", "2026", "--json"],
        capture_output=True,
        text=True,
        check=True,
        encoding="utf-8",
    )
    records = json.loads(result.stdout)
    assert {r["id"]: r["start"] for r in records}["world_sight_day"] == "2026-10-08"
