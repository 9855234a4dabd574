"""After a session: who came (by registration code), who did not, who was referred on."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models.core import AuditLog
from bot.models.screening import Registration, RegistrationStatus, ScreeningSession
from bot.screening.sessions import ScreeningError

MAX_REFERRAL = 500


async def find_registration(session: AsyncSession, code: str) -> Registration:
    """The registration with this code (case and spaces ignored)."""
    wanted = code.strip().upper()
    row = await session.scalar(select(Registration).where(func.upper(Registration.code) == wanted))
    if row is None:
        raise ScreeningError(f"không có mã đăng ký '{code.strip()}'")
    return row


async def mark_attended(
    session: AsyncSession, code: str, *, today: date, actor: str
) -> Registration:
    """Record that the person came; also corrects an earlier automatic no-show."""
    (registration,) = await mark_all_attended(session, [code], today=today, actor=actor)
    return registration


async def mark_all_attended(
    session: AsyncSession, codes: list[str], *, today: date, actor: str
) -> list[Registration]:
    """Every code or none: the first code that cannot be marked changes nothing."""
    registrations = [await attendable(session, code, today) for code in codes]
    for registration in registrations:
        registration.status = RegistrationStatus.ATTENDED
        session.add(AuditLog(actor=actor, action="screening.attend", detail=registration.code))
    await session.commit()
    return registrations


async def mark_absent(session: AsyncSession, code: str, *, today: date, actor: str) -> Registration:
    """Record that the person did not come (also corrects a mistaken "attended")."""
    registration = await attendable(session, code, today)
    registration.status = "no_show"
    session.add(AuditLog(actor=actor, action="screening.absent", detail=registration.code))
    await session.commit()
    return registration


async def attendable(session: AsyncSession, code: str, today: date) -> Registration:
    registration = await find_registration(session, code)
    if registration.status == RegistrationStatus.CANCELLED:
        raise ScreeningError(f"mã {registration.code} đã bị hủy đăng ký")
    held_on = await session.scalar(
        select(ScreeningSession.day).where(ScreeningSession.id == registration.session_id)
    )
    if held_on is not None and held_on > today:
        raise ScreeningError(
            f"buổi khám của mã {registration.code} ({held_on:%d/%m/%Y}) chưa diễn ra"
        )
    return registration


async def add_referral(session: AsyncSession, code: str, note: str, *, actor: str) -> Registration:
    """Note a referral (chuyển tuyến / theo dõi) for someone who was examined."""
    note = note.strip()
    if not note or len(note) > MAX_REFERRAL:
        raise ScreeningError(f"ghi chú chuyển tuyến phải có 1–{MAX_REFERRAL} ký tự")
    registration = await find_registration(session, code)
    if registration.status != RegistrationStatus.ATTENDED:
        raise ScreeningError(
            f"mã {registration.code} chưa được ghi nhận đã khám; chạy 'screening attend' trước"
        )
    registration.referral = note
    session.add(AuditLog(actor=actor, action="screening.referral", detail=registration.code))
    await session.commit()
    return registration


async def mark_no_shows(session: AsyncSession, *, today: date) -> int:
    """Registrations still open for sessions before `today` become no-shows; returns how many."""
    past_sessions = select(ScreeningSession.id).where(ScreeningSession.day < today)
    result = await session.execute(
        update(Registration)
        .where(
            Registration.status == RegistrationStatus.REGISTERED,
            Registration.session_id.in_(past_sessions),
        )
        .values(status=RegistrationStatus.NO_SHOW)
    )
    await session.commit()
    return result.rowcount or 0  # type: ignore[attr-defined]
