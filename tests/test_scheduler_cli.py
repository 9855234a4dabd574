"""`loaphuong schedule` (what will go out, to how many) and `loaphuong bench plan`."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.scheduling.run import run_due
from tests.helpers import cli_runner
from tests.test_scheduler_run import add_subscriber

APRIL_7_MORNING = datetime(2027, 4, 7, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


async def test_schedule_counts_recipients_by_topic_and_shows_what_is_queued(
    database, db_url, monkeypatch, capsys
):
    await add_subscriber(database, "a", ["chung"])
    await add_subscriber(database, "b", ["chung", "tre_em"])
    await add_subscriber(database, "c", ["tre_em"])
    run = cli_runner(monkeypatch, capsys, db_url)

    code, out, _ = run("schedule", "--from", "2027-04-01", "--days", "10", "--json")
    assert code == 0
    by_date = {record["date"]: record for record in json.loads(out)}
    assert list(by_date) == ["2027-04-02", "2027-04-07"]
    april_7 = by_date["2027-04-07"]
    assert april_7["time"] == "08:00" and april_7["kind"] == "first_day"
    assert len(april_7["observances"]) == 3 and "Ngày Sức khỏe thế giới" in april_7["names"]
    assert (april_7["recipients"], april_7["queued"]) == (2, None)
    assert by_date["2027-04-02"]["recipients"] == 3  # autism awareness day: tre_em

    await run_due(APRIL_7_MORNING, database)
    code, out, _ = run("schedule", "--from", "2027-04-07", "--days", "1", "--json")
    assert [record["queued"] for record in json.loads(out)] == [2]

    code, out, _ = run("schedule", "--from", "2027-04-28", "--days", "5")
    assert code == 0
    assert "Thứ Năm, 29/04   08:00  ngày đầu" in out
    assert "nhắc lại" in out and "(đến 15/05)" in out


def test_schedule_refuses_a_day_count_out_of_range(capsys):
    assert main(["schedule", "--days", "0"]) == 2
    assert "--days" in capsys.readouterr().err


# aiosqlite's worker thread of the connection that failed to open later reports to the
# closed event loop (omnilib/aiosqlite#241): noise from the library, not from the command.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_an_unreachable_database_is_named_not_a_traceback(monkeypatch, capsys, tmp_path):
    (tmp_path / "x.db").mkdir()  # a folder where the database file should be
    run = cli_runner(monkeypatch, capsys, f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    code, out, err = run("schedule", "--days", "3")
    assert (code, out) == (2, "")
    assert err.startswith("loaphuong: không mở được cơ sở dữ liệu sqlite+aiosqlite:///")
    assert "DATABASE_URL" in err and "Traceback" not in err


def test_bench_plan_prints_one_line_of_figures(capsys):
    assert main(["bench", "plan", "--subscribers", "300", "--json"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    figures = json.loads(line)
    assert figures["subscribers"] == 300 and figures["sends"] > 60
    # Texts are composed per distinct choice of topics and language, then handed to each.
    assert 0 < figures["distinct_choices"] < 300
    assert 0 < figures["busiest_day_recipients"] <= 300 < figures["messages"]
    assert 0 < figures["plan_s"] <= figures["total_s"]
