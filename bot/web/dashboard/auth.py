"""Dashboard login: server-side sessions, a CSRF token per session, limits on failed logins.

The cookie carries only a random token; the session is a `staff_session` row, so logout,
a password change, `staff remove` and "đăng xuất mọi nơi" end it at once, and a copied
cookie stops working with it. Every request re-reads the staff account: a removed member
or one whose role changed is signed out at once. The same session is
the web chat's only proof of a staff identity.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp import web
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models.security import StaffSession
from bot.models.staff import StaffMember
from bot.models.types import utcnow
from bot.routing import Services
from bot.web.cookies import cookie

log = logging.getLogger(__name__)

SESSION_LENGTH = timedelta(hours=8)
# last_seen is a hint for the sessions list, not worth a write on every request.
SEEN_EVERY = timedelta(minutes=1)
COOKIE_NAME = "loaphuong_admin"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# The signed-in staff member of a request: {"id", "name", "role", "csrf", "session"}.
STAFF = web.RequestKey("staff", dict)
SERVICES = web.AppKey("services", Services)


def _row_id(token: str) -> str:
    """Only the token's hash is stored: a copy of the database signs nobody in."""
    return hashlib.sha256(token.encode()).hexdigest()


async def start_session(session: AsyncSession, member: StaffMember) -> str:
    """A new session for `member`; returns the cookie's token."""
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            id=_row_id(token),
            staff_id=member.id or 0,
            role=member.role,
            csrf=secrets.token_urlsafe(32),
            ends_at=utcnow() + SESSION_LENGTH,
        )
    )
    await session.commit()
    return token


async def end_session(session: AsyncSession, row_id: str) -> None:
    await session.execute(delete(StaffSession).where(StaffSession.id == row_id))
    await session.commit()


async def session_of(
    sessions: async_sessionmaker[AsyncSession], request: web.Request
) -> tuple[StaffSession, StaffMember] | None:
    """The live session this request's cookie names, with its account re-read now."""
    token = cookie(request, COOKIE_NAME)
    if not token:
        return None
    now = utcnow()
    async with sessions() as session:
        row = await session.get(StaffSession, _row_id(token))
        if row is None or row.ends_at <= now:
            return None
        member = await session.get(StaffMember, row.staff_id)
        if member is None or not member.password_hash or member.role != row.role:
            return None
        if now - row.last_seen > SEEN_EVERY:
            await session.execute(
                update(StaffSession).where(StaffSession.id == row.id).values(last_seen=now)
            )
            await session.commit()
    return row, member


async def signed_in_member(
    sessions: async_sessionmaker[AsyncSession], request: web.Request
) -> StaffMember | None:
    found = await session_of(sessions, request)
    return found[1] if found else None


def set_session_cookie(response: web.StreamResponse, token: str, *, secure: bool) -> None:
    """Site-wide, so the web chat can see who is signed in; SameSite=Strict keeps other
    sites from borrowing it (no cross-site request carries it)."""
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=int(SESSION_LENGTH.total_seconds()),
        path="/",
        httponly=True,
        samesite="Strict",
        secure=secure,
    )


def csrf_ok(staff: dict, form_token: str | None) -> bool:
    return bool(form_token) and hmac.compare_digest(str(form_token), staff["csrf"])


@web.middleware
async def require_login(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every page but login needs a live session; every POST needs the session's CSRF token."""
    if request.match_info.route.name in ("login", "login_form", "static", "root"):
        return await handler(request)
    found = await session_of(request.config_dict[SERVICES].sessions, request)
    if found is None:
        redirect = web.HTTPFound(
            request.app.router["login_form"].url_for().with_query(next=request.path)
        )
        if COOKIE_NAME in request.cookies:
            redirect.del_cookie(COOKIE_NAME, path="/")
        raise redirect
    row, member = found
    staff = {
        "id": member.id,
        "name": member.name,
        "role": member.role,
        "csrf": row.csrf,
        "session": row.id,
    }
    if request.method == "POST":
        form = await request.post()
        if not csrf_ok(staff, form.get("csrf")):  # type: ignore[arg-type]
            log.warning("dashboard: POST without a valid CSRF token refused")
            raise web.HTTPForbidden(text="Phiên làm việc không hợp lệ, hãy tải lại trang.")
    request[STAFF] = staff
    return await handler(request)
