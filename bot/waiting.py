"""What is waiting for staff: handed-off questions nobody answered yet and rumour reports
not concluded. Counted for the dashboard header and told to staff chats each morning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, tzinfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core import ChatKind
from bot.i18n import translator
from bot.models.faq import FaqHandoff
from bot.models.outbox import BroadcastKind
from bot.models.staff import RumorReport
from bot.outbox.audience import Audience
from bot.outbox.broadcasts import BroadcastRequest, create_broadcast
from bot.rumors import OPEN_STATUSES
from bot.screening.reminders import STATION_TZ, staff_subscriber_ids

SUMMARY_AT = time(8)
# A bot that was down at 08:00 still tells the morning; an afternoon summary would be stale news.
SUMMARY_UNTIL = time(11)
BROADCAST_KIND = BroadcastKind.STAFF_SUMMARY


@dataclass(frozen=True)
class Waiting:
    questions: int
    rumors: int

    def __bool__(self) -> bool:
        return bool(self.questions or self.rumors)


async def waiting_counts(session: AsyncSession) -> Waiting:
    questions = await session.scalar(
        select(func.count()).select_from(FaqHandoff).where(FaqHandoff.status == "open")
    )
    rumors = await session.scalar(
        select(func.count()).select_from(RumorReport).where(RumorReport.status.in_(OPEN_STATUSES))
    )
    return Waiting(questions or 0, rumors or 0)


def summary_text(waiting: Waiting, language: str, base_url: str) -> str:
    _ = translator(language)
    lines = [_("**Việc đang chờ cán bộ sáng nay**"), ""]
    if waiting.questions:
        lines.append(_("- {n} câu hỏi chờ trả lời").format(n=waiting.questions))
    if waiting.rumors:
        lines.append(_("- {n} tin báo chờ kiểm tra").format(n=waiting.rumors))
    lines += ["", _("Xem và trả lời ở trang quản trị: {url}").format(url=f"{base_url}/admin/")]
    return "\n".join(lines)


async def tell_staff_what_is_waiting(
    session: AsyncSession,
    now: datetime,
    *,
    tz: tzinfo = STATION_TZ,
    settings: Settings | None = None,
) -> bool:
    """Once a morning (08:00–11:00), tell staff chats how many questions and rumours wait;
    nothing on a day when nothing waits. No commit."""
    local = now.astimezone(tz)
    if not SUMMARY_AT <= local.time() < SUMMARY_UNTIL:
        return False
    waiting = await waiting_counts(session)
    if not waiting:
        return False
    base_url = (settings.base_url if settings else "").rstrip("/")
    broadcast = await create_broadcast(
        session,
        BroadcastRequest(
            text=summary_text(waiting, "vi", base_url),
            audience=Audience(
                subscriber_ids=await staff_subscriber_ids(session, settings),
                kinds=[ChatKind.PRIVATE],
            ),
            kind=BROADCAST_KIND,
            key=f"staff-summary:{local:%Y-%m-%d}",
            title=f"Việc chờ cán bộ ngày {local:%d/%m/%Y}",
            texts_for=lambda subscriber, _topics: summary_text(
                waiting, subscriber.language, base_url
            ),
        ),
    )
    return broadcast is not None
