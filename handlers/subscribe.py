"""Subscribing: /start, choosing topics → tổ dân phố → language (/chude), /dungnhan, /trogiup.

Flow (the table at the end; docs/subscribe-dialogue.mmd is drawn from it):
    /start → GREETING ("English" → ASK_AREA in English; a question → the FAQ)
    /chude → TOPICS (toggle) → "Xong" → ASK_AREA (buttons or typed) → ASK_LANGUAGE → done
    `/start to3` (a poster's deep link) saves Tổ 3 at once.

Every route here is a resident's own, in a private chat; groups have theirs in handlers/groups.py.
"""

from __future__ import annotations

from enum import Enum, auto

from bot.areas import match_area
from bot.buttons import (
    AreaButton,
    AreaChoice,
    LanguageButton,
    LanguageChoice,
    TopicButton,
    TopicChoice,
)
from bot.core import Button, Incoming, Reply
from bot.flows import END, Flow, Means, On, Step, Typed, folded_answer
from bot.models.core import Subscriber
from bot.routing import Context, Router
from bot.subscribers import (
    require_subscriber,
    resume_messages,
    stop_messages,
    subscribe,
    subscriber_with_topics,
    toggle_topic,
    update_subscriber,
)
from content.station import load_station, load_topics
from handlers.common import PRIVATE, main_menu
from handlers.news import news_button
from handlers.staff_tools import staff_help
from handlers.survey import invitation_button

router = Router("subscribe", chats=PRIVATE)

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}


class SubscribeStep(Enum):
    GREETING = auto()
    TOPICS = auto()
    ASK_AREA = auto()
    ASK_LANGUAGE = auto()


@router.command("start")
@router.event("follow")  # following a Zalo OA is its /start
async def on_start(incoming: Incoming, ctx: Context) -> list[Reply]:
    """Welcome the resident and create (or re-activate) their subscription; `/start to3`
    (a poster's link) also saves the tổ dân phố."""
    _ = ctx._
    area = match_area(incoming.argument, list(load_station().areas))
    async with ctx.sessions() as session:
        subscriber, created = await subscribe(session, incoming, ctx.locale)
        if area is not None:
            await update_subscriber(session, subscriber, area=area)
    station = load_station().in_language(ctx.locale)
    greeting = _("Chào bà con!") if created else _("Chào mừng bà con quay lại!")
    text = _(
        "{greeting} Đây là **Loa phường** của {station}.\n\n"
        "Mình gửi tin sức khỏe vào các ngày kỷ niệm y tế, nhận đăng ký khám sàng lọc "
        "miễn phí cho người cao tuổi, người khuyết tật, hộ nghèo… và trả lời câu hỏi thường gặp.\n\n"
        "Muốn dừng nhận tin, gõ /dungnhan. Gõ /trogiup để xem các lệnh."
    ).format(greeting=greeting, station=station.name)
    if area is not None:
        text += "\n\n" + _("Tổ dân phố: {area}. Gõ /chude để đổi.").format(area=area)
    buttons = greeting_buttons(ctx)
    if survey := await invitation_button(ctx, subscriber.id or 0):
        buttons.insert(2, survey)
    if await ctx.load_state():
        return [
            Reply(text, buttons),
            Reply(_("Bà con đang làm dở một bước trước đó; cứ trả lời tiếp câu hỏi ở trên nhé.")),
        ]
    await ctx.set_step(SubscribeStep.GREETING, area_chosen=area is not None)
    return [Reply(text, buttons)]


def greeting_buttons(ctx: Context) -> list[Button]:
    return [
        Button(ctx._("Chọn chủ đề nhận tin"), "sub:topics"),
        Button(ctx._("Đăng ký khám sàng lọc miễn phí"), "screening:start"),
        # Vietnamese is the default; a resident who cannot read it switches in one tap.
        Button("English", "lang:en"),
    ]


async def ask_greeting(ctx: Context) -> Reply:
    return Reply(ctx._("Bà con muốn làm gì tiếp?"), greeting_buttons(ctx))


async def english_first(incoming: Incoming, ctx: Context) -> list[Reply]:
    """English from the greeting: saved, then the tổ question, in English (unless a
    poster's link already chose the tổ)."""
    saved = await save_language(incoming, ctx, LanguageChoice)
    if saved is None or ctx.data.get("area_chosen"):
        return await finish(ctx, saved)
    return [await FLOW.go_to(ctx, SubscribeStep.ASK_AREA, language_chosen=True)]


@router.command("chude", words=("chủ đề", "chọn chủ đề", "đổi chủ đề"))
@router.button("sub:topics")
async def on_topics(_incoming: Incoming, ctx: Context) -> Reply:
    """Show the topics as toggle buttons with the current choice."""
    return await FLOW.start(ctx, SubscribeStep.TOPICS)


async def ask_topics(ctx: Context) -> Reply:
    async with ctx.sessions() as session:
        _subscriber, chosen = await subscriber_with_topics(session, ctx.incoming)
    return topics_reply(ctx, chosen)


async def toggle_topic_button(incoming: Incoming, ctx: Context) -> Reply:
    """Turn one topic on or off and show the list again."""
    await ctx.set_step(SubscribeStep.TOPICS)
    return await toggle_and_show(incoming, ctx, TopicChoice)


async def toggle_and_show(incoming: Incoming, ctx: Context, kind: type[TopicButton]) -> Reply:
    pressed = kind.parse(incoming.button)
    code = pressed.topic if pressed else ""
    if code not in {topic.code for topic in load_topics()}:
        return Reply(ctx._("Chủ đề này không còn. Bà con gõ /chude để chọn lại ạ."))
    async with ctx.sessions() as session:
        subscriber, _chosen = await subscriber_with_topics(session, incoming)
        chosen = await toggle_topic(session, subscriber.id, code)
    return topics_reply(ctx, chosen, kind)


async def ask_area(_incoming: Incoming, ctx: Context) -> Reply:
    """Ask which tổ dân phố the resident lives in."""
    return await FLOW.go_to(ctx, SubscribeStep.ASK_AREA)


async def choose_area_button(incoming: Incoming, ctx: Context) -> Reply:
    """Save the tổ dân phố picked with a button."""
    chosen = AreaChoice.parse(incoming.button)
    return await save_area(incoming, ctx, chosen.area if chosen else "")


async def choose_area_text(incoming: Incoming, ctx: Context) -> Reply:
    """Save the tổ dân phố typed as text ("to 3", "tổ 3", "3")."""
    return await save_area(incoming, ctx, incoming.text or "")


async def choose_language(incoming: Incoming, ctx: Context) -> list[Reply]:
    """Save the language, confirm the whole choice in it; finishing is a wish to receive."""
    return await finish(ctx, await save_language(incoming, ctx, LanguageChoice))


async def finish(ctx: Context, saved: tuple[Subscriber, set[str], bool] | None) -> list[Reply]:
    if saved is None:
        return [await FLOW.go_to(ctx, SubscribeStep.ASK_LANGUAGE)]
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
    incoming: Incoming, ctx: Context, kind: type[LanguageButton]
) -> tuple[Subscriber, set[str], bool] | None:
    """The pressed language saved for this chat, which receives again from now, and the
    reply switched to it: (subscriber, its topics, whether it had stopped); None for an
    unknown language. Shared by residents' and groups' language buttons."""
    pressed = kind.parse(incoming.button)
    language = pressed.language if pressed else ""
    if language not in LANGUAGES:
        return None
    async with ctx.sessions() as session:
        subscriber, chosen = await subscriber_with_topics(session, incoming)
        was_stopped = not subscriber.active
        await update_subscriber(session, subscriber, language=language)
        await resume_messages(session, subscriber)
    ctx.use_locale(language)
    return subscriber, chosen, was_stopped


@router.phrase(
    *("chào", "xin chào", "chào bạn", "chào loa phường", "hello", "hi", "alo", "chào buổi sáng"),
    *("cảm ơn", "cám ơn", "cảm ơn nhiều", "cám ơn nhiều", "thank you", "thanks", "tks"),
)
async def on_greeting_or_thanks(incoming: Incoming, ctx: Context) -> Reply:
    """A short friendly answer, and what the resident can do next as buttons."""
    thanks = folded_answer(incoming.text or "").startswith(("cam on", "thank", "tks"))
    if thanks:
        text = ctx._("Dạ, không có gì ạ! Bà con cần gì thêm thì bấm bên dưới hoặc gõ câu hỏi nhé.")
    else:
        text = ctx._("Chào bà con! Mình là Loa phường. Bà con bấm việc cần làm, hoặc gõ câu hỏi ạ.")
    return Reply(text, main_menu(ctx))


@router.command("dungnhan", words=("dừng nhận tin", "ngừng nhận tin", "stop"))
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


@router.command("trogiup", "help", words=("trợ giúp", "giúp", "menu", "help", "lệnh"))
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
                "- /diemtin — nhận điểm tin y tế hằng ngày, hằng tuần, hằng tháng hay không\n"
                "- /khaosat — góp ý cho trạm (vài câu hỏi ngắn)\n"
                "- /xoadulieu — xóa dữ liệu cá nhân\n"
                "- /dungnhan — dừng nhận tin\n\n"
                "Cấp cứu: gọi ngay **115**."
            ),
            main_menu(ctx),
        )
    ]
    if more := await staff_help(incoming, ctx):
        replies.append(Reply(more))
    return replies


async def save_area(incoming: Incoming, ctx: Context, typed: str) -> list[Reply]:
    area = match_area(typed, list(load_station().areas))
    if area is None:
        return [area_question(ctx, retry=True)]
    async with ctx.sessions() as session:
        subscriber, chosen = await subscriber_with_topics(session, incoming)
        await update_subscriber(session, subscriber, area=area)
    if ctx.data.get("language_chosen"):
        return await finish(ctx, (subscriber, chosen, False))
    return [await FLOW.go_to(ctx, SubscribeStep.ASK_LANGUAGE)]


def topics_reply(ctx: Context, chosen: set[str], kind: type[TopicButton] = TopicChoice) -> Reply:
    buttons = [
        Button(
            ("✅ " if topic.code in chosen else "⬜ ") + topic.label(ctx.locale),
            kind(topic.code).pack(),
            topic.aliases,
        )
        for topic in load_topics()
    ]
    buttons.append(Button(ctx._("Xong, chọn tổ dân phố ➜"), kind.done))
    labels = topic_labels(ctx, chosen) or ctx._("(chưa chọn)")
    return Reply(
        ctx._("Bấm để bật/tắt chủ đề bà con muốn nhận tin. Đang chọn: {topics}.").format(
            topics=labels
        ),
        buttons,
    )


def topic_labels(ctx: Context, chosen: set[str]) -> str:
    return ", ".join(t.label(ctx.locale) for t in load_topics() if t.code in chosen)


def area_question(
    ctx: Context, *, retry: bool = False, kind: type[AreaButton] = AreaChoice
) -> Reply:
    areas = load_station().areas
    text = ctx._("Bà con ở tổ dân phố nào? Bấm chọn hoặc gõ, ví dụ “Tổ 3”.")
    if retry:
        text = ctx._(
            "Mình không tìm thấy tổ dân phố đó. Bà con chọn một tổ trong danh sách: {areas}."
        ).format(areas=", ".join(areas))
    return Reply(text, [Button(area, kind(area).pack()) for area in areas])


async def ask_area_question(ctx: Context) -> Reply:
    return area_question(ctx)


async def ask_language(ctx: Context) -> Reply:
    return Reply(ctx._("Bà con muốn nhận tin bằng ngôn ngữ nào?"), language_buttons())


# --- the dialogue, declared --------------------------------------------------------

S = SubscribeStep
FLOW = router.flow(
    Flow(
        "subscribe",
        started_by={"/start": S.GREETING, "/chude, Chọn chủ đề": S.TOPICS},
        chats=PRIVATE,
        steps={
            S.GREETING: Step(
                ask_greeting,
                buttons=(
                    On(LanguageChoice.prefix(), english_first, to=(S.ASK_AREA, END)),
                    # Older greetings carried the topics themselves; their buttons still work.
                    On(TopicChoice.prefix(), toggle_topic_button, to=(S.TOPICS,)),
                    On(TopicChoice.done, ask_area, to=(S.ASK_AREA,)),
                ),
                lets_go=True,
            ),
            S.TOPICS: Step(
                ask_topics,
                buttons=(
                    On(TopicChoice.prefix(), toggle_topic_button, to=(S.TOPICS,)),
                    On(TopicChoice.done, ask_area, to=(S.ASK_AREA,), means=Means.YES),
                ),
                several=True,
            ),
            S.ASK_AREA: Step(
                ask_area_question,
                buttons=(On(AreaChoice.prefix(), choose_area_button, to=(S.ASK_LANGUAGE, END)),),
                typed=Typed(choose_area_text, to=(S.ASK_LANGUAGE, END)),
            ),
            S.ASK_LANGUAGE: Step(
                ask_language, buttons=(On(LanguageChoice.prefix(), choose_language, to=(END,)),)
            ),
        },
    )
)


def language_buttons(kind: type[LanguageButton] = LanguageChoice) -> list[Button]:
    return [Button(label, kind(code).pack()) for code, label in LANGUAGES.items()]
