"""Staff accounts: who may send alerts, manage screening and log in to the dashboard."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from zxcvbn import zxcvbn

from bot.core import Incoming
from bot.models.core import AuditLog
from bot.models.security import StaffSession
from bot.models.staff import StaffMember
from bot.models.types import ROW_ID

STAFF_ROLES = ("staff", "admin")
# A signed-in staff account's web chat identity: "staff:<account id>". Only the web channel
# sets it, after checking the dashboard session; an anonymous browser may not claim it.
WEB_STAFF_PREFIX = "staff:"
_WEB_STAFF_ID = re.compile(rf"{WEB_STAFF_PREFIX}({ROW_ID})")
# The staff account linked to a platform user, by channel; asked on each role check, so
# built once.
_LINKED = {
    channel: select(StaffMember).where(column == bindparam("user_id"))
    for channel, column in (
        ("telegram", StaffMember.telegram_id),
        ("zalo_bot", StaffMember.zalo_id),
        ("zalo_oa", StaffMember.zalo_id),
    )
}
MIN_PASSWORD = 10
# zxcvbn's 0–4 guessability score: 3 = "safely unguessable" by an online attacker.
MIN_PASSWORD_SCORE = 3
# Words a guesser tries first here, besides zxcvbn's lists of common passwords and names.
# The README once showed an example password; it stays refused on every install.
_LOCAL_GUESSES = [
    *("loaphuong", "loa phuong", "matkhau", "mat khau", "tramyte", "tram y te", "admin"),
    *("bốn con mèo ăn cơm trưa", "bon con meo an com trua"),
]
_hasher = PasswordHasher()
# argon2 takes ~50 ms of CPU and most of a core: hashing runs beside the event loop, at most
# two at a time, so a login flood queues here instead of stalling every chat; past
# MAX_WAITING_HASHES waiting, a login is told to retry rather than queue without end.
_hashing = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")
MAX_WAITING_HASHES = 32
_waiting = 0


class HashingBusy(Exception):
    """Too many password checks are waiting already."""


async def _off_loop(function, *args):  # type: ignore[no-untyped-def]
    global _waiting
    if _waiting >= MAX_WAITING_HASHES:
        raise HashingBusy
    _waiting += 1
    try:
        return await asyncio.get_running_loop().run_in_executor(_hashing, function, *args)
    finally:
        _waiting -= 1


def password_problem(password: str, name: str) -> str | None:
    """Why this password may not be used (Vietnamese), or None."""
    if len(password) < MIN_PASSWORD:
        return f"mật khẩu cần ít nhất {MIN_PASSWORD} ký tự"
    if zxcvbn(password[:100], user_inputs=[name, *_LOCAL_GUESSES])["score"] < MIN_PASSWORD_SCORE:
        return (
            "mật khẩu quá dễ đoán (mật khẩu phổ biến, tên, hoặc dãy quen thuộc như 12345); "
            "hãy dùng một câu ngắn dễ nhớ của riêng mình, bốn năm từ trở lên"
        )
    return None


@cache
def _dummy_hash() -> str:
    """Verifying against this keeps a wrong name as slow as a wrong password."""
    return _hasher.hash("not-a-real-password")


class StaffError(ValueError):
    """A staff account request that cannot be done; the message says why (Vietnamese)."""


async def add_staff(
    session: AsyncSession,
    name: str,
    role: str,
    *,
    password: str | None = None,
    telegram_id: str | None = None,
    zalo_id: str | None = None,
    actor: str = "cli",
) -> StaffMember:
    name = name.strip()
    if not name or len(name) > 64:
        raise StaffError("tên cán bộ phải có 1–64 ký tự")
    if role not in STAFF_ROLES:
        raise StaffError(f"vai trò phải là một trong: {', '.join(STAFF_ROLES)}")
    if password is not None and (problem := password_problem(password, name)):
        raise StaffError(problem)
    if telegram_id is not None and not telegram_id.lstrip("-").isdigit():
        raise StaffError("telegram id phải là số (xem bằng @userinfobot)")
    member = StaffMember(
        name=name,
        role=role,
        password_hash=await _off_loop(_hasher.hash, password) if password else None,
        telegram_id=telegram_id,
        zalo_id=zalo_id,
    )
    session.add(member)
    session.add(AuditLog(actor=actor, action="staff.add", detail=f"{name} ({role})"))
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise StaffError(f"đã có cán bộ tên '{name}'") from None
    return member


async def remove_staff(session: AsyncSession, name: str, *, actor: str = "cli") -> bool:
    member = await session.scalar(select(StaffMember).where(StaffMember.name == name))
    if member is None or member.id is None:
        return False
    await end_sessions_of(session, member.id)
    await session.delete(member)
    session.add(AuditLog(actor=actor, action="staff.remove", detail=name))
    await session.commit()
    return True


async def set_password(session: AsyncSession, name: str, password: str, *, actor: str) -> None:
    """Change an account's dashboard password; every session it had ends."""
    member = await session.scalar(select(StaffMember).where(StaffMember.name == name))
    if member is None or member.id is None:
        raise StaffError(f"không có cán bộ tên '{name}'")
    if problem := password_problem(password, name):
        raise StaffError(problem)
    member.password_hash = await _off_loop(_hasher.hash, password)
    await end_sessions_of(session, member.id)
    session.add(AuditLog(actor=actor, action="staff.password", detail=name))
    await session.commit()


async def end_sessions_of(session: AsyncSession, staff_id: int) -> int:
    """Sign an account out of the dashboard everywhere (flushed; the caller commits)."""
    result = await session.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))
    return result.rowcount or 0  # type: ignore[attr-defined]


async def list_staff(session: AsyncSession) -> list[StaffMember]:
    return list(await session.scalars(select(StaffMember).order_by(StaffMember.name)))


async def check_password(session: AsyncSession, name: str, password: str) -> StaffMember | None:
    """The staff member when name and password match; None otherwise (same cost either way)."""
    member = await session.scalar(select(StaffMember).where(StaffMember.name == name))
    return member if await password_matches(member, password) else None


async def password_matches(member: StaffMember | None, password: str) -> bool:
    """Whether `password` is this account's (False for no account, at the same cost).
    Needs no database session: a login waiting for the hasher holds no connection."""
    stored = (
        member.password_hash if member and member.password_hash else await _off_loop(_dummy_hash)
    )
    verified = await _off_loop(_verified, stored, password)
    return verified and member is not None and bool(member.password_hash)


def _verified(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def web_chat_id(member: StaffMember) -> str:
    return f"{WEB_STAFF_PREFIX}{member.id}"


async def staff_for_chat(
    sessions: async_sessionmaker[AsyncSession], incoming: Incoming
) -> StaffMember | None:
    """The staff account linked to this chat user, if any. A session is opened only when
    there is one to look up: a resident's /trogiup asks twice, for nobody."""
    if incoming.channel == "web":
        account = _WEB_STAFF_ID.fullmatch(incoming.user_id)
        if account is None:
            return None
        async with sessions() as session:
            return await session.get(StaffMember, int(account.group(1)))
    linked = _LINKED.get(incoming.channel)
    if linked is None:
        return None
    async with sessions() as session:
        return await session.scalar(linked, {"user_id": incoming.user_id})
