"""What every page of the bot's web site gets: security headers, errors in Vietnamese
(a page for people, JSON for the APIs) instead of aiohttp's English defaults, and a
bound on how long a request's body may take to arrive."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.web.dashboard.auth import Handler
from bot.web.public import not_found_page

log = logging.getLogger(__name__)

# A body not fully arrived this long after its request's head is refused (408), whichever
# route reads it (web chat, webhooks, dashboard forms): a slow or half-sent one.
BODY_TIMEOUT_S = 10.0
# No inline script anywhere (scripts are files under /static); inline styles stay allowed
# for the charts' SVG. Broadcast photos may be linked from other https sites.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' https: data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
API_ERRORS = {
    404: "Không có địa chỉ API này.",
    405: "Địa chỉ API này không nhận cách gửi đó.",
    408: "Nội dung gửi lên đến quá chậm.",
    413: "Nội dung gửi lên quá lớn.",
}


async def _add_headers(_request: web.Request, response: web.StreamResponse) -> None:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)


@web.middleware
async def vietnamese_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        if request.path.startswith("/api/"):
            message = API_ERRORS.get(error.status, "Yêu cầu không hợp lệ.")
            return web.json_response({"error": message}, status=error.status)
        if error.status in (404, 405):
            return not_found_page()
        raise


@web.middleware
async def body_in_time(request: web.Request, handler: Handler) -> web.StreamResponse:
    body = request.content
    if body.is_eof():
        return await handler(request)
    handling = True

    def arrived() -> None:
        # Once the body is in, the route takes as long as its work needs.
        if handling and not deadline.expired():
            deadline.reschedule(None)

    try:
        async with asyncio.timeout(BODY_TIMEOUT_S) as deadline:
            body.on_eof(arrived)
            return await handler(request)
    except TimeoutError:
        if not deadline.expired():
            raise  # the route's own
        log.warning("%s %s: request refused (body too slow)", request.method, request.path)
        raise web.HTTPRequestTimeout(text=API_ERRORS[408]) from None
    except ConnectionResetError:
        if request.transport is not None and not request.transport.is_closing():
            raise  # not the client's connection
        # A client that gave up half way: one line, not a traceback per attempt.
        log.warning("%s %s: the client left before its body arrived", request.method, request.path)
        raise web.HTTPBadRequest() from None
    finally:
        handling = False


def secure_site(app: web.Application) -> None:
    """Install the headers, the error pages and the body bound on the site's root application."""
    app.on_response_prepare.append(_add_headers)
    app.middlewares.append(vietnamese_errors)
    app.middlewares.append(body_in_time)  # inside: its 408 gets the Vietnamese error
