"""Questions and answers: any plain text that no dialogue claims, and /hoi <câu hỏi>.

In groups the bot answers only when mentioned or replied to (the dispatcher checks
`addressed`); /hoi always counts as addressed. Below the confidence threshold the
bot does not guess: it offers the closest topics and a hand-off to staff. Those
buttons carry the question id signed for the chat that asked (bot/faq/signing.py).
"""

from __future__ import annotations

import re
from enum import Enum, auto

from bot.buttons import AskStaff, FaqTopicChoice
from bot.core import Button, ChatKind, Incoming, Reply
from bot.db import engine_of
from bot.faq import Match, ask, get_index
from bot.faq.log import MAX_TEXT, hand_off, log_question, record_choice
from bot.faq.signing import button_secret, sign_question, signed_question
from bot.flows import Flow, Step
from bot.i18n import LOCALES as LANGUAGES
from bot.i18n import Gettext, translator
from bot.routing import Context, Router
from bot.subscribers import require_subscriber
from content.station import load_station
from handlers.common import PRIVATE, buttons_for_mentions

router = Router("faq")

SUGGESTIONS = 3
_MENTION = re.compile(r"(?:^|\s)@\w+")


@router.command("hoi")
async def on_ask_command(incoming: Incoming, ctx: Context) -> Reply:
    """/hoi <câu hỏi>."""
    return await answer(incoming.argument, ctx)


@router.text()
async def on_text(incoming: Incoming, ctx: Context) -> Reply:
    """Free text outside any dialogue is a question."""
    return await answer(incoming.text or "", ctx)


async def answer(text: str, ctx: Context) -> Reply:
    question = _MENTION.sub(" ", text).strip()[:MAX_TEXT]
    if not question:
        return Reply(ctx._("Bà con gõ câu hỏi sau /hoi, ví dụ: /hoi giờ mở cửa trạm y tế"))
    # Answered in the language the question is written in; the chat keeps its own.
    match = ask(question, ctx.locale)
    _ = translator(match.lang)
    question_id = await log_question(engine_of(ctx.sessions), question, match.lang, match)
    if match.answer is not None:
        return Reply(match.answer, action_buttons(ctx, match.answer))
    if match.off_topic:
        return Reply(
            _(
                "Mình chỉ giúp được các câu hỏi về sức khỏe và dịch vụ của trạm y tế ạ. "
                "Bà con thử hỏi, ví dụ: “giờ mở cửa trạm y tế”, “đăng ký khám sàng lọc”."
            )
        )
    asked = AskStaff(
        question_id, sign_question(await _button_secret(ctx), question_id, ctx.incoming)
    )
    reply = advice_reply(asked, match.lang, _) if match.advice else unsure_reply(match, asked, ctx)
    if ctx.incoming.chat_kind is ChatKind.PRIVATE and ctx.state is None:
        # Outside any dialogue, the buttons offered can be typed too ("2", "hỏi cán bộ").
        await ctx.set_step(FaqStep.PICK, offered=[[b.text, b.data] for b in reply.buttons])
    return reply


class FaqStep(Enum):
    """Buttons were offered under a question: typed, their label or number picks one;
    anything else ends this and is read afresh (usually the next question)."""

    PICK = auto()


async def ask_pick(ctx: Context) -> Reply:
    return Reply("", [Button(text, data) for text, data in ctx.data.get("offered", [])])


async def leave_pick(ctx: Context) -> None:
    if FLOW.step_in(ctx) is not None:
        await ctx.end_dialogue()


def advice_reply(asked: AskStaff, lang: str, _: Gettext) -> Reply:
    """A dose, a diagnosis or a value to judge: never a topic answer. The station's
    phone, 115 for danger signs, and the question offered to staff."""
    station = load_station().in_language(lang)
    return Reply(
        _(
            "Câu hỏi về liều thuốc, chẩn đoán bệnh hay kết quả xét nghiệm cần cán bộ y tế "
            "xem trực tiếp, mình không trả lời thay được. Bà con gọi {station}: {phone}, "
            "hoặc bấm “Hỏi cán bộ y tế” để cán bộ trả lời tại đây.\n"
            "Có dấu hiệu nguy hiểm (khó thở, đau ngực, lơ mơ, co giật): gọi ngay 115."
        ).format(station=station.name, phone=station.phone),
        [Button(_("Hỏi cán bộ y tế"), asked.pack())],
    )


async def _button_secret(ctx: Context) -> bytes:
    """The install's button signing secret, read once per process: once made it never
    changes, so a question or a press costs no query for it."""
    services = ctx.services
    if services.faq_button_secret is None:
        async with ctx.sessions() as session:
            services.faq_button_secret = await button_secret(session)
    return services.faq_button_secret


def action_buttons(ctx: Context, answer: str) -> list[Button]:
    """The action an answer mentions, as a button, in a private chat only (a group's
    members start them in their own chat)."""
    if ctx.incoming.chat_kind is not ChatKind.PRIVATE:
        return []
    return buttons_for_mentions(ctx, answer)


def unsure_reply(match: Match, asked: AskStaff, ctx: Context) -> Reply:
    """The closest topics and "ask staff" as buttons, in the question's language; the
    buttons carry the question signed for this chat."""
    _ = translator(match.lang)
    entries = get_index(match.lang).entries
    buttons = [
        Button(
            entries[topic].question,
            FaqTopicChoice(asked.question, asked.signature, topic).pack(),
        )
        for topic in match.alternatives[:SUGGESTIONS]
        if topic in entries
    ]
    buttons.append(Button(_("Hỏi cán bộ y tế"), asked.pack()))
    return Reply(
        _(
            "Mình chưa chắc câu trả lời. Bà con đang hỏi về một trong các chủ đề dưới đây? "
            "Nếu không, bấm “Hỏi cán bộ y tế” để cán bộ trạm trả lời."
        ),
        buttons,
    )


@router.button(FaqTopicChoice.prefix())
async def on_topic_button(incoming: Incoming, ctx: Context) -> Reply:
    """A suggested topic was picked: answer it; remember the choice if this chat asked."""
    await leave_pick(ctx)
    pressed = FaqTopicChoice.parse(incoming.button)
    if pressed is None or pressed.topic not in get_index(ctx.locale).entries:
        return Reply(ctx._("Chủ đề này không còn. Bà con gõ lại câu hỏi giúp mình nhé."))
    topic = pressed.topic
    secret = await _button_secret(ctx)
    lang = ctx.locale
    async with ctx.sessions() as session:
        question_id = signed_question(secret, pressed.question, pressed.signature, incoming)
        if question_id is not None:
            asked_in = await record_choice(session, question_id, topic)
            # Answered in the language the question was asked in.
            lang = asked_in if asked_in in LANGUAGES else lang
    entry = get_index(lang).entries[topic]
    return Reply(entry.answer, action_buttons(ctx, entry.answer))


@router.button(AskStaff.prefix())
async def on_ask_staff(incoming: Incoming, ctx: Context) -> Reply:
    """Hand the question to station staff, if this chat asked it; they answer here."""
    await leave_pick(ctx)
    pressed = AskStaff.parse(incoming.button)
    secret = await _button_secret(ctx)
    async with ctx.sessions() as session:
        question_id = (
            signed_question(secret, pressed.question, pressed.signature, incoming)
            if pressed
            else None
        )
        handoff = None
        if question_id is not None:
            await require_subscriber(session, incoming)  # the answer is sent to this chat
            handoff = await hand_off(session, incoming, question_id, ctx.locale)
    if handoff is None:
        return Reply(ctx._("Không tìm thấy câu hỏi này. Bà con gõ lại câu hỏi giúp mình nhé."))
    station = load_station().in_language(handoff.language)
    _ = translator(handoff.language)
    return Reply(
        _(
            "Đã chuyển câu hỏi cho cán bộ {station}. Cán bộ sẽ trả lời bà con tại đây trong giờ "
            "làm việc ({hours}). Trường hợp khẩn cấp, gọi ngay 115."
        ).format(station=station.name, hours=station.hours)
    )


# Its buttons are the signed ones above, pressed as such: the step only lets them be typed.
FLOW = router.flow(
    Flow(
        "faq",
        started_by={"câu hỏi chưa chắc": FaqStep.PICK},
        chats=PRIVATE,
        steps={FaqStep.PICK: Step(ask_pick, lets_go=True)},
    )
)
