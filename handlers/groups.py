"""Tổ dân phố groups: the bot joins, the group becomes a recipient; its admins choose topics.

Group admins are recognised from the platform's admin list (bot.roles); in a
group, /chude, /dungnhan and the group's buttons ("g"-prefixed data) are theirs only.

Flow (the table at the end): /chude → TOPICS (gtopic: toggles, gsub:done) → AREA (garea:,
or typed) → LANGUAGE (glang:) → saved (and sending resumes). The admin role is checked at
every step, so an admin removed half-way cannot finish.
"""

from __future__ import annotations

from enum import Enum, auto

from bot.areas import match_area
from bot.buttons import GroupAreaChoice, GroupLanguageChoice, GroupTopicChoice
from bot.core import Incoming, Reply, Role
from bot.flows import END, Flow, Means, On, Step, Typed
from bot.roles import has_role
from bot.routing import Context, Router
from bot.subscribers import (
    find_subscriber,
    require_subscriber,
    stop_messages,
    subscribe,
    topics_of,
    update_subscriber,
)
from content.station import load_station
from handlers.common import GROUP
from handlers.subscribe import (
    area_question,
    language_buttons,
    save_language,
    toggle_and_show,
    topic_labels,
    topics_reply,
)

router = Router("groups", chats=GROUP)


class GroupStep(Enum):
    TOPICS = auto()
    AREA = auto()
    LANGUAGE = auto()


@router.event("bot_added")
async def on_added(incoming: Incoming, ctx: Context) -> Reply:
    """Register the group as a recipient and introduce the bot to its members."""
    async with ctx.sessions() as session:
        await subscribe(session, incoming, ctx.locale)
    return group_welcome(ctx)


@router.command("start")
async def on_group_start(incoming: Incoming, ctx: Context) -> Reply:
    """Introduce the bot; a group its admins stopped is resumed by an admin only."""
    async with ctx.sessions() as session:
        group = await find_subscriber(session, incoming.channel, incoming.chat_id)
        if group and not group.active and not await has_role(incoming, ctx, Role.GROUP_ADMIN):
            return Reply(
                ctx._(
                    "Nhóm đang tạm dừng nhận tin. Chỉ quản trị viên của nhóm bật lại được, "
                    "bằng lệnh /start."
                )
            )
    return await on_added(incoming, ctx)


def group_welcome(ctx: Context) -> Reply:
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
            await stop_messages(session, subscriber)


@router.command("dungnhan", role=Role.GROUP_ADMIN)
async def on_group_stop(incoming: Incoming, ctx: Context) -> Reply:
    """Stop sending into this group, and say who can resume it."""
    async with ctx.sessions() as session:
        await stop_messages(session, await require_subscriber(session, incoming))
    return Reply(
        ctx._(
            "Đã dừng gửi tin vào nhóm này. Khi muốn nhận lại, quản trị viên nhóm gõ /start. "
            "Thành viên nào muốn tự nhận tin thì nhắn riêng cho Loa phường."
        )
    )


@router.command("trogiup", "help")
async def on_group_help(_incoming: Incoming, ctx: Context) -> Reply:
    """List what the bot does in a group, and for whom."""
    return Reply(
        ctx._(
            "**Loa phường trong nhóm**\n\n"
            "- /start — giới thiệu Loa phường; nhóm nhận tin sức khỏe của trạm\n"
            "- /trogiup — xem các lệnh\n\n"
            "Quản trị viên nhóm:\n"
            "- /chude — chọn chủ đề, tổ dân phố, ngôn ngữ cho nhóm\n"
            "- /chuyentiep — bản tin ngắn để chuyển tiếp sang nhóm Zalo\n"
            "- /dungnhan — dừng gửi tin vào nhóm\n\n"
            "Đăng ký khám sàng lọc, hỏi đáp, báo tin đồn: bà con nhắn riêng cho Loa phường. "
            "Cấp cứu: gọi ngay **115**."
        )
    )


@router.command("chude", role=Role.GROUP_ADMIN)
async def on_group_topics(_incoming: Incoming, ctx: Context) -> Reply:
    """Show the group's topics to a group admin."""
    return await FLOW.start(ctx, GroupStep.TOPICS)


async def ask_group_topics(ctx: Context) -> Reply:
    async with ctx.sessions() as session:
        subscriber = await require_subscriber(session, ctx.incoming)
        chosen = await topics_of(session, subscriber.id)
    return topics_reply(ctx, chosen, GroupTopicChoice)


async def toggle_group_topic(incoming: Incoming, ctx: Context) -> Reply:
    """Turn one of the group's topics on or off."""
    return await toggle_and_show(incoming, ctx, GroupTopicChoice)


async def ask_group_area(_incoming: Incoming, ctx: Context) -> Reply:
    """Ask which tổ dân phố the group belongs to (alerts can target it)."""
    return await FLOW.go_to(ctx, GroupStep.AREA)


async def group_area_question(ctx: Context) -> Reply:
    return area_question(ctx, kind=GroupAreaChoice)


async def save_group_area(incoming: Incoming, ctx: Context) -> Reply:
    """Save the group's tổ dân phố (pressed or typed), then ask its language."""
    pressed = GroupAreaChoice.parse(incoming.button)
    typed = pressed.area if pressed else incoming.text or ""
    area = match_area(typed, list(load_station().areas))
    if area is None:
        return area_question(ctx, retry=True, kind=GroupAreaChoice)
    async with ctx.sessions() as session:
        subscriber = await require_subscriber(session, incoming)
        await update_subscriber(session, subscriber, area=area)
    return await FLOW.go_to(ctx, GroupStep.LANGUAGE)


async def save_group_language(incoming: Incoming, ctx: Context) -> Reply:
    """Save the group's language and confirm the group's whole choice in it."""
    saved = await save_language(incoming, ctx, GroupLanguageChoice)
    if saved is None:
        return await FLOW.go_to(ctx, GroupStep.LANGUAGE)
    await ctx.end_dialogue()
    group, chosen, _was_stopped = saved
    return Reply(
        ctx._(
            "Đã lưu cho nhóm. Chủ đề: {topics}. Tổ dân phố: {area}. Quản trị viên nhóm gõ "
            "/chude để đổi."
        ).format(topics=topic_labels(ctx, chosen) or ctx._("(chưa chọn)"), area=group.area or "—")
    )


async def group_language_question(ctx: Context) -> Reply:
    return Reply(
        ctx._("Nhóm muốn nhận tin bằng ngôn ngữ nào?"), language_buttons(GroupLanguageChoice)
    )


# --- the dialogue, declared --------------------------------------------------------

G = GroupStep
FLOW = router.flow(
    Flow(
        "groups",
        started_by={"/chude": G.TOPICS},
        role=Role.GROUP_ADMIN,
        chats=GROUP,
        steps={
            G.TOPICS: Step(
                ask_group_topics,
                buttons=(
                    On(GroupTopicChoice.prefix(), toggle_group_topic, to=(G.TOPICS,)),
                    On(GroupTopicChoice.done, ask_group_area, to=(G.AREA,), means=Means.YES),
                ),
            ),
            G.AREA: Step(
                group_area_question,
                buttons=(On(GroupAreaChoice.prefix(), save_group_area, to=(G.LANGUAGE,)),),
                typed=Typed(save_group_area, to=(G.LANGUAGE,)),
            ),
            G.LANGUAGE: Step(
                group_language_question,
                buttons=(On(GroupLanguageChoice.prefix(), save_group_language, to=(END,)),),
            ),
        },
    )
)
