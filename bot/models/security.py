"""Server-side staff sessions and the counters behind login and sign-up limits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from bot.models.types import utc_field


class StaffSession(SQLModel, table=True):
    """One signed-in browser. The cookie holds a random token; only its sha256 is kept here,
    so a copy of the database signs nobody in. Deleting the row ends the session at once."""

    __tablename__ = "staff_session"

    id: str = Field(primary_key=True, max_length=64)
    staff_id: int = Field(foreign_key="staff_member.id", index=True, ondelete="CASCADE")
    # The role signed in with: a changed role ends the session (sign in again to use it).
    role: str = Field(max_length=16)
    csrf: str = Field(max_length=64)
    created_at: datetime = utc_field()
    last_seen: datetime = utc_field()
    ends_at: datetime = utc_field(default_now=False)


class ThrottleEvent(SQLModel, table=True):
    """One counted attempt (a failed login, a new web chat identity), kept for an hour or so
    and shared by every instance. `key` is a keyed hash of the name or address, never the
    address itself."""

    __tablename__ = "throttle_event"
    __table_args__ = (Index("ix_throttle_event_key", "kind", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    key: str = Field(max_length=64)
    at: datetime = utc_field(index=True)
