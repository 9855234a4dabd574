"""Survey answers, kept without names: a response knows its tổ and channel (for results by
tổ and channel) and its subscriber only so the resident is not asked again, and so
/xoadulieu erases it (the subscriber's deletion cascades)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.types import utc_field


class SurveyResponse(SQLModel, table=True):
    """One resident's go at one survey: started, done, stopped half-way or declined."""

    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("survey", "subscriber_id", name="uq_survey_subscriber"),)

    id: int | None = Field(default=None, primary_key=True)
    survey: str = Field(max_length=16, index=True)
    subscriber_id: int | None = Field(
        default=None, foreign_key="subscriber.id", index=True, ondelete="CASCADE"
    )
    status: str = Field(default="started", max_length=8)
    channel: str = Field(max_length=16)
    area: str | None = Field(default=None, max_length=64)
    created_at: datetime = utc_field()
    finished_at: datetime | None = utc_field(nullable=True)


class SurveyAnswer(SQLModel, table=True):
    """One chosen option (or the "Khác" text) of one question."""

    __tablename__ = "survey_answer"

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="survey_response.id", index=True, ondelete="CASCADE")
    question: str = Field(max_length=16)
    choice: str = Field(max_length=16)
    text: str | None = Field(default=None, max_length=300)
