"""/baotin: a resident reports a suspicious message; /tindon: staff answer the queue.

Resident: /baotin [text or photo] → ASK_MESSAGE → stored with a reference, thanked.
Staff: /tindon → similar reports grouped → Đúng | Sai (→ ASK_CORRECTION) | Đang kiểm tra
→ every reporter in the group is told; a correction can become an alert draft.
"""

from __future__ import annotations

from enum import Enum, auto

from bot.alerts import resident_text
from bot.core import Button, Incoming, Reply
from bot.routing import Context, Router
from bot.rumors import RumorError, answer_similar, correction_to_alert, file_report, open_groups
from bot.subscribers import require_subscriber
from handlers.staffing import actor_of, number_after

router = Router("rumors")

QUEUE_PAGE = 5


class RumorStep(Enum):
    ASK_MESSAGE = auto()
    ASK_CORRECTION = auto()


@router.command("baotin")
async def on_report(incoming: Incoming, ctx: Context) -> Reply:
    """Take the suspicious message now if it came with the command, else ask for it."""
    if incoming.argument or incoming.photo:
        return await store_report(incoming, ctx, incoming.argument)
    await ctx.set_step(RumorStep.ASK_MESSAGE)
    return Reply(
        ctx._(
            "Bà con dán hoặc chuyển tiếp tin nghi là tin đồn, tin giả về sức khỏe vào đây (chữ hoặc ảnh):"
        ),
        [Button(ctx._("Hủy"), "rumor:quit")],
    )


@router.step(RumorStep.ASK_MESSAGE)
async def receive_report(incoming: Incoming, ctx: Context) -> Reply:
    """Store the pasted message."""
    return await store_report(incoming, ctx, incoming.text or "")


@router.button("rumor:quit")
async def quit_dialogue(_incoming: Incoming, ctx: Context) -> Reply:
    """Leave without storing anything."""
    await ctx.end_dialogue()
    return Reply(ctx._("Đã hủy."))


@router.command("tindon", role="staff")
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
                    Button(ctx._("Đúng"), f"rumor:true:{first.id}"),
                    Button(ctx._("Sai — đính chính"), f"rumor:false:{first.id}"),
                    Button(ctx._("Đang kiểm tra"), f"rumor:checking:{first.id}"),
                ],
                photo=first.photo,
            )
        )
    return replies


@router.button("rumor:true:", role="staff")
@router.button("rumor:checking:", role="staff")
async def answer_without_correction(incoming: Incoming, ctx: Context) -> Reply:
    """Mark the group true or being checked, and tell every reporter."""
    verdict, _, raw_id = (incoming.button or "").removeprefix("rumor:").partition(":")
    return await answer_group(incoming, ctx, int(raw_id) if raw_id.isdigit() else 0, verdict, None)


@router.button("rumor:false:", role="staff")
async def ask_correction(incoming: Incoming, ctx: Context) -> Reply:
    """A false rumor needs the true fact, which the reporters and the alert will carry."""
    report_id = number_after("rumor:false:", incoming.button)
    await ctx.set_step(RumorStep.ASK_CORRECTION, report_id=report_id)
    return Reply(
        ctx._("Nhập nội dung đính chính: sự thật là gì, theo nguồn nào (không nhắc lại tin sai).")
    )


@router.step(RumorStep.ASK_CORRECTION)
async def answer_false(incoming: Incoming, ctx: Context) -> Reply:
    """Record the correction, tell the reporters, offer to alert everyone."""
    report_id = int(ctx.data.get("report_id") or 0)
    await ctx.end_dialogue()
    reply = await answer_group(incoming, ctx, report_id, "false", incoming.text or "")
    return Reply(
        reply.text,
        [*reply.buttons, Button(ctx._("Gửi đính chính cho cả phường"), f"rumor:alert:{report_id}")],
    )


@router.button("rumor:alert:", role="staff")
async def make_alert(incoming: Incoming, ctx: Context) -> list[Reply]:
    """Turn the correction into an alert draft, shown for approval."""
    report_id = number_after("rumor:alert:", incoming.button) or 0
    try:
        async with ctx.sessions() as session:
            alert = await correction_to_alert(session, report_id, await actor_of(incoming, ctx))
    except RumorError as exc:
        return [Reply(str(exc))]
    return [
        Reply(resident_text(alert)),
        Reply(
            ctx._("Bản nháp cảnh báo số {id}.").format(id=alert.id),
            [
                Button(ctx._("Duyệt và gửi"), f"alert:approve:{alert.id}"),
                Button(ctx._("Hủy"), f"alert:cancel:{alert.id}"),
            ],
        ),
    ]


async def store_report(incoming: Incoming, ctx: Context, text: str) -> Reply:
    try:
        async with ctx.sessions() as session:
            await require_subscriber(session, incoming)
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
    return Reply(
        ctx._(
            "Cảm ơn bà con! Trạm y tế đã nhận tin báo, mã {ref}. Khi kiểm tra xong, mình sẽ nhắn kết quả. Trong lúc chờ, xin đừng chia sẻ tin đó ạ."
        ).format(ref=report.reference)
    )


async def answer_group(
    incoming: Incoming, ctx: Context, report_id: int, verdict: str, correction: str | None
) -> Reply:
    try:
        async with ctx.sessions() as session:
            told = await answer_similar(
                session, report_id, verdict, await actor_of(incoming, ctx), correction
            )
            if told is None:
                return Reply(ctx._("Tin báo này đã được trả lời."))
    except RumorError as exc:
        return Reply(str(exc))
    return Reply(ctx._("Đã ghi kết luận và nhắn cho {count} người báo.").format(count=told))
