"""Staff accounts (dashboard login, chat identity) and the staff side of the station."""

from __future__ import annotations

from datetime import datetime

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
