"""The `loaphuong` command as a shell user meets it: Vietnamese usage errors, quiet pipes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.cli import main


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["frob"], "không có lựa chọn 'frob'"),
        (["calendar", "--yaer", "2027"], "không hiểu tham số: --yaer"),
        (["screening", "session", "add"], "thiếu tham số: --date"),
        (["broadcast", "send", "--text", "x", "--file", "y"], "--file không dùng cùng --text"),
        (["broadcast", "send"], "cần một trong các tham số: --text --file"),
        (["news", "add", "--title", "x", "--summary", "y", "--date", "31/11/2026"], "ngày"),
    ],
)
def test_usage_mistakes_read_in_vietnamese(capsys, argv, words):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert words in error and "cách dùng: loaphuong" in error
    assert "usage:" not in error and "invalid choice" not in error and "argument" not in error


def test_a_reader_that_leaves_early_gets_no_traceback():
    """`loaphuong calendar … | head -1`: the pipe closes long before the output ends."""
    command = [
        sys.executable,
        "-m",
        "bot",
        "calendar",
        "--from",
        "2000-01-01",
        "--to",
        "2100-12-31",
    ]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    child.stdout.readline()
    child.stdout.close()
    errors = child.stderr.read().decode()
    assert child.wait(timeout=60) == 141
    assert errors == ""
