"""Logging: one format, secrets redacted, chatty libraries quieted.

Handlers never log names or phone numbers; this filter also masks the
configured tokens, which HTTP client libraries put in request URLs.
"""

from __future__ import annotations

import logging

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
        if self._secrets:
            message = record.getMessage()
            for secret in self._secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


def setup_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets([getattr(settings, f) for f in SECRET_FIELDS]))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    # bm25s sets its own logger to DEBUG and announces every index it builds.
    for noisy in ("httpx", "httpcore", "apscheduler.executors", "aiohttp.access", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # At DEBUG these would print SQL parameters: residents' names and phone numbers.
    for database_logger in ("sqlalchemy", "aiosqlite", "asyncpg", "alembic"):
        logging.getLogger(database_logger).setLevel(logging.WARNING)
