"""Who registered for one screening session, found by name, code or phone, with phones
partly masked for lists on a screen. Every look-up is audited (it shows names)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models.core import AuditLog
from bot.models.screening import Registration, ScreeningSession
from bot.screening.sessions import ScreeningError
from content.text import fold

_NOT_DIGIT = re.compile(r"\D")
_PHONE_LIKE = re.compile(r"\+?[\d .-]+")
# A search this short would match half the list by phone digits.
MIN_PHONE_DIGITS = 3


def masked_phone(phone: str | None) -> str:
    """0912345678 → 0912 ••• 678: enough to tell two people apart, not to call them."""
    if not phone:
        return "—"
    return f"{phone[:4]} ••• {phone[-3:]}" if len(phone) > 7 else "•••"


def matches(registration: Registration, query: str) -> bool:
    """Name (without diacritics, any part), code (case ignored) or phone digits."""
    words = fold(query)
    if not words:
        return True
    if registration.code.upper() == query.strip().upper():
        return True
    if _PHONE_LIKE.fullmatch(query.strip()):
        digits = _NOT_DIGIT.sub("", query.strip())
        if query.strip().startswith("+84"):
            digits = "0" + digits[2:]
        return len(digits) >= MIN_PHONE_DIGITS and digits in (registration.phone or "")
    return words in fold(registration.full_name or "")


async def session_registrations(
    session: AsyncSession, session_id: int, query: str, *, actor: str
) -> tuple[ScreeningSession, list[Registration]]:
    """The session and its (non-cancelled) registrations matching `query`, by name."""
    held = await session.get(ScreeningSession, session_id)
    if held is None:
        raise ScreeningError(f"không có buổi khám số {session_id}")
    rows = await session.scalars(
        select(Registration)
        .where(Registration.session_id == session_id, Registration.status != "cancelled")
        .order_by(Registration.full_name, Registration.id)
    )
    found = [row for row in rows if matches(row, query)]
    detail = f"buổi khám số {session_id}" + ("; có tìm kiếm" if query.strip() else "")
    session.add(AuditLog(actor=actor, action="screening.lookup", detail=detail))
    await session.commit()
    return held, found
