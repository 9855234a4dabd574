"""The consultation window, per resident: a reply is free only within FREE_WINDOW of
their last message, and this adapter sends at most FREE_REPLIES in one window."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models.zalo import ZaloOAWindow

FREE_WINDOW = timedelta(hours=48)
FREE_REPLIES = 8


async def open_window(session: AsyncSession, user_id: str, at: datetime) -> None:
    """The resident wrote: a new free window starts, with a fresh reply count."""
    await session.merge(ZaloOAWindow(user_id=user_id, last_inbound_at=at, replies_sent=0))


async def claim_reply(
    session: AsyncSession, user_id: str, now: datetime, window: timedelta, quota: int
) -> str | None:
    """Count one reply against the window; the reason it is refused, or None."""
    claimed = await session.execute(
        update(ZaloOAWindow)
        .where(
            ZaloOAWindow.user_id == user_id,
            ZaloOAWindow.last_inbound_at >= now - window,
            ZaloOAWindow.replies_sent < quota,
        )
        .values(replies_sent=ZaloOAWindow.replies_sent + 1)
    )
    if claimed.rowcount == 1:  # type: ignore[attr-defined]
        return None
    row = await session.scalar(select(ZaloOAWindow).where(ZaloOAWindow.user_id == user_id))
    hours = int(window.total_seconds() // 3600)
    if row is None:
        return "the resident has never written to the OA"
    if row.last_inbound_at < now - window:
        return f"no message from the resident in the last {hours} h"
    return f"all {quota} free replies of this {hours} h window used"


async def release_reply(session: AsyncSession, user_id: str) -> None:
    await session.execute(
        update(ZaloOAWindow)
        .where(ZaloOAWindow.user_id == user_id, ZaloOAWindow.replies_sent > 0)
        .values(replies_sent=ZaloOAWindow.replies_sent - 1)
    )
