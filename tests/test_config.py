"""Invalid configuration fails at start with one line naming the variable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.app import build_channels
from bot.config import ConfigError, load_settings
from bot.db import Database


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


TELEGRAM_TOKEN = "123456789:AAFakeTokenForLocalTestsOnly_abcdefgh"
ZALO_BOT_TOKEN = "1234567890:zalo-bot-token-for-tests"


@pytest.mark.parametrize(
    ("configured", "channels"),
    [
        ({}, {"web"}),
        ({"telegram_bot_token": TELEGRAM_TOKEN}, {"web", "telegram"}),
        ({"zalo_bot_token": ZALO_BOT_TOKEN}, {"web", "zalo_bot"}),
        ({"zalo_oa_app_id": "123"}, {"web"}),  # an app id alone cannot sign in
        (
            {"zalo_oa_app_id": "123", "zalo_oa_secret_key": "k", "zalo_oa_refresh_token": "r"},
            {"web", "zalo_oa"},
        ),
    ],
)
def test_channels_follow_the_configuration(tmp_path, configured, channels):
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", _env_file=None, **configured
    )
    assert set(build_channels(settings, Database(settings.database_url))) == channels
