"""Invalid configuration fails at start with one line naming the variable: a wrong value,
or a database, Bot API server or web port that cannot be reached with the values given."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable

import pytest

from bot.app import LoaPhuong, build_channels
from bot.config import ConfigError, Settings, load_settings
from bot.db import Database
from bot.fakes.processes import free_port
from bot.fakes.telegram_server import FakeTelegramServer


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("database_url", "mysql://x/y", "driver 'mysql' không hỗ trợ"),
        ("database_url", "not a url at all", "DATABASE_URL"),
        ("database_url", "sqlite+aiosqlite:////nonexistent/dir/bot.db", "/nonexistent/dir"),
        ("telegram_bot_token", "abc", "token không đúng dạng"),
        ("timezone", "Mars/Olympus", "Mars/Olympus"),
        ("web_port", "99999", "phải không quá 65535 (đang là '99999')"),
        ("quiet_start", "abc", "phải là số nguyên (đang là 'abc')"),
        ("urgent_needs_second_approval", "maybe", "phải là true hoặc false"),
        ("telegram_rate_per_second", "0", "phải lớn hơn 0"),
        ("webhook_secret", "có dấu", "WEBHOOK_SECRET"),
        ("webhook_url", "http://loa.example.vn/telegram/webhook", "https://"),
        ("log_level", "LOUD", "'LOUD' không phải mức log"),
        ("staff_ids", "12345", "kênh:mã"),
        ("staff_ids", "a;b", "kênh:mã"),
        ("staff_ids", "telegram:1,sms:0912345678", "'sms:0912345678'"),
        ("staff_ids", "telegram:1,web:staff-1", "đăng nhập /admin"),
        ("telegram_api_base_url", "127.0.0.1:9000/bot", "http://"),
    ],
)
def test_bad_value_names_the_variable_in_vietnamese(variable, value, says):
    with pytest.raises(ConfigError) as error:
        load_settings(**{variable: value}, _env_file=None)
    assert str(error.value).startswith(f"cấu hình sai: {variable.upper()}: ")
    assert says in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("webhook", ["webhook", "zalo_bot_webhook"])
def test_a_webhook_without_its_secret_is_refused(webhook):
    # Without the secret every update would be refused: a silent outage.
    with pytest.raises(ConfigError) as error:
        load_settings(**{f"{webhook}_url": "https://loa.example.vn/hook"}, _env_file=None)
    expected = f"cấu hình sai: {webhook.upper()}_SECRET: bắt buộc khi đặt {webhook.upper()}_URL"
    assert str(error.value).startswith(expected)


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
    settings = load_settings(staff_ids="telegram:1, zalo_bot:a ,telegram:2", _env_file=None)
    assert settings.staff_ids_for("telegram") == {"1", "2"}
    assert settings.staff_ids_for("zalo_bot") == {"a"}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TELEGRAM_BOT_TOKEN", "nope"),
        ("DATABASE_URL", f"postgresql+asyncpg://loa@127.0.0.1:{free_port()}/loa"),
    ],
    ids=["token", "database"],  # the port is random: ids must not carry it
)
def test_run_with_a_bad_value_prints_one_line_and_exits_2(tmp_path, variable, value):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env={variable: value, "WEB_PORT": str(free_port()), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert variable in result.stderr


OTHER_BOTS_TOKEN = "987654321:AAAnotherBotsTokenNotOurs_abcdefgh"
OUR_TOKEN = "123456789:AAFakeTokenForLocalTestsOnly_abcdefgh"


def database_at(url: str) -> Callable[[str], dict[str, str]]:
    return lambda _fake_api: {"database_url": url}


def telegram(token: str, api: str | None = None) -> Callable[[str], dict[str, str]]:
    return lambda fake_api: {"telegram_bot_token": token, "telegram_api_base_url": api or fake_api}


# what is configured → the variable the one line must name
UNREACHABLE = [
    (
        database_at(f"postgresql+asyncpg://loa:mat-khau-bi-mat@127.0.0.1:{free_port()}/loa"),
        "DATABASE_URL",
    ),
    (telegram(OUR_TOKEN), "TELEGRAM_BOT_TOKEN"),  # the fake Bot API knows another bot
    (telegram(OUR_TOKEN, f"http://127.0.0.1:{free_port()}/bot"), "TELEGRAM_API_BASE_URL"),
]


@pytest.mark.parametrize(("configure", "variable"), UNREACHABLE, ids=range(len(UNREACHABLE)))
async def test_what_cannot_be_reached_is_named_at_start(tmp_path, configure, variable):
    api = FakeTelegramServer(token=OTHER_BOTS_TOKEN)
    overrides = {"database_url": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"}
    overrides |= configure(await api.start())
    try:
        message = await start_failure(
            load_settings(web_port=free_port(), _env_file=None, **overrides)
        )
    finally:
        await api.stop()
    assert message.startswith(f"cấu hình sai: {variable}: ") and "\n" not in message
    assert "mat-khau-bi-mat" not in message and OUR_TOKEN.split(":")[1] not in message


async def test_a_web_port_in_use_is_named_at_start(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        database_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        settings = load_settings(database_url=database_url, web_port=port, _env_file=None)
        message = await start_failure(settings)
    assert message.startswith("cấu hình sai: WEB_HOST/WEB_PORT: ") and str(port) in message


async def start_failure(settings: Settings) -> str:
    app = LoaPhuong(settings)
    try:
        with pytest.raises(ConfigError) as error:
            await app.start()
    finally:
        await app.stop()
    return str(error.value)


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
