"""Health news points (điểm tin y tế) and the neighbourhood volunteers who pass them on."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from bot.models.types import utc_field


class NewsItem(SQLModel, table=True):
    """One news point: a title, a 1–3 sentence summary, for some topics and tổ (JSON lists;
    empty = everyone). It goes out in the digests whose period holds `day`."""

    __tablename__ = "news_item"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)
    title: str = Field(max_length=200)
    summary: str
    title_en: str | None = Field(default=None, max_length=200)
    summary_en: str | None = None
    link: str | None = Field(default=None, max_length=500)
    topics: str = Field(default="[]")
    areas: str = Field(default="[]")
    source: str = Field(default="", max_length=200)
    created_by: str = Field(default="system", max_length=96)
    created_at: datetime = utc_field()


class Volunteer(SQLModel, table=True):
    """A neighbourhood communication volunteer (cộng tác viên, "3C"): a subscriber who gets
    the weekly digest to pass on, with the count of subscribers in their tổ."""

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(
        foreign_key="subscriber.id", unique=True, index=True, ondelete="CASCADE"
    )
    area: str = Field(max_length=64)
    added_by: str = Field(default="system", max_length=96)
    created_at: datetime = utc_field()
