"""Sign in and out, one's own sessions ("đăng xuất mọi nơi") and password.

Failed logins are limited two ways, in the database so restarts and every instance share
them: per address across names (a guesser is refused after FAILURES_PER_ADDRESS), and per
name across addresses by a growing delay, never a lockout: anyone's wrong guesses cannot
keep the real owner out, only slow each try down by at most MAX_DELAY seconds.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from aiohttp import web
from sqlalchemy import select

from bot.models.security import StaffSession
from bot.models.staff import StaffMember
from bot.staff import (
    HashingBusy,
    StaffError,
    check_password,
    end_sessions_of,
    password_matches,
    set_password,
)
from bot.throttle import forget, recent, record
from bot.web.dashboard.auth import (
    COOKIE_NAME,
    STAFF,
    end_session,
    set_session_cookie,
    start_session,
)
from bot.web.dashboard.pages.common import audit, redirect, render, services

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

WINDOW = timedelta(minutes=15)
FAILURES_PER_ADDRESS = 10
FREE_FAILURES_PER_NAME = 3
MAX_DELAY = 8.0
TOO_MANY = "Có quá nhiều lần đăng nhập sai từ mạng này. Thử lại sau 15 phút."
BUSY = "Máy chủ đang bận kiểm tra nhiều lượt đăng nhập. Thử lại sau ít giây."
# Seam for tests: how a slowed-down login waits.
pause = asyncio.sleep


def name_delay(failures: int) -> float:
    """Seconds to wait before checking a name that failed this often lately: 1, 2, 4, 8…"""
    if failures < FREE_FAILURES_PER_NAME:
        return 0.0
    return min(2.0 ** (failures - FREE_FAILURES_PER_NAME), MAX_DELAY)


@routes.get("/login", name="login_form")
async def login_form(request: web.Request) -> web.Response:
    context = {"next": request.query.get("next", "/admin/"), "message": request.query.get("msg")}
    return render("login.html", request, context)


@routes.post("/login", name="login")
async def login(request: web.Request) -> web.Response:
    form = await request.post()
    name, password = str(form.get("name", "")).strip()[:64], str(form.get("password", ""))[:1024]
    next_page = str(form.get("next", "/admin/"))
    if not next_page.startswith("/admin") or next_page.startswith("/admin//"):
        next_page = "/admin/"
    address, account = request.remote or "?", name.casefold()
    db = services(request).sessions
    # Sessions are short: none is held while a login waits (its delay, the hasher).
    async with db() as session:
        if await recent(session, "login_address", address, WINDOW) >= FAILURES_PER_ADDRESS:
            log.warning("dashboard: too many failed logins from one address, refused")
            return render("login.html", request, {"error": TOO_MANY, "next": next_page})
        failures = await recent(session, "login_name", account, WINDOW)
        member = await session.scalar(select(StaffMember).where(StaffMember.name == name))
    await pause(name_delay(failures))
    try:
        matches = await password_matches(member, password)
    except HashingBusy:
        return render("login.html", request, {"error": BUSY, "next": next_page})
    async with db() as session:
        if not matches or member is None:
            await record(session, "login_address", address)
            await record(session, "login_name", account)
            return render(
                "login.html",
                request,
                {"error": "Sai tên đăng nhập hoặc mật khẩu.", "next": next_page},
            )
        await forget(session, "login_name", account)
        token = await start_session(session, member)
    request[STAFF] = {"name": member.name}
    await audit(request, "dashboard.login", "")
    response = web.HTTPFound(next_page)
    set_session_cookie(response, token, secure=services(request).settings.cookies_secure)
    raise response


@routes.post("/logout", name="logout")
async def logout(request: web.Request) -> web.Response:
    async with services(request).sessions() as session:
        await end_session(session, request[STAFF]["session"])
    response = web.HTTPFound("/admin/login")
    response.del_cookie(COOKIE_NAME, path="/")
    raise response


@routes.get("/sessions", name="sessions")
async def sessions_page(request: web.Request) -> web.Response:
    async with services(request).sessions() as session:
        rows = list(
            await session.scalars(
                select(StaffSession)
                .where(StaffSession.staff_id == request[STAFF]["id"])
                .order_by(StaffSession.created_at.desc())
            )
        )
    return render(
        "sessions.html",
        request,
        {
            "sessions": rows,
            "current": request[STAFF]["session"],
            "tz": services(request).settings.tz,
            "message": request.query.get("msg", ""),
        },
    )


@routes.post("/sessions/password", name="change_password")
async def change_password(request: web.Request) -> web.Response:
    """A new password for oneself; every session of the account ends, this one too."""
    form = await request.post()
    name = request[STAFF]["name"]
    current, new = str(form.get("current", "")), str(form.get("new", ""))[:1024]
    async with services(request).sessions() as session:
        if await check_password(session, name, current) is None:
            raise redirect("/admin/sessions", "Lỗi: mật khẩu hiện tại không đúng.")
        try:
            await set_password(session, name, new, actor=name)
        except StaffError as exc:
            raise redirect("/admin/sessions", f"Lỗi: {exc}.") from None
    response = redirect("/admin/login", "Đã đổi mật khẩu. Đăng nhập lại bằng mật khẩu mới.")
    response.del_cookie(COOKIE_NAME, path="/")
    raise response


@routes.post("/sessions/end-all", name="end_all_sessions")
async def end_all(request: web.Request) -> web.Response:
    async with services(request).sessions() as session:
        ended = await end_sessions_of(session, request[STAFF]["id"])
        await session.commit()
    await audit(request, "dashboard.logout_everywhere", f"{ended} phiên")
    response = web.HTTPFound("/admin/login")
    response.del_cookie(COOKIE_NAME, path="/")
    raise response
