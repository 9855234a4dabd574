"""Tổ dân phố groups: the bot joins, the group becomes a recipient; its admins choose topics.

Group admins are recognised from the platform's admin list (bot.roles); in a
group, /chude and its buttons are theirs only ("g"-prefixed button data).
"""

from __future__ import annotations

from bot.areas import match_area
from bot.core import ChatKind, Incoming, Reply
from bot.routing import Context, Router
from bot.subscribers import (
    find_subscriber,
    require_subscriber,
    subscribe,
    topics_of,
    update_subscriber,
)
from content.station import load_station
from handlers.subscribe import area_question, toggle_and_show, topics_reply

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


@router.command("chude", chats=[ChatKind.GROUP], role="group_admin")
async def on_group_topics(incoming: Incoming, ctx: Context) -> Reply:
    """Show the group's topics to a group admin."""
    async with ctx.sessions() as session:
        subscriber = await require_subscriber(session, incoming)
        chosen = await topics_of(session, subscriber.id)
    return topics_reply(ctx, chosen, prefix="g")


@router.button("gtopic:", role="group_admin")
async def toggle_group_topic(incoming: Incoming, ctx: Context) -> Reply:
    """Turn one of the group's topics on or off."""
    return await toggle_and_show(incoming, ctx, prefix="g")


@router.button("gsub:done", role="group_admin")
async def ask_group_area(_incoming: Incoming, ctx: Context) -> Reply:
    """Ask which tổ dân phố the group belongs to (alerts can target it)."""
    return area_question(ctx, prefix="g")


@router.button("garea:", role="group_admin")
async def save_group_area(incoming: Incoming, ctx: Context) -> Reply:
    """Save the group's tổ dân phố."""
    area = match_area((incoming.button or "").removeprefix("garea:"), list(load_station().areas))
    if area is None:
        return area_question(ctx, retry=True, prefix="g")
    async with ctx.sessions() as session:
        subscriber = await require_subscriber(session, incoming)
        await update_subscriber(session, subscriber, area=area)
    return Reply(ctx._("Đã lưu: nhóm thuộc {area}.").format(area=area))
