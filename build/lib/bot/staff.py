"""Staff accounts: who may send alerts, manage screening and log in to the dashboard."""

from __future__ import annotations

import re
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import Incoming
from bot.models.core import AuditLog
from bot.models.staff import StaffMember
from bot.models.types import ROW_ID

STAFF_ROLES = ("staff", "admin")
# A signed-in staff account's web chat identity: "staff:<account id>". Only the web channel
# sets it, after checking the dashboard session; an anonymous browser may not claim it.
WEB_STAFF_PREFIX = "staff:"
_WEB_STAFF_ID = re.compile(rf"{WEB_STAFF_PREFIX}({ROW_ID})")
MIN_PASSWORD = 8
_hasher = PasswordHasher()


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
    if password is not None and len(password) < MIN_PASSWORD:
        raise StaffError(f"mật khẩu cần ít nhất {MIN_PASSWORD} ký tự")
    if telegram_id is not None and not telegram_id.lstrip("-").isdigit():
        raise StaffError("telegram id phải là số (xem bằng @userinfobot)")
    member = StaffMember(
        name=name,
        role=role,
        password_hash=_hasher.hash(password) if password else None,
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
    result = await session.execute(delete(StaffMember).where(StaffMember.name == name))
    if result.rowcount:
        session.add(AuditLog(actor=actor, action="staff.remove", detail=name))
    await session.commit()
    return bool(result.rowcount)


async def list_staff(session: AsyncSession) -> list[StaffMember]:
    return list(await session.scalars(select(StaffMember).order_by(StaffMember.name)))


async def check_password(session: AsyncSession, name: str, password: str) -> StaffMember | None:
    """The staff member when name and password match; None otherwise (same cost either way)."""
    member = await session.scalar(select(StaffMember).where(StaffMember.name == name))
    stored = member.password_hash if member and member.password_hash else _dummy_hash()
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    return member if member and member.password_hash else None


def web_chat_id(member: StaffMember) -> str:
    return f"{WEB_STAFF_PREFIX}{member.id}"


async def staff_for_chat(session: AsyncSession, incoming: Incoming) -> StaffMember | None:
    """The staff account linked to this chat user, if any."""
    if incoming.channel == "web":
        account = _WEB_STAFF_ID.fullmatch(incoming.user_id)
        return await session.get(StaffMember, int(account.group(1))) if account else None
    column = {
        "telegram": StaffMember.telegram_id,
        "zalo_bot": StaffMember.zalo_id,
        "zalo_oa": StaffMember.zalo_id,
    }.get(incoming.channel)
    if column is None:
        return None
    return await session.scalar(select(StaffMember).where(column == incoming.user_id))
