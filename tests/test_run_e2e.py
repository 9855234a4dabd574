"""`loaphuong run` as a user starts it: SQLite file + web chat, no token; state survives a restart.
And CI's entry point, as CI runs it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bot.fakes.processes import free_port, post_chat, start_bot, stop, wait_for_answer

ROOT = Path(__file__).resolve().parent.parent


def test_run_answers_and_remembers_across_a_restart(tmp_path):
    port = free_port()
    bot = start_bot(tmp_path, port)
    try:
        answer, _ = wait_for_answer(port, {"user_id": "e2e", "text": "/start"})
        assert "Loa phường" in answer["replies"][0]["text"]
        post_chat(port, {"user_id": "e2e", "button": "topic:tiem_chung"})
        post_chat(port, {"user_id": "e2e", "button": "sub:done"})
    finally:
        log = stop(bot)
    assert "đang chạy" in log
    assert (tmp_path / "bot.db").exists()

    bot = start_bot(tmp_path, port)
    try:
        answer, _ = wait_for_answer(port, {"user_id": "e2e", "text": "Tổ 4"})
        assert "ngôn ngữ" in answer["replies"][0]["text"]
        answer = post_chat(port, {"user_id": "e2e", "button": "sub:topics"})
        assert "✅ Tiêm chủng" in [b["text"] for b in answer["replies"][0]["buttons"]]
    finally:
        stop(bot)


def test_ci_says_when_pytest_collected_no_tests(tmp_path):
    # The venv and the browser are taken as ready, and lint as passed: only the test step runs.
    ready = ["-o", ".venv/.installed", "-o", "browser", "RUFF=true"]
    result = subprocess.run(
        [ROOT / ".ci" / "run", *ready, f"PYTEST_ARGS={tmp_path}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "pytest collected no tests" in result.stderr
