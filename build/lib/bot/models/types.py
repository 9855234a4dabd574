"""Column types shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, whatever the database keeps.

    SQLite drops time zones; storing naive UTC and re-attaching UTC on the way
    out keeps comparisons right on both SQLite and PostgreSQL.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc_field(*, nullable: bool = False, index: bool = False, default_now: bool = True) -> Any:
    """A SQLModel field holding an aware UTC datetime."""
    return Field(
        default_factory=utcnow if default_now and not nullable else None,
        sa_column=Column(UtcDateTime(), nullable=nullable, index=index),
    )


# A record number as staff type it, a button carries it or a URL holds it: more digits than
# this cannot be a row (PostgreSQL's INTEGER ends at 2,147,483,647), so a longer one is
# "not found", never an overflow. A regular expression, for route patterns too.
ROW_ID = "[0-9]{1,9}"
