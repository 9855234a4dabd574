"""/xoadulieu: a resident deletes what the bot keeps about them, after one confirmation.

/xoadulieu → CONFIRM: what will be deleted (and how many upcoming check-ups are cancelled)
→ "Xóa hết" (privacy:erase) → deleted, told so | "Không xóa" (privacy:keep) → nothing.
Declared as a flow at the end, so a typed "xóa hết" or "không" answers it too.
"""

from __future__ import annotations

from enum import Enum, auto

from bot.core import Button, Incoming, Reply
from bot.flows import END, Flow, Means, On, Step
from bot.privacy import forget_chat, upcoming_count
from bot.routing import Context, Router
from bot.screening.sessions import local_now
from handlers.common import PRIVATE

# Personal data is asked and shown in private chats only, never in a group.
router = Router("privacy", chats=PRIVATE)


class PrivacyStep(Enum):
    CONFIRM = auto()


@router.command("xoadulieu", words=("xóa dữ liệu", "xóa dữ liệu cá nhân", "xóa thông tin"))
async def on_erase(_incoming: Incoming, ctx: Context) -> Reply:
    """Say what will be deleted and ask for confirmation."""
    return await FLOW.start(ctx, PrivacyStep.CONFIRM)


async def ask_confirmation(ctx: Context) -> Reply:
    async with ctx.sessions() as session:
        today = local_now(ctx.settings.tz).date()
        upcoming = await upcoming_count(session, ctx.incoming, today)
    text = ctx._(
        "**Xóa dữ liệu cá nhân**\n\n"
        "Mình sẽ xóa: đăng ký nhận tin, chủ đề, tổ dân phố, số điện thoại nhận lời mời khám, "
        "tin nhắn đang chờ, câu hỏi gửi cán bộ, câu trả lời khảo sát, "
        "và họ tên, số điện thoại trong các lần đăng ký khám. Trạm chỉ giữ số liệu không tên "
        "(nhóm đối tượng, tổ dân phố, năm sinh) để báo cáo.\n\n"
        "Việc này không hoàn tác được."
    )
    if upcoming:
        text += "\n\n" + ctx._("{count} lịch khám sắp tới cũng sẽ bị hủy.").format(count=upcoming)
    return Reply(
        text,
        [
            Button(ctx._("Xóa hết dữ liệu"), "privacy:erase"),
            Button(ctx._("Không xóa"), "privacy:keep"),
        ],
    )


async def erase(incoming: Incoming, ctx: Context) -> Reply:
    """Delete everything about this chat, then say how to come back."""
    async with ctx.sessions() as session:
        await forget_chat(session, incoming, local_now(ctx.settings.tz).date())
    return Reply(
        ctx._("Đã xóa dữ liệu của bà con. Mình sẽ không gửi tin nữa; muốn nhận lại, gõ /start.")
    )


async def keep(_incoming: Incoming, ctx: Context) -> Reply:
    """Change nothing."""
    await ctx.end_dialogue()
    return Reply(ctx._("Dạ, mình giữ nguyên, không xóa gì."))


FLOW = router.flow(
    Flow(
        "privacy",
        started_by={"/xoadulieu": PrivacyStep.CONFIRM},
        chats=PRIVATE,
        steps={
            PrivacyStep.CONFIRM: Step(
                ask_confirmation,
                buttons=(
                    On(
                        "privacy:erase", erase, to=(END,), means=Means.YES, words=("xóa", "xóa hết")
                    ),
                    On("privacy:keep", keep, to=(END,), means=Means.NO, words=("giữ", "giữ lại")),
                ),
            )
        },
    )
)
