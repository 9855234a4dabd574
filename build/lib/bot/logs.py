"""Logging: one format, secrets redacted, chatty libraries quieted.

Handlers never log names or phone numbers; this filter also masks the
configured tokens (and the database password), which HTTP client libraries put
in request URLs and exception texts.
"""

from __future__ import annotations

import logging

from sqlalchemy.engine import make_url

from bot.config import Settings

SECRET_FIELDS = (
    "telegram_bot_token",
    "webhook_secret",
    "zalo_bot_token",
    "zalo_bot_webhook_secret",
    "zalo_oa_secret_key",
    "zalo_oa_app_secret",
    "zalo_oa_access_token",
    "zalo_oa_refresh_token",
)


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        record.msg, record.args = self.mask(record.getMessage()), None
        # A traceback quotes what the code held: a token in a URL, in an error message.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def secrets_of(settings: Settings) -> list[str]:
    """Every configured secret: tokens, webhook secrets, the database password."""
    return [getattr(settings, f) for f in SECRET_FIELDS] + [
        make_url(settings.database_url).password or ""
    ]


def setup_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets_of(settings)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    # bm25s sets its own logger to DEBUG and announces every index it builds.
    for noisy in ("httpx", "httpcore", "apscheduler.executors", "aiohttp.access", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # At DEBUG these would print SQL parameters or whole Bot API payloads: residents'
    # names and phone numbers.
    for private_logger in ("sqlalchemy", "aiosqlite", "asyncpg", "alembic", "telegram"):
        logging.getLogger(private_logger).setLevel(logging.WARNING)
