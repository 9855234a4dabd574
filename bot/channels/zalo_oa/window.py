"""The consultation window, per resident: a reply is free only within FREE_WINDOW of
their last message, and this adapter sends at most FREE_REPLIES in one window. Each
reply names that last message, so Zalo counts it as a reply, not a paid proactive one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models.zalo import ZaloOAWindow

FREE_WINDOW = timedelta(hours=48)
FREE_REPLIES = 8


@dataclass(frozen=True)
class Claim:
    """One reply counted against the window (`refused` None), or why it may not go."""

    refused: str | None = None
    # The resident's message this reply answers; None after a follow, which has none.
    reply_to: str | None = None


async def open_window(
    session: AsyncSession, user_id: str, at: datetime, message_id: str | None
) -> None:
    """The resident wrote (or followed): a new free window starts, with a fresh reply count."""
    await session.merge(
        ZaloOAWindow(
            user_id=user_id, last_inbound_at=at, replies_sent=0, last_message_id=message_id
        )
    )


async def claim_reply(
    session: AsyncSession, user_id: str, now: datetime, window: timedelta, quota: int
) -> Claim:
    """Count one reply against the window."""
    claimed = (
        await session.execute(
            update(ZaloOAWindow)
            .where(
                ZaloOAWindow.user_id == user_id,
                ZaloOAWindow.last_inbound_at >= now - window,
                ZaloOAWindow.replies_sent < quota,
            )
            .values(replies_sent=ZaloOAWindow.replies_sent + 1)
            .returning(ZaloOAWindow.last_message_id)
        )
    ).first()
    if claimed is not None:
        return Claim(reply_to=claimed.last_message_id)
    row = await session.scalar(select(ZaloOAWindow).where(ZaloOAWindow.user_id == user_id))
    hours = int(window.total_seconds() // 3600)
    if row is None:
        return Claim("the resident has never written to the OA")
    if row.last_inbound_at < now - window:
        return Claim(f"no message from the resident in the last {hours} h")
    return Claim(f"all {quota} free replies of this {hours} h window used")


async def release_reply(session: AsyncSession, user_id: str) -> None:
    await session.execute(
        update(ZaloOAWindow)
        .where(ZaloOAWindow.user_id == user_id, ZaloOAWindow.replies_sent > 0)
        .values(replies_sent=ZaloOAWindow.replies_sent - 1)
    )


async def forget_closed_windows(session: AsyncSession, now: datetime) -> int:
    """Periodic job: a closed window's message id answers nothing any more; drop it."""
    result = await session.execute(
        update(ZaloOAWindow)
        .where(
            ZaloOAWindow.last_inbound_at < now - FREE_WINDOW,
            ZaloOAWindow.last_message_id.is_not(None),  # type: ignore[union-attr]
        )
        .values(last_message_id=None)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
