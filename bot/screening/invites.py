"""Invite listed residents who already chat with the bot (same phone) to the open sessions.

The invitation goes through the outbox as one broadcast. A subscriber already
invited in this round, or whose phone already has a registration in it, is left
out, so inviting again after a new list is imported reaches only the newcomers.
The text names no group: a family phone must not reveal why someone is listed.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import ChatKind
from bot.i18n import translator
from bot.models.core import AuditLog, Subscriber
from bot.models.outbox import Broadcast, BroadcastKind, OutboxMessage
from bot.models.screening import (
    EligibleResident,
    Registration,
    RegistrationStatus,
    ScreeningSession,
)
from bot.outbox.audience import Audience
from bot.outbox.broadcasts import BroadcastRequest, create_broadcast
from bot.screening.registrations import has_started
from bot.screening.sessions import ScreeningError, list_sessions
from content.dates import format_full_date
from content.station import load_station

KEY_PREFIX = "screening-invite"


@dataclass(frozen=True)
class InviteResult:
    invited: int
    skipped_already_invited: int
    broadcast_id: int | None


async def invite_listed_subscribers(
    session: AsyncSession, *, now: datetime, actor: str
) -> InviteResult:
    """Queue an invitation for each listed resident's subscriber account not yet reached
    (`now`: the station's local time; sessions already started are not offered)."""
    open_sessions = [
        seats.session
        for seats in await list_sessions(session)
        if seats.seats_left > 0 and not has_started(seats.session, now)
    ]
    if not open_sessions:
        raise ScreeningError(
            "đợt hiện tại không còn buổi khám nào sắp tới còn chỗ; thêm bằng 'screening session add'"
        )
    round_label = open_sessions[0].round
    areas_by_phone = await _uninvited_phones(session, open_sessions)
    subscribers = list(
        await session.scalars(
            select(Subscriber).where(
                Subscriber.phone.in_(list(areas_by_phone)),
                Subscriber.active.is_(True),
                Subscriber.kind == ChatKind.PRIVATE,
            )
        )
    )
    reached = await _already_invited(session, round_label)
    recipients = {
        s.id: areas_by_phone[s.phone]
        for s in subscribers
        if s.id is not None and s.phone is not None and s.id not in reached
    }
    skipped = len(subscribers) - len(recipients)
    session.add(
        AuditLog(
            actor=actor,
            action="screening.invite",
            detail=f"đợt {round_label}; {len(recipients)} người được mời",
        )
    )
    if not recipients:
        await session.commit()
        return InviteResult(0, skipped, None)
    ids = sorted(recipients)
    digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]

    def text_for(subscriber: Subscriber, _topics: list[str]) -> str | None:
        areas = recipients.get(subscriber.id or 0)
        return invitation(subscriber.language, open_sessions, areas) if areas else None

    broadcast = await create_broadcast(
        session,
        BroadcastRequest(
            text=invitation("vi", open_sessions, set().union(*recipients.values())),
            audience=Audience(subscriber_ids=ids, kinds=[ChatKind.PRIVATE]),
            kind=BroadcastKind.SCREENING,
            key=f"{KEY_PREFIX}:{round_label}:{digest}",
            title=f"Mời khám sàng lọc — đợt {round_label}",
            created_by=actor,
            texts_for=text_for,
        ),
    )
    await session.commit()
    return InviteResult(len(ids), skipped, broadcast.id if broadcast else None)


async def _uninvited_phones(
    session: AsyncSession, open_sessions: list[ScreeningSession]
) -> dict[str, set[str]]:
    """Listed phones in the served tổ dân phố → their areas, minus phones registered this round."""
    served = {area for s in open_sessions for area in s.areas}
    rounds = {s.round for s in open_sessions}
    registered = set(
        await session.scalars(
            select(Registration.phone).where(
                Registration.round.in_(rounds),
                Registration.status.in_(
                    (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED)
                ),
                Registration.phone.is_not(None),
            )
        )
    )
    areas_by_phone: dict[str, set[str]] = defaultdict(set)
    listed = await session.execute(
        select(EligibleResident.phone, EligibleResident.area).where(
            EligibleResident.phone.is_not(None), EligibleResident.area.in_(served)
        )
    )
    for phone, area in listed:
        if phone and phone not in registered:
            areas_by_phone[phone].add(area)
    return areas_by_phone


async def _already_invited(session: AsyncSession, round_label: str) -> set[int]:
    return set(
        await session.scalars(
            select(OutboxMessage.subscriber_id)
            .join(Broadcast, Broadcast.id == OutboxMessage.broadcast_id)
            .where(Broadcast.key.startswith(f"{KEY_PREFIX}:{round_label}:"))
        )
    )


def invitation(locale: str, sessions: list[ScreeningSession], areas: set[str]) -> str:
    """The invitation in the recipient's language, listing the sessions for their tổ dân phố."""
    _ = translator(locale)
    station = load_station()
    lines = [
        _("- {ngay}, {gio}, tại {dia_diem}").format(
            ngay=format_full_date(s.day, "en" if locale == "en" else "vi"),
            gio=f"{s.start:%H:%M}",
            dia_diem=s.place,
        )
        for s in sessions
        if areas & set(s.areas)
    ]
    return _(
        "**Mời khám sức khỏe miễn phí**\n\n"
        "{tram} xin mời bà con có tên trong danh sách khám sàng lọc miễn phí của "
        "tổ dân phố đến khám:\n{buoi_kham}\n\n"
        "Đăng ký giữ chỗ: gõ /dangky. Cần hỏi thêm: gọi {dien_thoai}."
    ).format(tram=station.name, buoi_kham="\n".join(lines), dien_thoai=station.phone)
