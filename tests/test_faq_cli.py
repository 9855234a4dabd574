"""`loaphuong faq ask|unanswered` and `loaphuong bench faq` — the contracts evaluations use."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect

from bot.cli import main
from bot.db import Database
from bot.faq import get_index
from bot.faq.log import log_question


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    assert main(list(argv)) == 0
    return capsys.readouterr().out.splitlines()


def test_ask_json_prints_one_line_with_id_score_answer(capsys):
    [line] = run_cli(capsys, "faq", "ask", "--json", "kham sang loc co mat tien ko")
    record = json.loads(line)
    assert list(record) == ["id", "score", "answer", "lang", "advice"]
    assert (record["id"], record["lang"], record["advice"]) == ("screening.cost", "vi", False)
    assert isinstance(record["score"], float) and "miễn phí" in record["answer"]


def test_ask_answers_english_in_english_and_hands_off_a_lab_value(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("is the screening free\nmen gan 90 co sao ko\n"))
    [english, lab] = run_cli(capsys, "faq", "ask", "--json", "-")
    assert json.loads(english)["lang"] == "en" and "free" in json.loads(english)["answer"]
    assert json.loads(lab) | {"score": 0} == {
        "id": None,
        "score": 0,
        "answer": None,
        "lang": "vi",
        "advice": True,
    }


def test_ask_json_null_for_out_of_scope(capsys):
    [line] = run_cli(capsys, "faq", "ask", "--json", "giá vàng hôm nay bao nhiêu")
    record = json.loads(line)
    assert record["id"] is None and record["answer"] is None


def test_ask_stdin_answers_every_line_in_order(capsys, monkeypatch):
    questions = ["giờ mở cửa trạm y tế", "xổ số hôm nay", "", "bi cho can"] * 25
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(questions) + "\n"))
    lines = run_cli(capsys, "faq", "ask", "--json", "-")
    ids = [json.loads(line)["id"] for line in lines]
    assert ids == ["station.hours", None, None, "rabies.bite"] * 25


def test_ask_without_json_is_readable(capsys):
    out = "\n".join(run_cli(capsys, "faq", "ask", "ai được khám miễn phí"))
    assert "[screening.eligibility]" in out and "người yếu thế" in out


LOAPHUONG = [sys.executable, "-c", "from bot.cli import main; raise SystemExit(main())"]


def test_console_script_reads_stdin():
    done = subprocess.run(
        [*LOAPHUONG, "faq", "ask", "--json", "-"],
        input="giờ mở cửa trạm y tế\nthời tiết hôm nay\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in records] == ["station.hours", None]


async def test_unanswered_lists_only_unanswered_questions_without_identity(
    capsys, database: Database, db_url: str, monkeypatch
):
    index = get_index("vi")
    questions = ("giờ mở cửa trạm y tế", "con nhà tôi hay khóc đêm, gọi 0912 345 678", "giá vàng")
    for text in questions:
        await log_question(database.engine, text, "vi", index.ask(text))
    monkeypatch.setenv("DATABASE_URL", db_url)
    from bot.config import get_settings

    get_settings.cache_clear()
    try:
        lines = await _in_thread(capsys, "faq", "unanswered", "--json")
        table = await _in_thread(capsys, "faq", "unanswered")
    finally:
        get_settings.cache_clear()
    records = [json.loads(line) for line in lines]
    assert {r["text"]: r["outcome"] for r in records} == {
        "con nhà tôi hay khóc đêm, gọi [số điện thoại]": "unsure",
        "giá vàng": "off_topic",
    }
    # For staff: the station's clock (UTC+7) and Vietnamese words.
    asked = datetime.fromisoformat(records[0]["asked_at"]).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert table[0].startswith(f"{asked:%d/%m %H:%M}  vi  ")
    assert any("ngoài phạm vi" in line and "giá vàng" in line for line in table)
    assert not any("off_topic" in line or "+00:00" in line for line in table)


async def test_the_question_log_table_has_no_column_for_who_asked(database: Database):
    async with database.sessions() as session:
        connection = await session.connection()
        found = await connection.run_sync(lambda c: inspect(c).get_columns("faq_question"))
    columns = {column["name"] for column in found}
    assert {"text", "topic", "score", "outcome"} <= columns  # the migrated table, not a model
    assert not columns & {"user_id", "chat_id", "channel", "phone", "name", "subscriber_id"}


async def _in_thread(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    import asyncio

    assert await asyncio.to_thread(main, list(argv)) == 0
    return capsys.readouterr().out.splitlines()


def test_bench_faq_prints_latency_figures(capsys):
    [line] = run_cli(capsys, "bench", "faq", "--json", "--entries", "120", "--queries", "200")
    figures = json.loads(line)
    assert list(figures) == [
        "bench", "entries", "documents", "queries", "typo_queries", "build_s", "build_cpu_s",
        "p50_ms", "p99_ms", "mean_ms", "typo_p50_ms", "typo_p99_ms", "cpu_p50_ms", "cpu_p99_ms",
    ]  # fmt: skip
    assert figures["bench"] == "faq" and figures["entries"] == 120
    assert figures["queries"] == 200 and 0 < figures["typo_queries"] < 200
    assert 0 < figures["p50_ms"] <= figures["p99_ms"]
    assert 0 < figures["typo_p50_ms"] <= figures["typo_p99_ms"]
    assert 0 < figures["cpu_p50_ms"] <= figures["cpu_p99_ms"]
    # Lenient: speed is the benchmark's job, not a unit test's.
    assert figures["build_cpu_s"] > 0 and 0 < figures["build_s"] < 10


def test_bench_faq_eval_reports_each_set_asked(capsys, tmp_path):
    (tmp_path / "faq_eval.tsv").write_text(
        "question\texpected_id\ngiờ mở cửa trạm y tế\tstation.hours\ngiá vàng hôm nay\tOOS\n",
        encoding="utf-8",
    )
    [line] = run_cli(
        capsys, "bench", "faq-eval", "--json", "--no-loo", "--data", str(tmp_path),
        "--sets", "eval,blind",
    )  # fmt: skip
    figures = json.loads(line)
    assert figures["blind"] == "missing"
    assert figures["eval"]["top1_in_scope"] == 1.0 and figures["eval"]["oos_answered"] == 0
