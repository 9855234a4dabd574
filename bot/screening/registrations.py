"""A resident's seat at a screening session: take it, recognise a repeat, give it back, forget.

Seats are taken with a guarded UPDATE (`seats_taken < capacity`), so when two people
press "Xác nhận" for the last seat at once, the database gives it to exactly one.
A repeat is the same identity (name + birth year + phone) in the same round: the
existing registration is returned instead of a second one. A session is open until it
starts (local date and time) or is archived. Each registration is linked to the person's
row on an imported list, when there is one, for the report's coverage. Codes are short and hold
at most one character of each look-alike set (0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V), so
they survive being read aloud over the phone or copied by hand.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models.screening import Registration, RegistrationStatus, ScreeningSession
from bot.models.types import utcnow
from bot.screening.people import identity, listed_resident_id
from bot.screening.sessions import SessionSeats

log = logging.getLogger(__name__)

CODE_ALPHABET = "346789ACDEFGHJKMNPQRTUWXY"
CODE_LENGTH = 6
# Statuses that hold a place in the round (a cancelled registration does not).
HOLDING = (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED)


class Outcome(StrEnum):
    CREATED = "created"
    EXISTING = "existing"
    FULL = "full"
    # archived, started or gone: not a matter of seats
    CLOSED = "closed"


@dataclass(frozen=True)
class Applicant:
    """What the resident told the dialogue, after consent."""

    full_name: str
    birth_year: int
    phone: str
    area: str
    groups: list[str] = field(default_factory=list)
    for_relative: bool = False
    consent_at: datetime | None = None

    @property
    def identity(self) -> str:
        return identity(self.full_name, self.birth_year, self.phone)


@dataclass(frozen=True)
class Upcoming:
    registration: Registration
    session: ScreeningSession


@dataclass(frozen=True)
class Booking:
    """The result of `register`: the new or the earlier registration, or none (FULL, CLOSED)."""

    outcome: Outcome
    seat: Upcoming | None = None


def not_started(now: datetime) -> ColumnElement[bool]:
    """Sessions that start after `now`, the station's local wall-clock time."""
    return or_(
        ScreeningSession.day > now.date(),
        and_(ScreeningSession.day == now.date(), ScreeningSession.start > now.time()),
    )


def has_started(held: ScreeningSession, now: datetime) -> bool:
    return (held.day, held.start) <= (now.date(), now.time())


async def open_sessions_for(session: AsyncSession, area: str, now: datetime) -> list[SessionSeats]:
    """Sessions of the current round serving `area`, not started by `now`, with seats left."""
    rows = await session.scalars(
        select(ScreeningSession)
        .where(
            ScreeningSession.archived.is_(False),
            not_started(now),
            ScreeningSession.seats_taken < ScreeningSession.capacity,
        )
        .order_by(ScreeningSession.day, ScreeningSession.start, ScreeningSession.id)
    )
    return [SessionSeats(row, row.capacity - row.seats_taken) for row in rows if area in row.areas]


async def current_registration(session: AsyncSession, person: str) -> Upcoming | None:
    """This person's registration in the current round (sessions not archived), if any."""
    return await _holding(session, person, ScreeningSession.archived.is_(False))


async def register(
    session: AsyncSession,
    applicant: Applicant,
    *,
    session_id: int,
    subscriber_id: int | None,
    now: datetime,
) -> Booking:
    """Take a seat for `applicant` and store the registration, or say why not; commits."""
    taken_round = await session.scalar(
        update(ScreeningSession)
        .where(
            ScreeningSession.id == session_id,
            ScreeningSession.seats_taken < ScreeningSession.capacity,
            ScreeningSession.archived.is_(False),
            not_started(now),
        )
        .values(seats_taken=ScreeningSession.seats_taken + 1)
        .returning(ScreeningSession.round)
        .execution_options(synchronize_session=False)
    )
    round_label = taken_round or await session.scalar(
        select(ScreeningSession.round).where(ScreeningSession.id == session_id)
    )
    # Checked after the seat is taken: holding the write lock makes check and insert atomic.
    earlier = await _holding(session, applicant.identity, ScreeningSession.round == round_label)
    if earlier is not None:
        session.expunge_all()  # keep `earlier` readable after the rollback gives the seat back
        await session.rollback()
        return Booking(Outcome.EXISTING, earlier)
    if taken_round is None:
        await session.rollback()
        return Booking(await unavailable_reason(session, session_id, now))
    registration = Registration(
        code=await _new_code(session),
        session_id=session_id,
        round=taken_round,
        subscriber_id=subscriber_id,
        for_relative=applicant.for_relative,
        full_name=applicant.full_name,
        phone=applicant.phone,
        birth_year=applicant.birth_year,
        groups=list(applicant.groups),
        area=applicant.area,
        identity=applicant.identity,
        eligible_id=await listed_resident_id(
            session, applicant.full_name, applicant.birth_year, applicant.area, applicant.phone
        ),
        consent_at=applicant.consent_at or utcnow(),
        # the booking's clock, which the reminders and the confirmation go by
        created_at=now.astimezone(UTC),
    )
    session.add(registration)
    await session.commit()
    log.info("screening: registration %s took a seat at session #%d", registration.code, session_id)
    held = await session.get(ScreeningSession, session_id)
    assert held is not None
    return Booking(Outcome.CREATED, Upcoming(registration, held))


async def upcoming_of(session: AsyncSession, subscriber_id: int, today: date) -> list[Upcoming]:
    """The account's registrations still to come (self and relatives), soonest first."""
    rows = await session.execute(
        select(Registration, ScreeningSession)
        .join(ScreeningSession, ScreeningSession.id == Registration.session_id)
        .where(
            Registration.subscriber_id == subscriber_id,
            Registration.status == RegistrationStatus.REGISTERED,
            ScreeningSession.day >= today,
        )
        .order_by(ScreeningSession.day, ScreeningSession.start, Registration.id)
    )
    return [Upcoming(registration, held) for registration, held in rows]


async def own_name(session: AsyncSession, subscriber_id: int) -> str | None:
    """The name the account last registered itself (not a relative) with."""
    return await session.scalar(
        select(Registration.full_name)
        .where(
            Registration.subscriber_id == subscriber_id,
            Registration.for_relative.is_(False),  # type: ignore[attr-defined]
            Registration.full_name.is_not(None),  # type: ignore[union-attr]
        )
        .order_by(Registration.created_at.desc())  # type: ignore[attr-defined]
        .limit(1)
    )


async def cancel(
    session: AsyncSession, registration_id: int, *, subscriber_id: int, today: date
) -> Upcoming | None:
    """Cancel one of the account's upcoming registrations and free its seat; commits.

    None when it is not theirs, not upcoming, or already cancelled."""
    mine = await upcoming_of(session, subscriber_id, today)
    found = next((u for u in mine if u.registration.id == registration_id), None)
    if found is None:
        return None
    await _release([found.registration], session)
    await session.commit()
    log.info("screening: registration %s cancelled", found.registration.code)
    return found


async def erase_registrations(session: AsyncSession, subscriber_id: int, today: date) -> int:
    """Cancel the account's upcoming registrations and blank the personal fields of all.

    Group, tổ dân phố, birth year and status stay: the monthly report counts them.
    Flushes without committing, so the caller erases everything in one transaction.
    """
    await _release(
        [u.registration for u in await upcoming_of(session, subscriber_id, today)], session
    )
    result = await session.execute(
        update(Registration)
        .where(Registration.subscriber_id == subscriber_id)
        .values(full_name=None, phone=None, identity=None, subscriber_id=None, erased_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


async def _release(registrations: Iterable[Registration], session: AsyncSession) -> None:
    for registration in registrations:
        registration.status = RegistrationStatus.CANCELLED
        session.add(registration)
        await session.execute(
            update(ScreeningSession)
            .where(ScreeningSession.id == registration.session_id, ScreeningSession.seats_taken > 0)
            .values(seats_taken=ScreeningSession.seats_taken - 1)
            .execution_options(synchronize_session=False)
        )
    await session.flush()


async def unavailable_reason(session: AsyncSession, session_id: int, now: datetime) -> Outcome:
    """Why a session takes no one: CLOSED (archived, started, unknown) or FULL."""
    held = await session.get(ScreeningSession, session_id)
    if held is None or held.archived or has_started(held, now):
        return Outcome.CLOSED
    return Outcome.FULL


async def _holding(
    session: AsyncSession, person: str, *where: ColumnElement[bool]
) -> Upcoming | None:
    row = (
        await session.execute(
            select(Registration, ScreeningSession)
            .join(ScreeningSession, ScreeningSession.id == Registration.session_id)
            .where(Registration.identity == person, Registration.status.in_(HOLDING), *where)
            .order_by(ScreeningSession.day.desc())
            .limit(1)
        )
    ).first()
    return Upcoming(*row) if row else None


async def _new_code(session: AsyncSession) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not await session.scalar(select(Registration.id).where(Registration.code == code)):
            return code
