"""Subscribers, their topics, dialogue state, audit log, web chat inbox, settings store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.types import utc_field


class Subscriber(SQLModel, table=True):
    """A private chat or a group that receives messages on one channel."""

    __table_args__ = (UniqueConstraint("channel", "chat_id", name="uq_subscriber_chat"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    kind: str = Field(default="private", max_length=8)
    language: str = Field(default="vi", max_length=8)
    area: str | None = Field(default=None, max_length=64, index=True)
    phone: str | None = Field(default=None, max_length=16, index=True)
    active: bool = Field(default=True, index=True)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()
    # When messages were last stopped (None while active): reports count as of a date.
    stopped_at: datetime | None = utc_field(nullable=True)
    # How often the news digest comes: daily | weekly | monthly | never. None: subscribed
    # before the digest existed, so weekly until asked once (bot/news/schedule.py).
    news_frequency: str | None = Field(default="weekly", max_length=8)


class SubscriberTopic(SQLModel, table=True):
    __tablename__ = "subscriber_topic"

    subscriber_id: int = Field(foreign_key="subscriber.id", primary_key=True, ondelete="CASCADE")
    topic: str = Field(primary_key=True, max_length=32, index=True)


class DialogueStateRow(SQLModel, table=True):
    __tablename__ = "dialogue_state"
    __table_args__ = (UniqueConstraint("channel", "chat_id", "user_id", name="uq_dialogue_key"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    step: str = Field(default="", max_length=96)
    data: str = Field(default="{}")
    updated_at: datetime = utc_field()


class AuditLog(SQLModel, table=True):
    """Who read, exported or changed personal data or sent to residents, and when."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_field(index=True)
    actor: str = Field(max_length=96)
    action: str = Field(max_length=64, index=True)
    detail: str = Field(default="")


class WebMessage(SQLModel, table=True):
    """A web chat's messages: those sent to it (role "inbox", which the page polls for), and
    the conversation itself ("me", "reply"), so the chat survives a reload."""

    __tablename__ = "web_message"

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(max_length=64, index=True)
    role: str = Field(default="inbox", max_length=8)
    text: str
    buttons: str = Field(default="[]")
    created_at: datetime = utc_field()


class KeyValue(SQLModel, table=True):
    """Small runtime values that must survive restarts (e.g. refreshed access tokens)."""

    __tablename__ = "key_value"

    key: str = Field(primary_key=True, max_length=96)
    value: str
    updated_at: datetime = utc_field()


class HandledUpdate(SQLModel, table=True):
    """A platform update already handled ("telegram:123456"), so a retry or a replay is
    recognised; rows older than a few days are pruned (platforms stop resending long before)."""

    __tablename__ = "handled_update"

    key: str = Field(primary_key=True, max_length=160)
    handled_at: datetime = utc_field(index=True)
