"""Free health screening: sessions, registrations, and the eligible-resident lists.

A round is a label ("2026-12", "Đợt 2/2026") shared by sessions; "the current round"
is every session not yet archived. Seats are counted on the session row and taken
with a guarded UPDATE, so the last seat goes to one person even under a race.
Personal fields are nullable: `/xoadulieu` blanks them and keeps the anonymous row
(group, tổ dân phố, birth year, status) that the monthly report counts.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import Column, Index, UniqueConstraint
from sqlalchemy.types import JSON
from sqlmodel import Field, SQLModel

from bot.models.types import utc_field


class ScreeningSession(SQLModel, table=True):
    __tablename__ = "screening_session"

    id: int | None = Field(default=None, primary_key=True)
    round: str = Field(max_length=64, index=True)
    day: date = Field(index=True)
    start: time
    place: str = Field(max_length=200)
    # tổ dân phố names this session serves
    areas: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    capacity: int
    seats_taken: int = 0
    archived: bool = Field(default=False, index=True)
    created_at: datetime = utc_field()


class RegistrationStatus(StrEnum):
    """A registration's life; stored as these words."""

    REGISTERED = "registered"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


class Registration(SQLModel, table=True):
    __tablename__ = "screening_registration"
    __table_args__ = (Index("ix_registration_identity", "round", "identity"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=12, unique=True)
    session_id: int = Field(foreign_key="screening_session.id", index=True)
    round: str = Field(max_length=64)
    # the chat account that registered (self or a relative); None once erased or imported
    subscriber_id: int | None = Field(
        default=None, foreign_key="subscriber.id", index=True, ondelete="SET NULL"
    )
    for_relative: bool = False
    full_name: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=16)  # normal form 0XXXXXXXXX
    birth_year: int
    groups: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    area: str = Field(max_length=64, index=True)
    # sha256 of normalised name + birth year + phone: recognises a re-registration
    identity: str | None = Field(default=None, max_length=64)
    # The imported list row this person matched (kept after erasure): coverage counts it.
    eligible_id: int | None = Field(default=None, index=True)
    status: str = Field(default=RegistrationStatus.REGISTERED, max_length=16, index=True)
    referral: str | None = None
    consent_at: datetime = utc_field()
    created_at: datetime = utc_field()
    erased_at: datetime | None = utc_field(nullable=True)


class EligibleResident(SQLModel, table=True):
    """One row of a tổ dân phố's imported list of residents eligible for free screening."""

    __tablename__ = "screening_eligible"
    __table_args__ = (UniqueConstraint("identity", name="uq_eligible_identity"),)

    id: int | None = Field(default=None, primary_key=True)
    full_name: str | None = Field(default=None, max_length=120)
    birth_year: int
    groups: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    area: str = Field(max_length=64, index=True)
    phone: str | None = Field(default=None, max_length=16, index=True)
    # sha256 of normalised name + birth year + tổ dân phố: "nobody counted twice"
    identity: str = Field(max_length=64)
    source: str = Field(default="", max_length=200)
    imported_at: datetime = utc_field()


class WaitlistEntry(SQLModel, table=True):
    """A resident who asked to be told when their tổ gets a screening session."""

    __tablename__ = "screening_waitlist"

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscriber.id", index=True, ondelete="CASCADE")
    area: str = Field(max_length=64, index=True)
    created_at: datetime = utc_field()
    invited_at: datetime | None = utc_field(nullable=True)
