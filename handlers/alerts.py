"""/canhbao: staff draft an alert → choose who gets it → urgency → preview → approve → outbox.

Flow (the table at the end; docs/alerts-dialogue.mmd is drawn from it):
    /canhbao [text] → ASK_TEXT → ASK_TARGET (all | tổ dân phố → ASK_AREA | topic → ASK_TOPIC
    | groups) → ASK_URGENCY → preview + "Duyệt và gửi" (urgent ones by a second staff
    member: /duyet <id>) → queued; "Tiến độ" shows delivery and can cancel what is not yet
    sent. Approving, progress and cancelling name their alert, so they work outside the flow.
"""

from __future__ import annotations

from enum import Enum, auto

from bot.alerts import (
    AlertError,
    AlertTarget,
    approve_alert,
    audience_size,
    cancel_alert,
    checked_areas,
    checked_topics,
    draft_alert,
    get_alert,
    needs_second_approver,
    resident_text,
)
from bot.buttons import (
    AlertApproval,
    AlertAreaChoice,
    AlertCancel,
    AlertProgress,
    AlertTargetChoice,
    AlertTargetKind,
    AlertTopicChoice,
    AlertUrgency,
    id_of,
)
from bot.core import Button, Incoming, Reply, Role
from bot.flows import END, Flow, On, Step, Typed
from bot.models.staff import AlertStatus
from bot.outbox.broadcasts import broadcast_progress
from bot.routing import Context, Router
from content.station import load_station, load_topics
from handlers.common import back_button
from handlers.staffing import actor_of, number_after

router = Router("alerts")
BACK = "alert:back"


class AlertStep(Enum):
    ASK_TEXT = auto()
    ASK_TARGET = auto()
    ASK_AREA = auto()
    ASK_TOPIC = auto()
    ASK_URGENCY = auto()


@router.command("canhbao", role=Role.STAFF)
async def on_alert(incoming: Incoming, ctx: Context) -> Reply:
    """Start a draft; the text may come with the command."""
    await ctx.end_dialogue()
    if incoming.argument:
        return await save_text(incoming, ctx, incoming.argument)
    return await FLOW.go_to(ctx, AlertStep.ASK_TEXT, photo=incoming.photo)


async def ask_text(ctx: Context) -> Reply:
    return Reply(
        ctx._("Nhập nội dung cảnh báo (có thể gửi kèm ảnh):"), [Button(ctx._("Hủy"), "alert:quit")]
    )


async def ask_target(incoming: Incoming, ctx: Context) -> Reply:
    """Keep the text, then ask who should receive it."""
    return await save_text(incoming, ctx, incoming.text or "")


async def choose_target(incoming: Incoming, ctx: Context) -> Reply:
    """All, one tổ dân phố, one topic, or the groups only."""
    pressed = AlertTargetChoice.parse(incoming.button)
    if pressed is None:
        return await FLOW.go_to(ctx, AlertStep.ASK_TARGET)
    if pressed.target is AlertTargetKind.ONE_AREA:
        return await FLOW.go_to(ctx, AlertStep.ASK_AREA)
    if pressed.target is AlertTargetKind.ONE_TOPIC:
        return await FLOW.go_to(ctx, AlertStep.ASK_TOPIC)
    groups_only = pressed.target is AlertTargetKind.GROUPS
    return await FLOW.go_to(ctx, AlertStep.ASK_URGENCY, target={"groups_only": groups_only})


async def ask_area(ctx: Context) -> Reply:
    return Reply(
        ctx._("Gửi tới tổ dân phố nào?"),
        [
            *(Button(area, AlertAreaChoice(area).pack()) for area in load_station().areas),
            back_button(ctx, BACK),
        ],
    )


async def ask_topic(ctx: Context) -> Reply:
    return Reply(
        ctx._("Gửi tới người chọn chủ đề nào?"),
        [
            *(Button(t.label(ctx.locale), AlertTopicChoice(t.code).pack()) for t in load_topics()),
            back_button(ctx, BACK),
        ],
    )


async def choose_area(incoming: Incoming, ctx: Context) -> Reply:
    """Send to one tổ dân phố."""
    chosen = AlertAreaChoice.parse(incoming.button)
    area = chosen.area if chosen else ""
    try:
        areas = checked_areas([area])
    except AlertError as exc:
        return Reply(str(exc))
    return await FLOW.go_to(ctx, AlertStep.ASK_URGENCY, target={"areas": areas})


async def choose_topic(incoming: Incoming, ctx: Context) -> Reply:
    """Send to the residents who chose one topic."""
    chosen = AlertTopicChoice.parse(incoming.button)
    topic = chosen.topic if chosen else ""
    try:
        topics = checked_topics([topic])
    except AlertError as exc:
        return Reply(str(exc))
    return await FLOW.go_to(ctx, AlertStep.ASK_URGENCY, target={"topics": topics})


async def preview_alert(incoming: Incoming, ctx: Context) -> list[Reply]:
    """Save the draft and show it exactly as residents will see it."""
    if not ctx.data.get("text"):
        return [Reply(ctx._("Bản nháp đã hết hạn. Gõ /canhbao để soạn lại."))]
    target = AlertTarget(**ctx.data.get("target", {}))
    urgency = AlertUrgency.parse(incoming.button)
    try:
        async with ctx.sessions() as session:
            alert = await draft_alert(
                session,
                text=ctx.data["text"],
                photo=ctx.data.get("photo"),
                target=target,
                urgent=bool(urgency and urgency.urgent),
                drafted_by=await actor_of(incoming, ctx),
            )
    except AlertError as exc:
        return [Reply(str(exc))]
    await ctx.end_dialogue()
    return [
        Reply(resident_text(alert), photo=alert.photo),
        await approval_reply(incoming, ctx, alert.id),
    ]


@router.command("duyet", role=Role.STAFF)
async def on_review(incoming: Incoming, ctx: Context) -> list[Reply]:
    """Show a colleague's draft for approval: /duyet <số>."""
    alert_id = number_after("", incoming.argument)
    if alert_id is None and incoming.argument.isdecimal():  # too many digits for any draft
        return [Reply(ctx._("Không có cảnh báo số {id}.").format(id=incoming.argument))]
    if alert_id is None:
        return [Reply(ctx._("Gõ /duyet kèm số bản nháp, ví dụ /duyet 12."))]
    try:
        async with ctx.sessions() as session:
            alert = await get_alert(session, alert_id)
    except AlertError as exc:
        return [Reply(str(exc))]
    return [
        Reply(resident_text(alert), photo=alert.photo),
        await approval_reply(incoming, ctx, alert_id),
    ]


@router.button(AlertApproval.prefix(), role=Role.STAFF)
async def approve(incoming: Incoming, ctx: Context) -> Reply:
    """Approve: the alert goes into the outbox for every recipient."""
    alert_id = id_of(AlertApproval.parse(incoming.button))
    try:
        async with ctx.sessions() as session:
            alert = await approve_alert(
                session, alert_id, await actor_of(incoming, ctx), ctx.settings
            )
            progress = await broadcast_progress(session, alert.broadcast_id or 0)
    except AlertError as exc:
        return Reply(str(exc))
    return Reply(
        ctx._("Đã duyệt cảnh báo số {id}; đang gửi tới {count} người nhận.").format(
            id=alert.id, count=progress.total
        ),
        [Button(ctx._("Xem tiến độ"), AlertProgress(alert.id or 0).pack())],
    )


@router.button(AlertProgress.prefix(), role=Role.STAFF)
async def show_progress(incoming: Incoming, ctx: Context) -> Reply:
    """Delivery counts so far, with a way to stop what is not yet sent."""
    alert_id = id_of(AlertProgress.parse(incoming.button))
    try:
        async with ctx.sessions() as session:
            alert = await get_alert(session, alert_id)
            progress = (
                await broadcast_progress(session, alert.broadcast_id)
                if alert.broadcast_id
                else None
            )
    except AlertError as exc:
        return Reply(str(exc))
    if progress is None:
        return Reply(ctx._("Cảnh báo số {id} chưa được gửi.").format(id=alert_id))
    refresh = Button(ctx._("Cập nhật"), AlertProgress(alert_id).pack())
    stop = Button(ctx._("Dừng phần chưa gửi"), AlertCancel(alert_id).pack())
    return Reply(
        ctx._(
            "Cảnh báo số {id}: đã gửi {sent}/{total}, đang chờ {pending}, lỗi {failed}, bị chặn {blocked}."
        ).format(
            id=alert_id,
            sent=progress.sent,
            total=progress.total,
            pending=progress.pending,
            failed=progress.failed,
            blocked=progress.blocked,
        ),
        [refresh, stop] if progress.pending else [refresh],
    )


@router.button(AlertCancel.prefix(), role=Role.STAFF)
async def cancel(incoming: Incoming, ctx: Context) -> Reply:
    """Cancel a draft, or stop what is not yet sent."""
    alert_id = id_of(AlertCancel.parse(incoming.button))
    try:
        async with ctx.sessions() as session:
            alert, withdrawn = await cancel_alert(session, alert_id, await actor_of(incoming, ctx))
    except AlertError as exc:
        return Reply(str(exc))
    if alert.status == AlertStatus.CANCELLED:
        return Reply(ctx._("Đã hủy bản nháp số {id}.").format(id=alert_id))
    return Reply(
        ctx._("Đã dừng phần chưa gửi của cảnh báo số {id}: {count} tin được rút lại.").format(
            id=alert_id, count=withdrawn
        )
    )


async def quit_draft(_incoming: Incoming, ctx: Context) -> Reply:
    """Leave the draft dialogue without saving."""
    await ctx.end_dialogue()
    return Reply(ctx._("Đã bỏ bản nháp."))


async def save_text(incoming: Incoming, ctx: Context, text: str) -> Reply:
    if not text.strip():
        return Reply(ctx._("Nội dung đang trống. Nhập nội dung cảnh báo:"))
    photo = incoming.photo or ctx.data.get("photo")
    return await FLOW.go_to(ctx, AlertStep.ASK_TARGET, text=text.strip(), photo=photo)


async def ask_target_kind(ctx: Context) -> Reply:
    return Reply(
        ctx._("Gửi tới ai?"),
        [
            Button(ctx._("Toàn phường"), AlertTargetChoice(AlertTargetKind.EVERYONE).pack()),
            Button(ctx._("Một tổ dân phố"), AlertTargetChoice(AlertTargetKind.ONE_AREA).pack()),
            Button(ctx._("Theo chủ đề"), AlertTargetChoice(AlertTargetKind.ONE_TOPIC).pack()),
            Button(ctx._("Chỉ các nhóm"), AlertTargetChoice(AlertTargetKind.GROUPS).pack()),
            back_button(ctx, BACK),
            Button(ctx._("Hủy"), "alert:quit"),
        ],
    )


async def urgency_question(ctx: Context) -> Reply:
    return Reply(
        ctx._("Mức độ? Tin khẩn được gửi ngay cả giờ nghỉ và đi trước các tin thường."),
        [
            Button(ctx._("Khẩn"), AlertUrgency(urgent=True).pack()),
            Button(ctx._("Thường"), AlertUrgency(urgent=False).pack()),
            back_button(ctx, BACK),
        ],
    )


async def approval_reply(incoming: Incoming, ctx: Context, alert_id: int) -> Reply:
    """The draft's target and reach, with approve/cancel (only cancel when a colleague must approve)."""
    async with ctx.sessions() as session:
        alert = await get_alert(session, alert_id)
        reach = await audience_size(session, alert)
    target = AlertTarget.from_json(alert.target).describe()
    summary = ctx._("Bản nháp số {id} (gửi tới: {target}; hiện có {reach} người nhận).").format(
        id=alert.id, target=target, reach=reach
    )
    if not reach:
        summary += " " + ctx._(
            "Lưu ý: chưa có ai khớp đối tượng này; duyệt bây giờ thì không ai nhận được."
        )
    if needs_second_approver(alert, await actor_of(incoming, ctx), ctx.settings):
        return Reply(
            summary
            + " "
            + ctx._("Tin khẩn cần một cán bộ khác duyệt: nhờ đồng nghiệp gõ /duyet {id}.").format(
                id=alert.id
            ),
            [Button(ctx._("Hủy"), AlertCancel(alert.id or 0).pack())],
        )
    return Reply(
        summary + " " + ctx._("Kiểm tra nội dung ở trên rồi duyệt."),
        [
            Button(ctx._("Duyệt và gửi"), AlertApproval(alert.id or 0).pack()),
            Button(ctx._("Hủy"), AlertCancel(alert.id or 0).pack()),
        ],
    )


# --- the dialogue, declared --------------------------------------------------------

A = AlertStep
FLOW = router.flow(
    Flow(
        "alerts",
        started_by={"/canhbao": A.ASK_TEXT, "/canhbao nội dung": A.ASK_TARGET},
        role=Role.STAFF,
        back_data=BACK,
        way_out=(On("alert:quit", quit_draft, to=(END,)),),
        steps={
            A.ASK_TEXT: Step(ask_text, typed=Typed(ask_target, to=(A.ASK_TARGET,))),
            A.ASK_TARGET: Step(
                ask_target_kind,
                buttons=(
                    On(
                        AlertTargetChoice.prefix(),
                        choose_target,
                        to=(A.ASK_AREA, A.ASK_TOPIC, A.ASK_URGENCY),
                    ),
                ),
                back=A.ASK_TEXT,
            ),
            A.ASK_AREA: Step(
                ask_area,
                buttons=(On(AlertAreaChoice.prefix(), choose_area, to=(A.ASK_URGENCY,)),),
                back=A.ASK_TARGET,
            ),
            A.ASK_TOPIC: Step(
                ask_topic,
                buttons=(On(AlertTopicChoice.prefix(), choose_topic, to=(A.ASK_URGENCY,)),),
                back=A.ASK_TARGET,
            ),
            A.ASK_URGENCY: Step(
                urgency_question,
                buttons=(On(AlertUrgency.prefix(), preview_alert, to=(END,)),),
                back=A.ASK_TARGET,
            ),
        },
    )
)
