"""Broadcasts and the durable outbox: one row per (broadcast, recipient).

Row life: pending → sending (claimed, with a lease) → sent | blocked | failed |
outside_window; pending → cancelled | expired (past `not_after`). A crashed sender's rows go back to pending
when their lease expires (and `in_doubt` counts the possible duplicate).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint, desc
from sqlmodel import Field, SQLModel

from bot.models.types import utc_field


class BroadcastKind(StrEnum):
    """What a broadcast is for (reports count, and the dashboard names, each kind)."""

    STAFF = "staff"
    ALERT = "alert"
    OBSERVANCE = "observance"
    NEWS = "news"  # the weekly and monthly digests
    NEWS_DAILY = "news_daily"
    SCREENING = "screening"
    RUMOR_REPLY = "rumor_reply"
    FAQ_REPLY = "faq_reply"
    STAFF_SUMMARY = "staff_summary"  # the morning list of what waits for staff
    SURVEY = "survey"  # the one invitation per survey
    BENCH = "bench"  # load benchmarks' own, in their throwaway databases


class BroadcastStatus(StrEnum):
    QUEUED = "queued"
    CANCELLED = "cancelled"


class Broadcast(SQLModel, table=True):
    """One message to many recipients. `key` makes creation idempotent
    (e.g. "observances:2027-04-07"): a second create with the same key is a no-op."""

    id: int | None = Field(default=None, primary_key=True)
    key: str | None = Field(default=None, max_length=128, unique=True)
    kind: str = Field(default=BroadcastKind.STAFF, max_length=32, index=True)
    title: str = Field(default="", max_length=200)
    text: str
    text_en: str | None = None
    # An image sent with the first part (a file id or URL the channel understands).
    photo: str | None = Field(default=None, max_length=500)
    audience: str = Field(default="{}")
    urgent: bool = False
    created_by: str = Field(default="system", max_length=96)
    created_at: datetime = utc_field()
    not_before: datetime = utc_field()
    spread_seconds: int = 0
    status: str = Field(default=BroadcastStatus.QUEUED, max_length=16, index=True)


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "subscriber_id", name="uq_outbox_recipient"),
        # Matches the claim's ORDER BY exactly, so claiming never sorts the backlog.
        Index("ix_outbox_ready", "status", "channel", desc("priority"), "not_before", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(foreign_key="broadcast.id", index=True)
    # Cut (None) when the resident erases their data: the row stays, so counts survive.
    subscriber_id: int | None = Field(
        default=None, foreign_key="subscriber.id", index=True, ondelete="SET NULL"
    )
    channel: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    # private | group: groups are paced far slower (20/min on Telegram).
    kind: str = Field(default="private", max_length=8)
    # Higher first: urgent alerts overtake routine rows already queued.
    priority: int = 0
    status: str = Field(default="pending", max_length=16)
    not_before: datetime = utc_field()
    # A dated message (today's observance) is not worth sending after this: it expires.
    not_after: datetime | None = utc_field(nullable=True)
    lease_until: datetime | None = utc_field(nullable=True)
    # Transient failures so far (429s and migrations do not count).
    attempts: int = 0
    # Parts of a split text already delivered, so a retry resumes after them.
    parts_sent: int = 0
    # Times a lease expired on this row: each may have been a send in flight (a duplicate).
    in_doubt: int = 0
    # Per-recipient text (e.g. only the observances this resident chose); None = broadcast text.
    text: str | None = None
    # A reply's buttons, JSON [[text, data], …], shown with its last part; None for broadcasts.
    buttons: str | None = None
    platform_message_id: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = utc_field(nullable=True)
