"""Sign in and out."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp_session import get_session

from bot.staff import check_password
from bot.web.dashboard.auth import LIMITER, STAFF, start_session
from bot.web.dashboard.pages.common import audit, render, services

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


@routes.get("/login", name="login_form")
async def login_form(request: web.Request) -> web.Response:
    return render("login.html", request, {"next": request.query.get("next", "/admin/")})


@routes.post("/login", name="login")
async def login(request: web.Request) -> web.Response:
    form = await request.post()
    name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
    next_page = str(form.get("next", "/admin/"))
    if not next_page.startswith("/admin"):
        next_page = "/admin/"
    limiter = request.app[LIMITER]
    key = (request.remote or "?", name)
    if limiter.blocked(key):
        log.warning("dashboard: too many failed logins, refused for 15 minutes")
        return render(
            "login.html",
            request,
            {"error": "Sai quá nhiều lần. Thử lại sau 15 phút.", "next": next_page},
        )
    async with services(request).sessions() as session:
        member = await check_password(session, name, password)
    if member is None:
        limiter.failed(key)
        return render(
            "login.html", request, {"error": "Sai tên đăng nhập hoặc mật khẩu.", "next": next_page}
        )
    limiter.succeeded(key)
    await start_session(request, member)
    request[STAFF] = {"name": member.name}
    await audit(request, "dashboard.login", "")
    raise web.HTTPFound(next_page)


@routes.post("/logout", name="logout")
async def logout(request: web.Request) -> web.Response:
    session = await get_session(request)
    session.invalidate()
    raise web.HTTPFound("/admin/login")
