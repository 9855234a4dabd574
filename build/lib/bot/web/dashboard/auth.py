"""Dashboard login: argon2-checked passwords, encrypted-cookie sessions with expiry,
a CSRF token per session, and a limit on failed logins.

Every request re-reads the staff account: a removed member, or one whose role changed,
is signed out at once. The same session is the web chat's only proof of a staff identity.
"""

from __future__ import annotations

import base64
import hmac
import logging
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web
from aiohttp_session import get_session, new_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import install_secret
from bot.models.staff import StaffMember
from bot.routing import Services

log = logging.getLogger(__name__)

SESSION_SECONDS = 8 * 3600
FAILED_LOGIN_LIMIT = 5
FAILED_LOGIN_WINDOW = 15 * 60
SECRET_KEY = "dashboard.cookie_secret"
COOKIE_NAME = "loaphuong_admin"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# The signed-in staff member of a request: {"id", "name", "csrf"}.
STAFF = web.RequestKey("staff", dict)
SERVICES = web.AppKey("services", Services)


async def cookie_secret(sessions: async_sessionmaker[AsyncSession]) -> bytes:
    """The cookie encryption key, made once and kept in the database so logins survive restarts."""
    async with sessions() as session:
        stored = await install_secret(session, SECRET_KEY, lambda: Fernet.generate_key().decode())
    return base64.urlsafe_b64decode(stored)


def cookie_storage(secret: bytes) -> EncryptedCookieStorage:
    """The session cookie, sent site-wide so the web chat can see who is signed in.

    SameSite=Strict keeps other sites from borrowing it (no cross-site request carries it)."""
    return EncryptedCookieStorage(
        secret,
        cookie_name=COOKIE_NAME,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="Strict",
        path="/",
    )


async def signed_in_member(
    sessions: async_sessionmaker[AsyncSession], data: Mapping[str, Any]
) -> StaffMember | None:
    """The staff account behind session `data`, re-read now; None once expired, removed,
    renamed, its role changed or its password login taken away."""
    if not data.get("staff_id") or data.get("expires", 0) < time.time():
        return None
    async with sessions() as session:
        member = await session.get(StaffMember, data["staff_id"])
    if member is None or not member.password_hash:
        return None
    if (member.name, member.role) != (data.get("name"), data.get("role")):
        return None
    return member


class LoginLimiter:
    """At most FAILED_LOGIN_LIMIT failures per (address, name) in FAILED_LOGIN_WINDOW."""

    def __init__(
        self, limit: int = FAILED_LOGIN_LIMIT, window: float = FAILED_LOGIN_WINDOW
    ) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)

    def blocked(self, key: tuple[str, str]) -> bool:
        failures = self._failures[key]
        while failures and failures[0] < time.monotonic() - self.window:
            failures.popleft()
        return len(failures) >= self.limit

    def failed(self, key: tuple[str, str]) -> None:
        self._failures[key].append(time.monotonic())

    def succeeded(self, key: tuple[str, str]) -> None:
        self._failures.pop(key, None)


LIMITER = web.AppKey("limiter", LoginLimiter)


async def start_session(request: web.Request, member: StaffMember) -> None:
    session = await new_session(request)
    session["staff_id"] = member.id
    session["name"] = member.name
    session["role"] = member.role
    session["csrf"] = secrets.token_urlsafe(32)
    session["expires"] = time.time() + SESSION_SECONDS


async def current_staff(
    request: web.Request, sessions: async_sessionmaker[AsyncSession]
) -> dict | None:
    session = await get_session(request)
    if await signed_in_member(sessions, session) is None:
        if session.get("staff_id"):
            session.invalidate()
        return None
    return {
        "id": session["staff_id"],
        "name": session["name"],
        "role": session["role"],
        "csrf": session["csrf"],
    }


def csrf_ok(staff: dict, form_token: str | None) -> bool:
    return bool(form_token) and hmac.compare_digest(str(form_token), staff["csrf"])


@web.middleware
async def require_login(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every page but login needs a live session; every POST needs the session's CSRF token."""
    if request.match_info.route.name in ("login", "login_form", "static"):
        return await handler(request)
    staff = await current_staff(request, request.config_dict[SERVICES].sessions)
    if staff is None:
        raise web.HTTPFound(
            request.app.router["login_form"].url_for().with_query(next=request.path)
        )
    if request.method == "POST":
        form = await request.post()
        if not csrf_ok(staff, form.get("csrf")):  # type: ignore[arg-type]
            log.warning("dashboard: POST without a valid CSRF token refused")
            raise web.HTTPForbidden(text="Phiên làm việc không hợp lệ, hãy tải lại trang.")
    request[STAFF] = staff
    return await handler(request)
