"""Settings from environment variables (and an optional `.env` file).

Every variable is documented in README.md. A wrong value stops the bot at start
with one line naming the variable.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

TELEGRAM_TOKEN_PATTERN = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$")
SUPPORTED_DATABASES = ("sqlite+aiosqlite", "postgresql+asyncpg")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# The channel names STAFF_IDS may use (bot/channels/*: each adapter's `name`). Not "web":
# a browser names itself, so web chat staff are the accounts signed in at /admin.
CHANNELS = ("telegram", "zalo_bot", "zalo_oa")


class ConfigError(Exception):
    """Invalid configuration; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///loaphuong.db"
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=1, le=65535)
    # The address residents reach the web server at (forward-kit links); default: WEB_HOST:WEB_PORT.
    public_url: str = ""
    # Cookies only over HTTPS (the Secure flag). Unset: on whenever PUBLIC_URL is https://.
    secure_cookies: bool | None = None
    # Bearer token for /api/integration/* (a kiosk, another site); unset = route refused.
    web_api_token: str = ""
    # New web chats one network address may start per hour (0 = no limit). Behind a reverse
    # proxy every visitor shares its address: raise it, or 0 and limit at the proxy.
    web_new_chats_per_hour: int = Field(default=30, ge=0)
    # Seconds a connection may go without a complete request head (a new one, a half-sent
    # one, an idle keep-alive one) before the web server closes it.
    web_idle_timeout: float = Field(default=10, gt=0)
    timezone: str = "Asia/Ho_Chi_Minh"
    log_level: str = "INFO"

    telegram_bot_token: str = ""
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    webhook_url: str = ""
    # Checked even when unset: a webhook without it refuses every update Telegram sends.
    webhook_secret: str = Field(default="", validate_default=True)

    # Zalo Bot Platform (Telegram-like API) and Zalo Official Account.
    zalo_bot_token: str = ""
    zalo_bot_api_base_url: str = "https://bot-api.zaloplatforms.com/bot"
    zalo_bot_webhook_url: str = ""
    zalo_bot_webhook_secret: str = Field(default="", validate_default=True)
    zalo_oa_app_id: str = ""
    zalo_oa_secret_key: str = ""
    zalo_oa_app_secret: str = ""
    zalo_oa_access_token: str = ""
    zalo_oa_refresh_token: str = ""
    zalo_oa_api_base_url: str = "https://openapi.zalo.me"
    zalo_oa_oauth_base_url: str = "https://oauth.zaloapp.com"

    # "telegram:12345,web:staff-1" — who may use staff commands in chat.
    staff_ids: str = ""
    # Urgent alerts need a second staff member's approval before they go out.
    urgent_needs_second_approval: bool = True

    # Scheduled outreach: send hour and quiet hours, local time (TIMEZONE).
    send_hour: int = Field(default=8, ge=0, le=23)
    quiet_start: int = Field(default=21, ge=0, le=23)
    quiet_end: int = Field(default=7, ge=0, le=23)

    # Delivery pacing (Telegram's documented limits by default).
    telegram_rate_per_second: float = Field(default=30, gt=0, le=1000)
    telegram_private_per_second: float = Field(default=1, gt=0)
    telegram_group_per_minute: float = Field(default=20, gt=0)
    zalo_rate_per_second: float = Field(default=10, gt=0)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"không đọc được URL ({exc})") from exc
        if url.drivername not in SUPPORTED_DATABASES:
            raise ValueError(
                f"driver '{url.drivername}' không hỗ trợ; dùng {' hoặc '.join(SUPPORTED_DATABASES)}"
            )
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            _check_sqlite_folder(Path(url.database).absolute().parent)
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: str) -> str:
        if value and not TELEGRAM_TOKEN_PATTERN.match(value):
            raise ValueError("token không đúng dạng '123456:ABC…' mà BotFather cấp")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"múi giờ '{value}' không tồn tại") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(
                f"'{value}' không phải mức log; dùng một trong {', '.join(LOG_LEVELS)}"
            )
        return value.upper()

    @field_validator("telegram_api_base_url")
    @classmethod
    def _http_base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"phải là địa chỉ http:// hoặc https:// (đang là {value!r})")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _https_webhook(cls, value: str) -> str:
        if value and not value.startswith("https://"):
            raise ValueError("Telegram chỉ gửi tin tới địa chỉ https://; sửa lại địa chỉ webhook")
        return value

    @field_validator("webhook_secret", "zalo_bot_webhook_secret")
    @classmethod
    def _secret_with_its_webhook(cls, value: str, info: ValidationInfo) -> str:
        url_field = str(info.field_name).replace("_secret", "_url")
        if info.data.get(url_field) and not value:
            raise ValueError(
                f"bắt buộc khi đặt {url_field.upper()}: thiếu nó, mọi tin gửi tới webhook bị từ chối"
            )
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: str) -> str:
        # Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and -.
        if value and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
            raise ValueError("chỉ dùng chữ, số, '_' và '-' (tối đa 256 ký tự)")
        return value

    @field_validator("staff_ids")
    @classmethod
    def _staff_ids_shape(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            channel, _, user_id = item.partition(":")
            if channel == "web":
                raise ValueError(
                    f"'{item}': web chat không có đăng nhập nên không cấp quyền theo mã; "
                    "cán bộ dùng web chat thì đăng nhập /admin (loaphuong staff add)"
                )
            if channel not in CHANNELS or not user_id.strip():
                raise ValueError(
                    f"'{item}' phải có dạng kênh:mã, kênh là {', '.join(CHANNELS)}; "
                    "nhiều mục cách nhau bằng dấu phẩy, ví dụ telegram:12345,zalo_bot:abc"
                )
        return value

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.web_host}:{self.web_port}").rstrip("/")

    @property
    def cookies_secure(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return self.public_url.startswith("https://")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def staff_ids_for(self, channel: str) -> set[str]:
        """The chat user ids configured as staff for one channel."""
        ids = set()
        for item in self.staff_ids.split(","):
            name, _, user_id = item.strip().partition(":")
            if user_id and name == channel:
                ids.add(user_id)
        return ids


def _check_sqlite_folder(folder: Path) -> None:
    # SQLite creates the file (and its -wal, -shm files) there; checked here, the staff
    # read which folder, instead of a driver's "unable to open database file".
    if not folder.is_dir():
        raise ValueError(f"thư mục {folder} không tồn tại; tạo thư mục hoặc sửa đường dẫn")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"không có quyền ghi vào thư mục {folder}")


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning validation errors into one clear ConfigError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        variable = str(error["loc"][0]).upper() if error["loc"] else "?"
        message = _vietnamese(error)
        raise ConfigError(f"cấu hình sai: {variable}: {message}") from None


# Pydantic's wording for the checks Settings uses, in the staff's language.
_MESSAGES = {
    "greater_than": "phải lớn hơn {gt}",
    "greater_than_equal": "phải từ {ge} trở lên",
    "less_than": "phải nhỏ hơn {lt}",
    "less_than_equal": "phải không quá {le}",
    "int_parsing": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "float_parsing": "phải là số",
    "bool_parsing": "phải là true hoặc false",
}


def _vietnamese(error: Any) -> str:
    template = _MESSAGES.get(error["type"])
    if template is None:
        return str(error["msg"]).removeprefix("Value error, ")
    return f"{template.format(**error.get('ctx', {}))} (đang là {error['input']!r})"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
