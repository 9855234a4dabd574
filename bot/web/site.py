"""What every page of the bot's web site gets: security headers, and errors in Vietnamese
(a page for people, JSON for the APIs) instead of aiohttp's English defaults."""

from __future__ import annotations

from aiohttp import web

from bot.web.dashboard.auth import Handler
from bot.web.public import not_found_page

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


def secure_site(app: web.Application) -> None:
    """Install the headers and the error pages on the site's root application."""
    app.on_response_prepare.append(_add_headers)
    app.middlewares.append(vietnamese_errors)
