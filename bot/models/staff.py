"""Staff accounts (dashboard login, chat identity) and the staff side of the station."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from bot.models.types import utc_field


class StaffMember(SQLModel, table=True):
    __tablename__ = "staff_member"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    role: str = Field(default="staff", max_length=16)
    # argon2 hash; None = may use chat commands but not log in to the dashboard.
    password_hash: str | None = Field(default=None, max_length=200)
    telegram_id: str | None = Field(default=None, max_length=32, index=True)
    zalo_id: str | None = Field(default=None, max_length=64, index=True)
    created_at: datetime = utc_field()


class AlertStatus(StrEnum):
    """An alert's life; stored as these words."""

    DRAFT = "draft"
    SENT = "sent"  # approved, handed to the outbox (stopping it keeps it "sent")
    CANCELLED = "cancelled"


class Alert(SQLModel, table=True):
    """A staff alert: drafted, previewed, approved, then sent as a broadcast. Kept as the archive."""

    id: int | None = Field(default=None, primary_key=True)
    text: str
    photo: str | None = Field(default=None, max_length=300)
    # JSON: {"everyone": bool, "topics": [...], "areas": [...], "groups_only": bool}
    target: str = Field(default="{}")
    urgent: bool = False
    status: str = Field(default=AlertStatus.DRAFT, max_length=16, index=True)
    drafted_by: str = Field(max_length=96)
    approved_by: str | None = Field(default=None, max_length=96)
    broadcast_id: int | None = Field(default=None, foreign_key="broadcast.id")
    created_at: datetime = utc_field()
    sent_at: datetime | None = utc_field(nullable=True)


class Verdict(StrEnum):
    """What staff answered about a rumour report; stored as these words."""

    TRUE = "true"
    FALSE = "false"
    CHECKING = "checking"


class RumorStatus(StrEnum):
    """A rumour report's life; stored as these words."""

    NEW = "new"
    CHECKING = "checking"
    ANSWERED = "answered"


class RumorReport(SQLModel, table=True):
    """A suspicious message a resident forwarded; the reporter is told the verdict."""

    __tablename__ = "rumor_report"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=12, unique=True)
    text: str = Field(default="")
    photo: str | None = Field(default=None, max_length=300)
    # Whom to tell the verdict; cleared by /xoadulieu.
    channel: str | None = Field(default=None, max_length=16)
    chat_id: str | None = Field(default=None, max_length=64)
    status: str = Field(default=RumorStatus.NEW, max_length=16, index=True)
    verdict: str | None = Field(default=None, max_length=16)
    correction: str | None = None
    answered_by: str | None = Field(default=None, max_length=96)
    created_at: datetime = utc_field()
    answered_at: datetime | None = utc_field(nullable=True)
