"""One screening session's registrations: who registered, found by name, code or phone,
marked attended or absent (audited, as `loaphuong screening attend` is)."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from yarl import URL

from bot.models.types import ROW_ID
from bot.screening.attendance import mark_absent, mark_attended
from bot.screening.registrants import masked_phone, session_registrations
from bot.screening.sessions import ScreeningError
from bot.web.dashboard.pages.common import render, services, staff_name

STATUS_NAMES = {"registered": "Đã đăng ký", "attended": "Đã khám", "no_show": "Vắng"}
MARKS = {"attend": (mark_attended, "đã đến khám"), "absent": (mark_absent, "vắng")}
routes = web.RouteTableDef()


def back_to_list(session_id: str, query: str, message: str, anchor: str = "") -> web.HTTPFound:
    """Redirect after a mark to the same list, search kept, `message` shown once."""
    url = URL(f"/admin/screening/sessions/{session_id}/registrations")
    url = url.with_query({key: value for key, value in (("q", query), ("msg", message)) if value})
    return web.HTTPFound(url.with_fragment(anchor or None))


@routes.get(
    f"/screening/sessions/{{session_id:{ROW_ID}}}/registrations", name="screening_registrations"
)
async def registrations_page(request: web.Request) -> web.Response:
    session_id = int(request.match_info["session_id"])
    query = request.query.get("q", "").strip()[:120]
    try:
        async with services(request).sessions() as session:
            held, rows = await session_registrations(
                session, session_id, query, actor=staff_name(request)
            )
    except ScreeningError:
        raise web.HTTPNotFound() from None
    today = datetime.now(services(request).settings.tz).date()
    return render(
        "registrations.html",
        request,
        {
            "held": held,
            "rows": rows,
            "query": query,
            "masked_phone": masked_phone,
            "statuses": STATUS_NAMES,
            "can_mark": held.day <= today,
            "message": request.query.get("msg", ""),
        },
    )


@routes.post(
    f"/screening/sessions/{{session_id:{ROW_ID}}}/registrations/{{mark:attend|absent}}",
    name="screening_mark",
)
async def mark(request: web.Request) -> web.Response:
    session_id = request.match_info["session_id"]
    form = await request.post()
    code, query = str(form.get("code", "")), str(form.get("q", ""))
    record, said = MARKS[request.match_info["mark"]]
    try:
        async with services(request).sessions() as session:
            registration = await record(
                session,
                code,
                today=datetime.now(services(request).settings.tz).date(),
                actor=staff_name(request),
            )
    except ScreeningError as exc:
        raise back_to_list(session_id, query, f"Lỗi: {exc}") from None
    raise back_to_list(
        session_id,
        query,
        f"Đã ghi nhận mã {registration.code} {said}.",
        f"reg-{registration.code}",
    )
