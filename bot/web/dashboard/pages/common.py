"""What every dashboard page uses: the services, the signed-in staff member, audit rows."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import aiohttp_jinja2
from aiohttp import web
from yarl import URL

from bot.models.core import AuditLog
from bot.routing import Services
from bot.web.dashboard.auth import SERVICES, STAFF

if TYPE_CHECKING:
    from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def services(request: web.Request) -> Services:
    return request.config_dict[SERVICES]


def staff_name(request: web.Request) -> str:
    return request[STAFF]["name"]


def render(template: str, request: web.Request, context: dict[str, Any]) -> web.Response:
    context = {"staff": request.get(STAFF), "path": request.path, **context}
    return aiohttp_jinja2.render_template(template, request, context)


def redirect(path: str, message: str = "", anchor: str = "") -> web.HTTPFound:
    """Redirect after a POST; `message` shows once at the top of the next page."""
    url = URL(path).with_query(msg=message) if message else URL(path)
    return web.HTTPFound(url.with_fragment(anchor) if anchor else url)


async def audit(request: web.Request, action: str, detail: str) -> None:
    async with services(request).sessions() as session, session.begin():
        session.add(AuditLog(actor=staff_name(request), action=action, detail=detail))


def download(book: Workbook, filename: str) -> web.Response:
    """A workbook as a file the browser saves."""
    buffer = io.BytesIO()
    book.save(buffer)
    return web.Response(
        body=buffer.getvalue(),
        content_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
