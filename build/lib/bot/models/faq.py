"""FAQ tables: the question log staff review, and questions handed to staff.

The log keeps what was asked and what the bot did, never who asked. Whom to answer
lives only in the hand-off row, created when the resident presses "hỏi cán bộ y tế".
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from bot.models.types import utc_field


class FaqQuestion(SQLModel, table=True):
    """One question asked in chat, with the topic and score the bot chose."""

    __tablename__ = "faq_question"

    id: int | None = Field(default=None, primary_key=True)
    asked_at: datetime = utc_field(index=True)
    language: str = Field(default="vi", max_length=8)
    text: str
    # The answered topic; None when the bot did not answer.
    topic: str | None = Field(default=None, max_length=64, index=True)
    score: float = 0.0
    # answered | unsure | off_topic | emergency
    outcome: str = Field(max_length=16, index=True)
    # The topic the resident then picked from the suggestions, if any.
    chosen_topic: str | None = Field(default=None, max_length=64)


class FaqHandoff(SQLModel, table=True):
    """A question a resident asked station staff to answer."""

    __tablename__ = "faq_handoff"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = utc_field(index=True)
    channel: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    language: str = Field(default="vi", max_length=8)
    text: str
    # open | answered | closed
    status: str = Field(default="open", max_length=16, index=True)
    answer: str | None = None
    answered_by: str | None = Field(default=None, max_length=96)
    answered_at: datetime | None = utc_field(nullable=True)
