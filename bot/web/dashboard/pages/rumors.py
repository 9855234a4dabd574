"""Rumor reports: similar reports grouped; answer true / false with a correction / checking."""

from __future__ import annotations

from aiohttp import web

from bot.models.staff import Verdict
from bot.models.types import ROW_ID
from bot.rumors import RumorError, answer_similar, correction_to_alert, open_groups
from bot.web.dashboard.pages.common import redirect, render, services, staff_name

TITLE = "Tin đồn"
PATH = "/admin/rumors"
routes = web.RouteTableDef()


@routes.get("/rumors", name="rumors")
async def rumors_page(request: web.Request) -> web.Response:
    async with services(request).sessions() as session:
        groups = await open_groups(session)
    return render(
        "rumors.html",
        request,
        {
            "groups": groups,
            "tz": services(request).settings.tz,
            "message": request.query.get("msg", ""),
        },
    )


@routes.post(f"/rumors/{{report_id:{ROW_ID}}}/answer", name="rumor_answer")
async def answer(request: web.Request) -> web.Response:
    report_id = int(request.match_info["report_id"])
    form = await request.post()
    verdict = str(form.get("verdict", ""))
    try:
        async with services(request).sessions() as session:
            answered = await answer_similar(
                session,
                report_id,
                verdict,
                staff_name(request),
                str(form.get("correction", "")) or None,
            )
            if answered is None:
                raise redirect(PATH, "Tin báo này đã được trả lời.")
            if verdict == Verdict.FALSE and form.get("alert") == "1":
                alert = await correction_to_alert(session, report_id, staff_name(request))
                raise redirect(
                    "/admin/alerts",
                    f"{answered.summary()} Bản nháp đính chính số {alert.id}: xem lại rồi duyệt.",
                    f"alert-{alert.id}",
                )
    except RumorError as exc:
        raise redirect(PATH, f"Lỗi: {exc}") from None
    raise redirect(PATH, answered.summary())
