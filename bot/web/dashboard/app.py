"""Build the /admin sub-application: sessions, login, the pages, their templates."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.models.outbox import BroadcastStatus
from bot.models.staff import AlertStatus, RumorStatus, Verdict
from bot.routing import Services
from bot.web.dashboard.auth import SERVICES, require_login
from bot.web.dashboard.errors import error_pages
from bot.web.dashboard.pages import PAGES, login, registrants
from bot.web.dashboard.pages.common import count_waiting, phone_links

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"


async def _to_overview(_request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/admin/")


async def dashboard_app(services: Services) -> web.Application:
    app = web.Application()
    app[SERVICES] = services
    # Outermost first: errors from the login check get the Vietnamese page too.
    app.middlewares.extend([error_pages, require_login, count_waiting])
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    env.globals["nav"] = [(page.TITLE, page.PATH) for page in PAGES]
    env.filters["phone_links"] = phone_links
    # Templates compare statuses by name, as the code does.
    env.globals.update(
        AlertStatus=AlertStatus,
        BroadcastStatus=BroadcastStatus,
        RumorStatus=RumorStatus,
        Verdict=Verdict,
    )
    app.router.add_static("/static", STATIC, name="static")
    # The README's address, /admin without the slash, before and after signing in.
    app.router.add_get("", _to_overview, name="root")
    app.add_routes(login.routes)
    app.add_routes(registrants.routes)
    for page in PAGES:
        app.add_routes(page.routes)
    return app
