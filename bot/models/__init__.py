"""All tables; importing this package registers every model on SQLModel.metadata."""

from bot.models import core, faq, news, outbox, screening, security, staff, survey, zalo  # noqa: F401
from bot.models.core import (
    AuditLog,
    DialogueStateRow,
    KeyValue,
    Subscriber,
    SubscriberTopic,
    WebMessage,
)
from bot.models.outbox import Broadcast, OutboxMessage

__all__ = [
    "AuditLog",
    "Broadcast",
    "DialogueStateRow",
    "KeyValue",
    "OutboxMessage",
    "Subscriber",
    "SubscriberTopic",
    "WebMessage",
]
