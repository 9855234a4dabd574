"""Neighbourhood communication volunteers (cộng tác viên "3C"), named by staff."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models.core import AuditLog, Subscriber
from bot.models.news import Volunteer
from bot.news.items import NewsError, area_names


class VolunteerError(ValueError):
    """A refusal staff can act on, in Vietnamese."""


async def add_volunteer(session: AsyncSession, subscriber_id: int, area: str, actor: str) -> str:
    """Make a subscriber the volunteer of a tổ (or move them to another); returns the tổ."""
    subscriber = await session.get(Subscriber, subscriber_id)
    if subscriber is None or subscriber.kind != "private":
        raise VolunteerError(f"không có người nhận tin số {subscriber_id} (chat riêng)")
    try:
        [matched] = area_names([area])
    except NewsError as exc:
        raise VolunteerError(str(exc)) from None
    volunteer = await session.scalar(
        select(Volunteer).where(Volunteer.subscriber_id == subscriber_id)
    )
    if volunteer is None:
        volunteer = Volunteer(subscriber_id=subscriber_id, area=matched, added_by=actor)
    volunteer.area = matched
    session.add(volunteer)
    detail = f"người nhận tin số {subscriber_id}: {matched}"
    session.add(AuditLog(actor=actor, action="volunteer.add", detail=detail))
    await session.commit()
    return matched


async def remove_volunteer(session: AsyncSession, subscriber_id: int, actor: str) -> bool:
    volunteer = await session.scalar(
        select(Volunteer).where(Volunteer.subscriber_id == subscriber_id)
    )
    if volunteer is None:
        return False
    await session.delete(volunteer)
    detail = f"người nhận tin số {subscriber_id}"
    session.add(AuditLog(actor=actor, action="volunteer.remove", detail=detail))
    await session.commit()
    return True


async def list_volunteers(session: AsyncSession) -> list[Volunteer]:
    return list(await session.scalars(select(Volunteer).order_by(Volunteer.area)))
