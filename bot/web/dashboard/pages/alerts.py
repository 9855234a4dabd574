"""Alerts: draft (text, photo, target, urgency) → preview → approve (a second person for
urgent ones) → sent through the outbox with live progress; cancel what is not yet sent."""

from __future__ import annotations

from aiohttp import web
from aiohttp.web_request import FileField
from babel.numbers import format_decimal
from markdown_it import MarkdownIt
from markupsafe import Markup

from bot.alerts import (
    AlertError,
    AlertTarget,
    approve_alert,
    audience_size,
    cancel_alert,
    draft_alert,
    get_alert,
    list_alerts,
    needs_second_approver,
    resident_text,
)
from bot.models.staff import AlertStatus
from bot.models.types import ROW_ID
from bot.outbox.broadcasts import broadcast_progress
from bot.web.dashboard.pages.common import redirect, render, services, staff_name
from bot.web.dashboard.uploads import (
    MAX_PHOTO_BYTES,
    Photo,
    UploadError,
    checked_photo,
    photo_url,
)
from content.station import load_station, load_topics

TITLE = "Cảnh báo"
PATH = "/admin/alerts"
routes = web.RouteTableDef()
_markdown = MarkdownIt("commonmark", {"html": False})


@routes.get("/alerts", name="alerts")
async def alerts_page(request: web.Request) -> web.Response:
    settings = services(request).settings
    me = staff_name(request)
    async with services(request).sessions() as session:
        alerts = await list_alerts(session)
        rows = []
        for alert in alerts:
            progress = (
                await broadcast_progress(session, alert.broadcast_id)
                if alert.broadcast_id
                else None
            )
            rows.append(
                {
                    "alert": alert,
                    "preview": Markup(_markdown.render(resident_text(alert))),
                    "target": AlertTarget.from_json(alert.target).describe(),
                    "reach": await audience_size(session, alert)
                    if alert.status == AlertStatus.DRAFT
                    else None,
                    "progress": progress,
                    "needs_other": needs_second_approver(alert, me, settings),
                }
            )
    return render(
        "alerts.html",
        request,
        {
            "rows": rows,
            "areas": load_station().areas,
            "topics": load_topics(),
            "max_photo_kb": MAX_PHOTO_BYTES // 1024,
            "message": request.query.get("msg", ""),
        },
    )


@routes.post("/alerts", name="alert_draft")
async def create_draft(request: web.Request) -> web.Response:
    form = await request.post()
    target = AlertTarget(
        topics=[str(t) for t in form.getall("topics", [])],
        areas=[str(a) for a in form.getall("areas", [])],
        groups_only=form.get("groups_only") == "1",
    )
    try:
        photo = _uploaded_photo(form.get("photo"))
        async with services(request).sessions() as session:
            alert = await draft_alert(
                session,
                text=str(form.get("text", "")),
                photo=photo_url(services(request).settings.base_url, photo.name) if photo else None,
                target=target,
                urgent=form.get("urgent") == "1",
                drafted_by=staff_name(request),
            )
    except (AlertError, UploadError) as exc:
        raise redirect(PATH, f"Lỗi: {exc}") from None
    if photo is not None:
        photo.store()
    raise redirect(PATH, f"Đã lưu bản nháp số {alert.id}; xem lại rồi duyệt.", f"alert-{alert.id}")


@routes.post(f"/alerts/{{alert_id:{ROW_ID}}}/approve", name="alert_approve")
async def approve(request: web.Request) -> web.Response:
    """First press: a page that names the audience size; sending needs its confirmation."""
    alert_id = int(request.match_info["alert_id"])
    if (await request.post()).get("confirmed") != "1":
        return await _confirm_page(request, alert_id)
    try:
        async with services(request).sessions() as session:
            alert = await approve_alert(
                session, alert_id, staff_name(request), services(request).settings
            )
            progress = await broadcast_progress(session, alert.broadcast_id or 0)
    except AlertError as exc:
        raise redirect(PATH, f"Lỗi: {exc}") from None
    raise redirect(
        PATH,
        f"Đã duyệt cảnh báo số {alert_id}; đang gửi tới {progress.total} người nhận.",
        f"alert-{alert_id}",
    )


@routes.post(f"/alerts/{{alert_id:{ROW_ID}}}/cancel", name="alert_cancel")
async def cancel(request: web.Request) -> web.Response:
    alert_id = int(request.match_info["alert_id"])
    try:
        async with services(request).sessions() as session:
            alert, withdrawn = await cancel_alert(session, alert_id, staff_name(request))
    except AlertError as exc:
        raise redirect(PATH, f"Lỗi: {exc}") from None
    if alert.status == AlertStatus.CANCELLED:
        raise redirect(PATH, f"Đã hủy bản nháp số {alert_id}.")
    raise redirect(
        PATH, f"Đã dừng phần chưa gửi của cảnh báo số {alert_id}: {withdrawn} tin được rút lại."
    )


async def _confirm_page(request: web.Request, alert_id: int) -> web.Response:
    settings = services(request).settings
    try:
        async with services(request).sessions() as session:
            alert = await get_alert(session, alert_id)
            if alert.status != "draft":
                raise AlertError(f"Cảnh báo số {alert_id} không còn là bản nháp.")
            if needs_second_approver(alert, staff_name(request), settings):
                raise AlertError("Cảnh báo khẩn cần một cán bộ khác duyệt.")
            reach = await audience_size(session, alert)
    except AlertError as exc:
        raise redirect(PATH, f"Lỗi: {exc}") from None
    return render(
        "confirm_send.html",
        request,
        {
            "question": f"Gửi tới {format_decimal(reach, locale='vi')} người?",
            "what": f"Cảnh báo số {alert_id} · {AlertTarget.from_json(alert.target).describe()}",
            "preview": Markup(_markdown.render(resident_text(alert))),
            "action": f"{PATH}/{alert_id}/approve",
            "back": f"{PATH}#alert-{alert_id}",
            "nobody": not reach,
        },
    )


def _uploaded_photo(field: object) -> Photo | None:
    """The chosen photo, checked; None when the staff member chose none."""
    if not isinstance(field, FileField) or not field.filename:
        return None
    return checked_photo(field.file.read())
