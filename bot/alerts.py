"""Staff alerts: draft → preview → approve → send through the outbox; cancel; archive.

The chat dialogue (/canhbao) and the dashboard call these same functions.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.areas import UnknownArea, match_areas
from bot.channels.markdown import has_readable_text
from bot.config import Settings
from bot.core import ChatKind
from bot.models.core import AuditLog, Subscriber
from bot.models.outbox import BroadcastKind
from bot.models.staff import Alert, AlertStatus
from bot.models.types import utcnow
from bot.outbox.audience import Audience
from bot.outbox.broadcasts import BroadcastRequest, cancel_broadcast, create_broadcast
from content.station import UnknownTopic, find_topics, load_station, load_topics

# What staff read for each alert status (never the code itself).
STATUS_NAMES = {
    AlertStatus.DRAFT: "bản nháp",
    AlertStatus.SENT: "đã duyệt và gửi",
    AlertStatus.CANCELLED: "đã hủy",
}


class AlertError(ValueError):
    """An alert action that is not allowed now; the message says why (Vietnamese)."""


def checked_topics(given: list[str]) -> list[str]:
    """The codes of the topics `given` by code or name, each one known to
    content/topics.yaml (shared with the broadcast CLI)."""
    try:
        return find_topics(given)
    except UnknownTopic as unknown:
        raise AlertError(
            f"Không có chủ đề {unknown.typed}. Các chủ đề hiện có: {', '.join(unknown.known)}."
        ) from None


def checked_areas(given: list[str]) -> list[str]:
    """Each typed tổ dân phố matched to one of the station's (shared with the broadcast CLI)."""
    try:
        return match_areas(given, list(load_station().areas))
    except UnknownArea as unknown:
        raise AlertError(
            f"Không có tổ dân phố '{unknown.typed}'. Các tổ của phường: {', '.join(unknown.known)}."
        ) from None


@dataclass
class AlertTarget:
    """Who receives an alert. Nothing chosen = the whole ward."""

    topics: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    groups_only: bool = False

    def audience(self) -> Audience:
        kinds = [ChatKind.GROUP] if self.groups_only else [ChatKind.PRIVATE, ChatKind.GROUP]
        return Audience(topics=list(self.topics), areas=list(self.areas), kinds=kinds)

    def describe(self) -> str:
        labels = {topic.code: topic.vi for topic in load_topics()}
        parts = []
        if self.areas:
            parts.append(", ".join(self.areas))
        if self.topics:
            parts.append("chủ đề " + ", ".join(labels.get(code, code) for code in self.topics))
        if self.groups_only:
            parts.append("chỉ các nhóm")
        return "; ".join(parts) or "toàn phường"

    @classmethod
    def from_json(cls, text: str) -> AlertTarget:
        data = json.loads(text or "{}")
        return cls(
            topics=list(data.get("topics", [])),
            areas=list(data.get("areas", [])),
            groups_only=bool(data.get("groups_only", False)),
        )


MAX_ALERT_TEXT = 3000


def resident_text(alert: Alert) -> str:
    """The alert exactly as residents will read it (also the preview)."""
    station = load_station().name
    heading = "🚨 **CẢNH BÁO KHẨN**" if alert.urgent else "📢 **Thông báo**"
    return f"{heading} — {station}\n\n{alert.text.strip()}"


async def draft_alert(
    session: AsyncSession,
    *,
    text: str,
    target: AlertTarget,
    urgent: bool,
    drafted_by: str,
    photo: str | None = None,
) -> Alert:
    """Check the text and the target against the station's content, then save a draft."""
    text = text.strip()
    if not has_readable_text(text):
        # "***" or "---" alone would reach every resident as an empty message.
        raise AlertError("Nội dung cảnh báo đang trống (không có chữ nào để đọc).")
    if len(text) > MAX_ALERT_TEXT:
        raise AlertError(f"Nội dung dài quá {MAX_ALERT_TEXT} ký tự; bà con khó đọc hết.")
    checked = AlertTarget(
        topics=checked_topics(target.topics),
        areas=checked_areas(target.areas),
        groups_only=target.groups_only,
    )
    alert = Alert(
        text=text,
        photo=photo,
        target=json.dumps(asdict(checked), ensure_ascii=False),
        urgent=urgent,
        drafted_by=drafted_by,
    )
    session.add(alert)
    await session.flush()
    session.add(AuditLog(actor=drafted_by, action="alert.draft", detail=f"cảnh báo số {alert.id}"))
    await session.commit()
    return alert


def needs_second_approver(alert: Alert, approver: str, settings: Settings) -> bool:
    return alert.urgent and settings.urgent_needs_second_approval and approver == alert.drafted_by


async def get_alert(session: AsyncSession, alert_id: int) -> Alert:
    alert = await session.get(Alert, alert_id)
    if alert is None:
        raise AlertError(f"Không có cảnh báo số {alert_id}.")
    return alert


async def audience_size(session: AsyncSession, alert: Alert) -> int:
    """How many chats the alert would reach if approved now."""
    audience = AlertTarget.from_json(alert.target).audience()
    query = audience.where(select(func.count()).select_from(Subscriber))
    return int(await session.scalar(query) or 0)


def _already(alert: Alert) -> AlertError:
    status = STATUS_NAMES.get(alert.status, alert.status)
    return AlertError(f"Cảnh báo số {alert.id} đã ở trạng thái {status}.")


async def approve_alert(
    session: AsyncSession, alert_id: int, approver: str, settings: Settings
) -> Alert:
    """Approve and queue the alert for every recipient; urgent ones may need a second person."""
    alert = await get_alert(session, alert_id)
    if alert.status != AlertStatus.DRAFT:
        raise _already(alert)
    if needs_second_approver(alert, approver, settings):
        raise AlertError("Cảnh báo khẩn cần một cán bộ khác duyệt.")
    broadcast = await create_broadcast(
        session,
        BroadcastRequest(
            text=resident_text(alert),
            audience=AlertTarget.from_json(alert.target).audience(),
            kind=BroadcastKind.ALERT,
            key=f"alert:{alert.id}",
            title=alert.text[:80],
            urgent=alert.urgent,
            photo=alert.photo,
            created_by=approver,
        ),
    )
    alert.status = AlertStatus.SENT
    alert.approved_by = approver
    alert.sent_at = utcnow()
    alert.broadcast_id = broadcast.id if broadcast else alert.broadcast_id
    session.add(alert)
    session.add(AuditLog(actor=approver, action="alert.approve", detail=f"cảnh báo số {alert.id}"))
    await session.commit()
    return alert


async def cancel_alert(session: AsyncSession, alert_id: int, actor: str) -> tuple[Alert, int]:
    """Cancel a draft, or stop what is not yet sent of a sent alert.

    Returns the alert (status "cancelled" for a draft, still "sent" when stopped) and how many
    messages were withdrawn. A fully delivered alert has nothing left to stop: refused.
    """
    alert = await get_alert(session, alert_id)
    withdrawn = 0
    if alert.status == AlertStatus.DRAFT:
        alert.status = AlertStatus.CANCELLED
    elif alert.status == AlertStatus.SENT and alert.broadcast_id is not None:
        withdrawn = await cancel_broadcast(session, alert.broadcast_id)
        if not withdrawn:  # nothing changed: cancel_broadcast keeps a delivered broadcast
            raise AlertError(f"Cảnh báo số {alert.id} đã gửi xong; không còn tin nào để dừng.")
    else:
        raise _already(alert)
    session.add(alert)
    session.add(
        AuditLog(
            actor=actor,
            action="alert.cancel",
            detail=f"cảnh báo số {alert.id}: rút {withdrawn} tin chưa gửi",
        )
    )
    await session.commit()
    return alert, withdrawn


async def list_alerts(session: AsyncSession, limit: int = 50) -> list[Alert]:
    return list(await session.scalars(select(Alert).order_by(Alert.id.desc()).limit(limit)))
