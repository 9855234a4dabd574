"""Vietnamese error pages for the dashboard, instead of aiohttp's English defaults."""

from __future__ import annotations

import logging

import aiohttp_jinja2
from aiohttp import web

from bot.web.dashboard.auth import STAFF, Handler

log = logging.getLogger(__name__)

# What staff read for each error status; the exception's own text when it set one.
MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    403: "Bạn không có quyền làm việc này.",
    404: "Không tìm thấy trang hoặc mục này. Có thể nó đã bị xóa, hoặc đường dẫn bị gõ sai.",
    405: "Trang này không nhận thao tác đó.",
    413: "Tệp hoặc nội dung gửi lên quá lớn.",
    500: "Có lỗi bên trong máy chủ. Xin thử lại sau ít phút; nếu vẫn lỗi, báo quản trị viên.",
}


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise  # redirects
        return error_page(request, error.status, _own_text(error))
    except ConnectionResetError:
        raise  # the client left half way: the site's body bound says so (bot/web/site.py)
    except Exception:
        log.exception("dashboard page failed: %s %s", request.method, request.path)
        return error_page(request, 500, MESSAGES[500])


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    context = {"staff": request.get(STAFF), "status": status, "error": message}
    return aiohttp_jinja2.render_template("error.html", request, context, status=status)


def _own_text(error: web.HTTPException) -> str:
    """The Vietnamese text a handler gave the error, else the status's standard one."""
    default = f"{error.status}: {error.reason}"
    given = error.text or ""
    if given and given != default:
        return given
    return MESSAGES.get(error.status, MESSAGES[500] if error.status >= 500 else MESSAGES[400])
