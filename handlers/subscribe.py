"""Subscribing: /start, choosing topics → tổ dân phố → language (/chude), /dungnhan, /trogiup.

Flow (docs/subscribe-dialogue.mmd):
    /chude → topic buttons (toggle) → "Xong" → ASK_AREA (buttons or typed) → ASK_LANGUAGE → done

Every route here is a resident's own, in a private chat; groups have theirs in handlers/groups.py.
"""

from __future__ import annotations

from enum import Enum, auto

from bot.areas import match_area
from bot.core import Button, Incoming, Reply
from bot.models.core import Subscriber
from bot.routing import Context, Router
from bot.subscribers import (
    require_subscriber,
    resume_messages,
    stop_messages,
    subscribe,
    toggle_topic,
    topics_of,
    update_subscriber,
)
from content.station import load_station, load_topics
from handlers.common import PRIVATE
from handlers.news import news_button
from handlers.staff_tools import staff_help
from handlers.survey import invitation_button

router = Router("subscribe", chats=PRIVATE)

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}


class SubscribeStep(Enum):
    ASK_AREA = auto()
    ASK_LANGUAGE = auto()


@router.command("start")
async def on_start(incoming: Incoming, ctx: Context) -> list[Reply]:
    """Welcome the resident and create (or re-activate) their subscription."""
    _ = ctx._
    async with ctx.sessions() as session:
        subscriber, created = await subscribe(session, incoming, ctx.locale)
    station = load_station().in_language(ctx.locale)
    greeting = _("Chào bà con!") if created else _("Chào mừng bà con quay lại!")
    text = _(
        "{greeting} Đây là **Loa phường** của {station}.\n\n"
        "Mình gửi tin sức khỏe vào các ngày kỷ niệm y tế, nhận đăng ký khám sàng lọc "
        "miễn phí cho người cao tuổi, người khuyết tật, hộ nghèo… và trả lời câu hỏi thường gặp.\n\n"
        "Muốn dừng nhận tin, gõ /dungnhan. Gõ /trogiup để xem các lệnh."
    ).format(greeting=greeting, station=station.name)
    buttons = [
        Button(_("Chọn chủ đề nhận tin"), "sub:topics"),
        Button(_("Đăng ký khám sàng lọc miễn phí"), "screening:start"),
        # Vietnamese is the default; a resident who cannot read it switches in one tap.
        Button("English", "lang:en"),
    ]
    if survey := await invitation_button(ctx, subscriber.id or 0):
        buttons.insert(2, survey)
    replies = [Reply(text, buttons)]
    if await ctx.load_state():
        replies.append(
            Reply(_("Bà con đang làm dở một bước trước đó; cứ trả lời tiếp câu hỏi ở trên nhé."))
        )
    return replies


@router.command("chude")
@router.button("sub:topics")
async def on_topics(incoming: Incoming, ctx: Context) -> Reply:
    """Show the topics as toggle buttons with the current choice."""
    async with ctx.sessions() as session:
        subscriber = await require_subscriber(session, incoming)
        chosen = await topics_of(session, subscriber.id)
    return topics_reply(ctx, chosen)


@router.button("topic:")
async def toggle_topic_button(incoming: Incoming, ctx: Context) -> Reply:
    """Turn one topic on or off and show the list again."""
    return await toggle_and_show(incoming, ctx, prefix="")


async def toggle_and_show(incoming: Incoming, ctx: Context, prefix: str) -> Reply:
    code = (incoming.button or "").removeprefix(f"{prefix}topic:")
    if code not in {topic.code for topic in load_topics()}:
        return Reply(ctx._("Chủ đề này không còn. Bà con gõ /chude để chọn lại ạ."))
    async with ctx.sessions() as session:
        subscriber = await require_subscriber(session, incoming)
        chosen = await toggle_topic(session, subscriber.id, code)
    return topics_reply(ctx, chosen, prefix)


@router.button("sub:done")
async def ask_area(_incoming: Incoming, ctx: Context) -> Reply:
    """Ask which tổ dân phố the resident lives in."""
    await ctx.set_step(SubscribeStep.ASK_AREA)
    return area_question(ctx)


@router.button("area:")
async def choose_area_button(incoming: Incoming, ctx: Context) -> Reply:
    """Save the tổ dân phố picked with a button."""
    return await save_area(incoming, ctx, (incoming.button or "").removeprefix("area:"))


@router.step(SubscribeStep.ASK_AREA)
async def choose_area_text(incoming: Incoming, ctx: Context) -> Reply:
    """Save the tổ dân phố typed as text ("to 3", "tổ 3", "3")."""
    return await save_area(incoming, ctx, incoming.text or "")


@router.button("lang:")
async def choose_language(incoming: Incoming, ctx: Context) -> list[Reply]:
    """Save the language, confirm the whole choice in it; finishing is a wish to receive."""
    saved = await save_language(incoming, ctx, prefix="")
    if saved is None:
        return [language_question(ctx)]
    subscriber, chosen, was_stopped = saved
    await ctx.end_dialogue()
    labels = topic_labels(ctx, chosen) or ctx._("(chưa chọn)")
    replies = [
        Reply(
            ctx._(
                "Đã lưu. Chủ đề: {topics}. Tổ dân phố: {area}. Gõ /chude để đổi bất cứ lúc nào."
            ).format(topics=labels, area=subscriber.area or "—"),
            [news_button(ctx, subscriber.news_frequency)],
        )
    ]
    if was_stopped:
        replies.append(
            Reply(ctx._("Loa phường gửi tin lại cho bà con từ hôm nay. Muốn dừng, gõ /dungnhan."))
        )
    return replies


async def save_language(
    incoming: Incoming, ctx: Context, prefix: str
) -> tuple[Subscriber, set[str], bool] | None:
    """The pressed language saved for this chat, which receives again from now, and the
    reply switched to it: (subscriber, its topics, whether it had stopped); None for an
    unknown language. Shared by residents' `lang:` and groups' `glang:` buttons."""
    language = (incoming.button or "").removeprefix(f"{prefix}lang:")
    if language not in LANGUAGES:
        return None
    async with ctx.sessions() as session:
        subscriber = await require_subscriber(session, incoming)
        was_stopped = not subscriber.active
        await update_subscriber(session, subscriber, language=language)
        await resume_messages(session, subscriber)
        chosen = await topics_of(session, subscriber.id)
    ctx.use_locale(language)
    return subscriber, chosen, was_stopped


@router.step(SubscribeStep.ASK_LANGUAGE)
async def repeat_language_question(_incoming: Incoming, ctx: Context) -> Reply:
    """Typed text while the language buttons are showing: show them again."""
    return language_question(ctx)


@router.command("dungnhan")
async def on_stop(incoming: Incoming, ctx: Context) -> Reply:
    """Stop every message to this chat, and say how to resume."""
    async with ctx.sessions() as session:
        await stop_messages(session, await require_subscriber(session, incoming))
    return Reply(
        ctx._(
            "Đã dừng gửi tin cho bà con. Khi muốn nhận lại, gõ /start. Dữ liệu của bà con vẫn "
            "được giữ; muốn xóa hẳn, gõ /xoadulieu."
        )
    )


@router.command("trogiup", "help")
async def on_help(incoming: Incoming, ctx: Context) -> list[Reply]:
    """List what residents can do, and what staff or group admins can do besides."""
    replies = [
        Reply(
            ctx._(
                "**Các lệnh của Loa phường**\n\n"
                "- /start — bắt đầu, nhận tin sức khỏe\n"
                "- /chude — chọn chủ đề, tổ dân phố, ngôn ngữ\n"
                "- /dangky — đăng ký khám sàng lọc miễn phí\n"
                "- /huy — hủy lịch khám đã đăng ký\n"
                "- /sdt — cho số điện thoại để trạm mời đi khám\n"
                "- /hoi câu hỏi — hỏi đáp (hoặc gõ câu hỏi bình thường)\n"
                "- /baotin — báo tin đồn, tin giả về sức khỏe\n"
                "- /xoadulieu — xóa dữ liệu cá nhân\n"
                "- /dungnhan — dừng nhận tin\n\n"
                "Cấp cứu: gọi ngay **115**."
            )
        )
    ]
    if more := await staff_help(incoming, ctx):
        replies.append(Reply(more))
    return replies


async def save_area(incoming: Incoming, ctx: Context, typed: str) -> Reply:
    area = match_area(typed, list(load_station().areas))
    if area is None:
        return area_question(ctx, retry=True)
    async with ctx.sessions() as session:
        subscriber = await require_subscriber(session, incoming)
        await update_subscriber(session, subscriber, area=area)
    await ctx.set_step(SubscribeStep.ASK_LANGUAGE)
    return language_question(ctx)


def topics_reply(ctx: Context, chosen: set[str], prefix: str = "") -> Reply:
    buttons = [
        Button(
            ("✅ " if topic.code in chosen else "⬜ ") + topic.label(ctx.locale),
            f"{prefix}topic:{topic.code}",
        )
        for topic in load_topics()
    ]
    buttons.append(Button(ctx._("Xong, chọn tổ dân phố ➜"), f"{prefix}sub:done"))
    labels = topic_labels(ctx, chosen) or ctx._("(chưa chọn)")
    return Reply(
        ctx._("Bấm để bật/tắt chủ đề bà con muốn nhận tin. Đang chọn: {topics}.").format(
            topics=labels
        ),
        buttons,
    )


def topic_labels(ctx: Context, chosen: set[str]) -> str:
    return ", ".join(t.label(ctx.locale) for t in load_topics() if t.code in chosen)


def area_question(ctx: Context, *, retry: bool = False, prefix: str = "") -> Reply:
    areas = load_station().areas
    text = ctx._("Bà con ở tổ dân phố nào? Bấm chọn hoặc gõ, ví dụ “Tổ 3”.")
    if retry:
        text = ctx._(
            "Mình không tìm thấy tổ dân phố đó. Bà con chọn một tổ trong danh sách: {areas}."
        ).format(areas=", ".join(areas))
    return Reply(text, [Button(area, f"{prefix}area:{area}") for area in areas])


def language_question(ctx: Context) -> Reply:
    return Reply(ctx._("Bà con muốn nhận tin bằng ngôn ngữ nào?"), language_buttons())


def language_buttons(prefix: str = "") -> list[Button]:
    return [Button(label, f"{prefix}lang:{code}") for code, label in LANGUAGES.items()]
