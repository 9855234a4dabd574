"""/baotin: a resident reports a suspicious message; /tindon: staff answer the queue.

Resident: /baotin [text or photo] → ASK_MESSAGE → stored with a reference, thanked.
Staff: /tindon → similar reports grouped → Đúng | Sai (→ ASK_CORRECTION) | Đang kiểm tra
→ every reporter in the group is told; a correction can become an alert draft.
The two typed steps are declared as flows at the end (docs/rumors-dialogue.mmd is drawn
from them); the queue's buttons name their report, so they work outside any flow.
"""

from __future__ import annotations

from enum import Enum, auto

from bot.alerts import resident_text
from bot.buttons import RumorToAlert, RumorVerdict, id_of
from bot.core import Button, Incoming, Reply, Role
from bot.flows import END, Flow, On, Step, Typed
from bot.models.staff import Verdict
from bot.routing import Context, Router
from bot.rumors import (
    Answered,
    RumorError,
    answer_similar,
    correction_to_alert,
    file_report,
    open_groups,
)
from bot.subscribers import find_subscriber
from handlers.alerts import approval_reply
from handlers.staffing import actor_of

router = Router("rumors")

QUEUE_PAGE = 5
QUIT_CORRECTION = "rumor:quit_correction"


class RumorStep(Enum):
    ASK_MESSAGE = auto()
    ASK_CORRECTION = auto()


@router.command("baotin", words=("báo tin đồn", "báo tin giả", "tin đồn", "tin giả"))
async def on_report(incoming: Incoming, ctx: Context) -> Reply:
    """Take the suspicious message now if it came with the command, else ask for it."""
    if incoming.argument or incoming.photo:
        return await store_report(incoming, ctx, incoming.argument)
    return await REPORT_FLOW.start(ctx, RumorStep.ASK_MESSAGE)


async def ask_message(ctx: Context) -> Reply:
    return Reply(
        ctx._(
            "Bà con dán hoặc chuyển tiếp tin nghi là tin đồn, tin giả về sức khỏe vào đây (chữ hoặc ảnh):"
        ),
        [Button(ctx._("Hủy"), "rumor:quit")],
    )


async def receive_report(incoming: Incoming, ctx: Context) -> Reply:
    """Store the pasted message."""
    return await store_report(incoming, ctx, incoming.text or "")


async def quit_dialogue(_incoming: Incoming, ctx: Context) -> Reply:
    """Leave without storing anything."""
    await ctx.end_dialogue()
    return Reply(ctx._("Đã hủy."))


@router.command("tindon", role=Role.STAFF)
async def on_queue(_incoming: Incoming, ctx: Context) -> list[Reply]:
    """Open reports, similar ones grouped, each group with its answer buttons."""
    async with ctx.sessions() as session:
        groups = await open_groups(session)
    if not groups:
        return [Reply(ctx._("Không có tin báo nào đang chờ."))]
    replies = []
    for group in groups[:QUEUE_PAGE]:
        first = group.sample
        replies.append(
            Reply(
                ctx._("{ref} ({count} người báo): {text}").format(
                    ref=first.reference, count=len(group.reports), text=first.text[:500] or "(ảnh)"
                ),
                [
                    Button(ctx._("Đúng"), RumorVerdict(Verdict.TRUE, first.id or 0).pack()),
                    Button(
                        ctx._("Sai — đính chính"), RumorVerdict(Verdict.FALSE, first.id or 0).pack()
                    ),
                    Button(
                        ctx._("Đang kiểm tra"), RumorVerdict(Verdict.CHECKING, first.id or 0).pack()
                    ),
                ],
                photo=first.photo,
            )
        )
    return replies


@router.button(RumorVerdict.prefix(Verdict.TRUE), role=Role.STAFF)
@router.button(RumorVerdict.prefix(Verdict.FALSE), role=Role.STAFF)
@router.button(RumorVerdict.prefix(Verdict.CHECKING), role=Role.STAFF)
async def answer_verdict(incoming: Incoming, ctx: Context) -> Reply:
    """True or being checked: tell every reporter now; false: ask for the correction first."""
    pressed = RumorVerdict.parse(incoming.button)
    if pressed is None:
        return Reply(ctx._("Không tìm thấy tin báo này."))
    if pressed.verdict is Verdict.FALSE:
        return await ask_correction(ctx, pressed.record)
    try:
        answered = await answer_group(incoming, ctx, pressed.record, pressed.verdict, None)
    except RumorError as exc:
        return Reply(str(exc))
    return answered_reply(ctx, answered)


async def ask_correction(ctx: Context, report_id: int) -> Reply:
    """A false rumor needs the true fact, which the reporters and the alert will carry."""
    return await CORRECTION_FLOW.start(ctx, RumorStep.ASK_CORRECTION, report_id=report_id)


async def ask_correction_text(ctx: Context) -> Reply:
    return Reply(
        ctx._("Nhập nội dung đính chính: sự thật là gì, theo nguồn nào (không nhắc lại tin sai)."),
        [Button(ctx._("Hủy"), QUIT_CORRECTION)],
    )


async def answer_false(incoming: Incoming, ctx: Context) -> Reply:
    """Record the correction, tell the reporters, offer to alert everyone."""
    report_id = int(ctx.data.get("report_id") or 0)
    correction = (incoming.text or "").strip()
    if not correction:
        return Reply(
            ctx._("Nội dung đính chính đang trống. Nhập sự thật là gì, theo nguồn nào:"),
            [Button(ctx._("Hủy"), QUIT_CORRECTION)],
        )
    await ctx.end_dialogue()
    try:
        answered = await answer_group(incoming, ctx, report_id, "false", correction)
    except RumorError as exc:
        return Reply(str(exc))
    reply = answered_reply(ctx, answered)
    if answered is None:
        return reply
    return Reply(
        reply.text,
        [Button(ctx._("Gửi đính chính cho cả phường"), RumorToAlert(report_id).pack())],
    )


@router.button(RumorToAlert.prefix(), role=Role.STAFF)
async def make_alert(incoming: Incoming, ctx: Context) -> list[Reply]:
    """Turn the correction into an alert draft, shown for approval."""
    report_id = id_of(RumorToAlert.parse(incoming.button))
    try:
        async with ctx.sessions() as session:
            alert = await correction_to_alert(session, report_id, await actor_of(incoming, ctx))
    except RumorError as exc:
        return [Reply(str(exc))]
    return [Reply(resident_text(alert)), await approval_reply(incoming, ctx, alert.id or 0)]


async def store_report(incoming: Incoming, ctx: Context, text: str) -> Reply:
    """File the report; only a subscriber is promised an answer (nobody is subscribed here)."""
    try:
        async with ctx.sessions() as session:
            subscriber = await find_subscriber(session, incoming.channel, incoming.chat_id)
            report = await file_report(
                session,
                text=text,
                photo=incoming.photo,
                channel=incoming.channel,
                chat_id=incoming.chat_id,
            )
    except RumorError:
        return Reply(ctx._("Tin báo đang trống. Bà con dán nội dung tin cần kiểm tra vào đây:"))
    await ctx.end_dialogue()
    if subscriber is None or not subscriber.active:
        return Reply(
            ctx._(
                "Cảm ơn bà con! Trạm y tế đã nhận tin báo, mã {ref}. Bà con chưa nhận tin của trạm nên mình chưa nhắn lại kết quả được; muốn nhận kết quả, gõ /start ạ. Trong lúc chờ, xin đừng chia sẻ tin đó."
            ).format(ref=report.reference)
        )
    return Reply(
        ctx._(
            "Cảm ơn bà con! Trạm y tế đã nhận tin báo, mã {ref}. Khi kiểm tra xong, mình sẽ nhắn kết quả. Trong lúc chờ, xin đừng chia sẻ tin đó ạ."
        ).format(ref=report.reference)
    )


async def answer_group(
    incoming: Incoming, ctx: Context, report_id: int, verdict: str, correction: str | None
) -> Answered | None:
    """Answer the report's whole group; None when it was answered already."""
    async with ctx.sessions() as session:
        return await answer_similar(
            session, report_id, verdict, await actor_of(incoming, ctx), correction
        )


def answered_reply(ctx: Context, answered: Answered | None) -> Reply:
    if answered is None:
        return Reply(ctx._("Tin báo này đã được trả lời."))
    return Reply(answered.summary(ctx._))


# --- the dialogues, declared -------------------------------------------------------

REPORT_FLOW = router.flow(
    Flow(
        "rumor_report",
        started_by={"/baotin": RumorStep.ASK_MESSAGE},
        way_out=(On("rumor:quit", quit_dialogue, to=(END,)),),
        steps={
            RumorStep.ASK_MESSAGE: Step(ask_message, typed=Typed(receive_report, to=(END,))),
        },
    )
)
CORRECTION_FLOW = router.flow(
    Flow(
        "rumor_correction",
        started_by={"Sai — đính chính": RumorStep.ASK_CORRECTION},
        role=Role.STAFF,
        way_out=(On(QUIT_CORRECTION, quit_dialogue, to=(END,)),),
        steps={
            RumorStep.ASK_CORRECTION: Step(
                ask_correction_text, typed=Typed(answer_false, to=(END,))
            ),
        },
    )
)
