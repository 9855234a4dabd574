"""Tổ dân phố groups: the bot joins, the group becomes a recipient; leaving stops it."""

from __future__ import annotations

from bot.core import ChatKind, Incoming, Reply
from bot.routing import Context, Router
from bot.subscribers import find_subscriber, subscribe, update_subscriber

router = Router("groups")


@router.event("bot_added")
@router.command("start", chats=[ChatKind.GROUP])
async def on_group_start(incoming: Incoming, ctx: Context) -> Reply:
    """Register the group as a recipient and introduce the bot to its members."""
    async with ctx.sessions() as session:
        await subscribe(session, incoming, ctx.locale)
    return Reply(
        ctx._(
            "Chào cả nhóm! **Loa phường** của trạm y tế phường sẽ gửi vào nhóm các tin sức khỏe "
            "và cảnh báo dịch bệnh. Bà con nhắn riêng cho mình để chọn chủ đề, đăng ký khám "
            "sàng lọc hoặc hỏi đáp; trong nhóm, hãy nhắc tên mình khi hỏi."
        )
    )


@router.event("bot_removed")
@router.event("bot_blocked")
async def on_left(incoming: Incoming, ctx: Context) -> None:
    """The bot left the group or the resident blocked it: stop sending there."""
    async with ctx.sessions() as session:
        subscriber = await find_subscriber(session, incoming.channel, incoming.chat_id)
        if subscriber is not None:
            await update_subscriber(session, subscriber, active=False)
