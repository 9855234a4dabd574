"""The screening waiting list: a resident whose tổ has no open session asks to be told.

When the station adds a session for that tổ (CLI, dashboard or import, whichever), the
periodic job `invite_waitlisted` queues one invitation per waiting resident through the
outbox, in daytime only (the station's quiet hours are kept), and marks them invited.
Deleting the resident (/xoadulieu) deletes their place on the list with them.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, tzinfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import ChatKind
from bot.i18n import translator
from bot.models.screening import WaitlistEntry
from bot.models.types import utcnow
from bot.outbox.audience import Audience
from bot.outbox.broadcasts import BroadcastRequest, create_broadcast
from bot.screening.registrations import open_sessions_for
from bot.screening.reminders import BROADCAST_KIND, EVENING_LIMIT, MORNING_REMINDER_FROM
from content.dates import format_full_date

log = logging.getLogger(__name__)


async def wait_for_session(session: AsyncSession, subscriber_id: int, area: str) -> None:
    """Put the resident on `area`'s list, once."""
    waiting = await session.scalar(
        select(WaitlistEntry.id).where(
            WaitlistEntry.subscriber_id == subscriber_id,
            WaitlistEntry.area == area,
            WaitlistEntry.invited_at.is_(None),  # type: ignore[union-attr]
        )
    )
    if waiting is None:
        session.add(WaitlistEntry(subscriber_id=subscriber_id, area=area))
        await session.commit()


async def invite_waitlisted(session: AsyncSession, now: datetime, *, tz: tzinfo) -> int:
    """Periodic job: invite the residents waiting for a tổ that now has an open session;
    returns how many were invited. Nothing is queued at night."""
    local = now.astimezone(tz)
    if not MORNING_REMINDER_FROM <= local.time() < EVENING_LIMIT:
        return 0
    rows = list(
        await session.scalars(
            select(WaitlistEntry).where(WaitlistEntry.invited_at.is_(None))  # type: ignore[union-attr]
        )
    )
    invited = 0
    for area in sorted({row.area for row in rows}):
        offered = await open_sessions_for(session, area, local)
        if not offered:
            continue
        first = offered[0].session
        waiting = [row for row in rows if row.area == area]
        await create_broadcast(
            session,
            BroadcastRequest(
                text=invitation(area, first.day, "vi"),
                audience=Audience(
                    subscriber_ids=[row.subscriber_id for row in waiting], kinds=[ChatKind.PRIVATE]
                ),
                kind=BROADCAST_KIND,
                title=f"Mời đăng ký khám — {area}",
                texts_for=lambda subscriber, _topics, area=area, day=first.day: invitation(
                    area, day, subscriber.language
                ),
            ),
        )
        await session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.id.in_([row.id for row in waiting]))  # type: ignore[union-attr]
            .values(invited_at=utcnow())
        )
        invited += len(waiting)
        log.info("screening: %d waiting residents invited for a new session", len(waiting))
    return invited


def invitation(area: str, day: date, locale: str) -> str:
    _ = translator(locale)
    return _(
        "**Đã có lịch khám sức khỏe miễn phí cho {area}**\n\n"
        "Buổi sớm nhất: {day}. Bà con gõ /dangky để giữ chỗ nhé."
    ).format(area=area, day=format_full_date(day, "en" if locale == "en" else "vi"))
