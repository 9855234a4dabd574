"""Invalid configuration fails at start with one line naming the variable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.config import ConfigError, load_settings


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("database_url", "mysql://x/y", "driver 'mysql' không hỗ trợ"),
        ("database_url", "not a url at all", "DATABASE_URL"),
        ("telegram_bot_token", "abc", "token không đúng dạng"),
        ("timezone", "Mars/Olympus", "Mars/Olympus"),
        ("web_port", "99999", "phải không quá 65535 (đang là '99999')"),
        ("quiet_start", "abc", "phải là số nguyên (đang là 'abc')"),
        ("urgent_needs_second_approval", "maybe", "phải là true hoặc false"),
        ("telegram_rate_per_second", "0", "phải lớn hơn 0"),
        ("webhook_secret", "có dấu", "WEBHOOK_SECRET"),
    ],
)
def test_bad_value_names_the_variable_in_vietnamese(variable, value, says):
    with pytest.raises(ConfigError) as error:
        load_settings(**{variable: value}, _env_file=None)
    assert str(error.value).startswith(f"cấu hình sai: {variable.upper()}: ")
    assert says in str(error.value)
    assert "\n" not in str(error.value)


def test_defaults_need_no_token():
    settings = load_settings(_env_file=None)
    assert settings.database_url == "sqlite+aiosqlite:///loaphuong.db"
    assert (settings.web_host, settings.web_port, settings.timezone) == (
        "127.0.0.1",
        8080,
        "Asia/Ho_Chi_Minh",
    )
    assert settings.staff_ids_for("telegram") == set()


def test_staff_ids_are_per_channel():
    settings = load_settings(staff_ids="telegram:1, web:a ,telegram:2", _env_file=None)
    assert settings.staff_ids_for("telegram") == {"1", "2"}
    assert settings.staff_ids_for("web") == {"a"}


def test_run_with_a_bad_token_prints_one_line_and_exits_2(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env={"TELEGRAM_BOT_TOKEN": "nope", "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "TELEGRAM_BOT_TOKEN" in result.stderr


def test_help_and_version():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "run" in result.stdout
    version = subprocess.run(
        [sys.executable, "-m", "bot", "--version"], capture_output=True, text=True, timeout=60
    )
    assert version.stdout.startswith("loaphuong ")
