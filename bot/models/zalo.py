"""Zalo Official Account: the consultation window of each resident.

Zalo lets an OA answer for free only within 48 hours of the resident's last message,
and only a few messages per window; the adapter counts them here so that it refuses
what Zalo would refuse (or bill) instead of finding out per message. Replies name the
resident's last message, so that Zalo counts them as replies, not paid proactive messages;
kept here, any instance and any restart sends them so (cleared once the window closes).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from bot.models.types import utc_field


class ZaloOAWindow(SQLModel, table=True):
    __tablename__ = "zalo_oa_window"

    user_id: str = Field(primary_key=True, max_length=64)
    last_inbound_at: datetime = utc_field()
    replies_sent: int = 0
    last_message_id: str | None = Field(default=None, max_length=160)
