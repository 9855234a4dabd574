"""What every dashboard page uses: the services, the signed-in staff member, audit rows,
the header's counts of work waiting for staff, phone numbers made tappable."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import aiohttp_jinja2
from aiohttp import web
from markupsafe import Markup, escape
from yarl import URL

from bot.models.core import AuditLog
from bot.routing import Services
from bot.waiting import Waiting, waiting_counts
from bot.web.dashboard.auth import SERVICES, STAFF

if TYPE_CHECKING:
    from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

WAITING = web.RequestKey("waiting", Waiting)
NO_HEADER = (".xlsx", "/progress")
# Vietnamese phone numbers as people write them: 0912 345 678, 0912.345.678, +84 912 345 678,
# 024 3821 1234, 1900 9095 (hotlines), and 115 (emergency). The web chat's linkPhones (chat.js) uses the same pattern.
PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+84 ?|0)\d(?:[ .]?\d){7,9}|1[89]00(?:[ .]?\d){4,6}|115)(?!\w)"
)

_TAG_OR_LINK = re.compile(r"(<a\b[^>]*>.*?</a>|<[^>]+>)", re.S)


def services(request: web.Request) -> Services:
    return request.config_dict[SERVICES]


def staff_name(request: web.Request) -> str:
    return request[STAFF]["name"]


@web.middleware
async def count_waiting(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Pages shown to a signed-in staff member carry the header counters (not the files
    and the progress JSON polled every few seconds)."""
    if STAFF in request and not request.path.endswith(NO_HEADER):
        async with services(request).sessions() as session:
            request[WAITING] = await waiting_counts(session)
    return await handler(request)


def render(template: str, request: web.Request, context: dict[str, Any]) -> web.Response:
    context = {
        "staff": request.get(STAFF),
        "path": request.path,
        "waiting": request.get(WAITING),
        **context,
    }
    return aiohttp_jinja2.render_template(template, request, context)


def phone_links(text: str) -> Markup:
    """`text` escaped (unless already Markup), each phone number in it a tel: link;
    tags and existing links are left as they are."""

    def link(match: re.Match[str]) -> str:
        digits = re.sub(r"[ .]", "", match.group())
        return f'<a href="tel:{digits}">{match.group()}</a>'

    parts = _TAG_OR_LINK.split(str(escape(text)))
    return Markup("".join(part if i % 2 else PHONE.sub(link, part) for i, part in enumerate(parts)))


def redirect(path: str, message: str = "", anchor: str = "") -> web.HTTPFound:
    """Redirect after a POST; `message` shows once at the top of the next page."""
    url = URL(path).with_query(msg=message) if message else URL(path)
    return web.HTTPFound(url.with_fragment(anchor) if anchor else url)


async def audit(request: web.Request, action: str, detail: str) -> None:
    async with services(request).sessions() as session, session.begin():
        session.add(AuditLog(actor=staff_name(request), action=action, detail=detail))


async def download(book: Workbook, filename: str) -> web.Response:
    """A workbook as a file the browser saves. Writing one of thousands of rows takes
    seconds of CPU: off the event loop, so residents' chats and the webhooks are answered
    meanwhile."""
    return web.Response(
        body=await asyncio.to_thread(_xlsx_bytes, book),
        content_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _xlsx_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
