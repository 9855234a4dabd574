"""The information-needs survey (content/surveys/*.yaml), asked once, answered by tapping
or typing; any question can be skipped, the survey stopped at any time.

Flow (the table FLOW; docs/survey-dialogue.mmd is drawn from it):
    /khaosat, or the button in the /start greeting → INTRO (Bắt đầu | Để sau | Đừng hỏi lại)
    → ANSWER, once per question (options, "Khác", "Bỏ qua", "Dừng"; multiple choice: toggles
      then "Xong") → OTHER_TEXT after "Khác" (the resident's own words) → next question
    → thanks, and a button for each topic asked for that the resident does not receive.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from enum import Enum, auto

from bot.core import Button, Incoming, Reply
from bot.flows import END, Flow, Means, On, Step, Typed
from bot.outbox.audience import EVERYTHING
from bot.routing import Context, Router
from bot.screening.sessions import local_now
from bot.subscribers import require_subscriber, toggle_topic, topics_of
from bot.survey.answers import SKIP_WORDS, STOP_WORDS, Answer, Kind, read_answer
from bot.survey.responses import (
    Status,
    choices_of,
    decline,
    finish_response,
    response_of,
    save_answer,
    should_invite,
    start_response,
)
from content.surveys import OTHER, Question, Survey, find_survey, open_survey
from content.text import fold
from handlers.common import PRIVATE

router = Router("survey", chats=PRIVATE)
PREFIX = "svy:"


class SurveyStep(Enum):
    INTRO = auto()
    ANSWER = auto()
    OTHER_TEXT = auto()


TypedHandler = Callable[[Incoming, Context], Awaitable[list[Reply]]]


# What residents type at the intro: its number, Vietnamese words (without accents), English.
INTRO_WORDS = {
    "go": ("1", "bat dau", "co", "dong y", "ok", "duoc", "yes", "start"),
    "later": ("2", "de sau", "luc khac", "later", "not now"),
    "never": ("3", "dung hoi lai", "khong", "khong muon", "never", "no"),
}


def today(ctx: Context) -> date:
    return local_now(ctx.settings.tz).date()


# ---- ways in ------------------------------------------------------------------------


async def invitation_button(ctx: Context, subscriber_id: int) -> Button | None:
    """The greeting's button while a survey is open and this resident was not asked yet."""
    survey = open_survey(today(ctx))
    if survey is None:
        return None
    async with ctx.sessions() as session:
        if not await should_invite(session, survey.code, subscriber_id):
            return None
    return Button(
        ctx._("Góp ý cho trạm ({n} câu hỏi ngắn)").format(n=len(survey.questions)),
        f"{PREFIX}intro",
    )


@router.command("khaosat", words=("khảo sát", "góp ý"))
@router.button(f"{PREFIX}intro")
async def on_survey(incoming: Incoming, ctx: Context) -> Reply | list[Reply]:
    """Say what the survey is and ask whether to begin."""
    survey = open_survey(today(ctx))
    if survey is None:
        return Reply(ctx._("Hiện trạm chưa có khảo sát nào. Cảm ơn bà con đã quan tâm!"))
    async with ctx.sessions() as session:
        subscriber = await require_subscriber(session, incoming)
        response = await response_of(session, survey.code, subscriber.id or 0)
    if response is not None and response.status == Status.DONE:
        return Reply(ctx._("Bà con đã trả lời khảo sát này rồi. Cảm ơn bà con nhiều!"))
    await ctx.end_dialogue()  # whatever was half-way: the survey starts from a clean state
    return await move(ctx, SurveyStep.INTRO, survey=survey.code)


async def intro_typed(incoming: Incoming, ctx: Context) -> list[Reply]:
    typed = fold(incoming.text or "")
    chosen = next((k for k, words in INTRO_WORDS.items() if typed in words), None)
    if chosen is None:
        return [Reply(ctx._("Bà con gõ 1 để bắt đầu, 2 để để sau, 3 nếu không muốn trả lời."))]
    return await INTRO_CHOICES[chosen](incoming, ctx)


async def begin(incoming: Incoming, ctx: Context) -> list[Reply]:
    """Start (or start over) and ask the first question."""
    survey = current_survey(ctx) or open_survey(today(ctx))
    if survey is None:
        await ctx.end_dialogue()
        return [Reply(ctx._("Khảo sát này đã kết thúc. Cảm ơn bà con!"))]
    async with ctx.sessions() as session:
        subscriber = await require_subscriber(session, incoming)
        response_id = await start_response(session, survey.code, subscriber)
    return await move(
        ctx, SurveyStep.ANSWER, survey=survey.code, response=response_id, q=0, picked=[]
    )


async def later(_incoming: Incoming, ctx: Context) -> list[Reply]:
    """Leave it for now; the greeting still offers it."""
    await ctx.end_dialogue()
    return [Reply(ctx._("Dạ, lúc nào tiện bà con gõ /khaosat nhé."))]


async def never(incoming: Incoming, ctx: Context) -> list[Reply]:
    """Record "do not ask again" (and nothing else)."""
    survey = current_survey(ctx) or open_survey(today(ctx))
    if survey is not None:
        async with ctx.sessions() as session:
            await decline(session, survey.code, await require_subscriber(session, incoming))
    await ctx.end_dialogue()
    return [Reply(ctx._("Dạ, trạm sẽ không hỏi lại. Cảm ơn bà con!"))]


INTRO_CHOICES: dict[str, TypedHandler] = {"go": begin, "later": later, "never": never}


# ---- answering ----------------------------------------------------------------------


async def option_pressed(incoming: Incoming, ctx: Context) -> list[Reply]:
    """An option's button: single choice saves it and moves on, multiple choice toggles it."""
    survey, question = where_we_are(ctx)
    number, _, code = (incoming.button or "").removeprefix(f"{PREFIX}o:").partition(":")
    if survey is None or question is None or number != str(ctx.data.get("q")):
        return [Reply(ctx._("Nút này đã cũ. Bà con gõ /khaosat để trả lời tiếp ạ."))]
    if code == OTHER:
        return await move(ctx, SurveyStep.OTHER_TEXT)
    if question.option(code) is None:
        return [question_reply(ctx)]
    if not question.multiple:
        return await answered(ctx, survey, Answer(Kind.CHOICES, (code,)))
    picked = list(ctx.data.get("picked", []))
    picked = [p for p in picked if p != code] if code in picked else [*picked, code]
    return await move(ctx, SurveyStep.ANSWER, picked=picked)


async def done_picking(_incoming: Incoming, ctx: Context) -> list[Reply]:
    """ "Xong" under a multiple-choice question: save what is ticked (nothing: skipped)."""
    survey, question = where_we_are(ctx)
    if survey is None or question is None:
        return [Reply(ctx._("Nút này đã cũ. Bà con gõ /khaosat để trả lời tiếp ạ."))]
    picked = tuple(ctx.data.get("picked", []))
    return await answered(
        ctx, survey, Answer(Kind.CHOICES, picked) if picked else Answer(Kind.SKIP)
    )


async def skip_pressed(_incoming: Incoming, ctx: Context) -> list[Reply]:
    survey, _question = where_we_are(ctx)
    if survey is None:
        return [Reply(ctx._("Nút này đã cũ. Bà con gõ /khaosat để trả lời tiếp ạ."))]
    return await answered(ctx, survey, Answer(Kind.SKIP))


async def stop_pressed(_incoming: Incoming, ctx: Context) -> list[Reply]:
    return await stop(ctx)


async def answer_typed(incoming: Incoming, ctx: Context) -> list[Reply]:
    """A typed answer: numbers, labels, "bỏ qua", "dừng", or "Khác" words."""
    survey, question = where_we_are(ctx)
    if survey is None or question is None:
        await ctx.end_dialogue()
        return [Reply(ctx._("Khảo sát này đã kết thúc. Cảm ơn bà con!"))]
    answer = read_answer(incoming.text or "", question)
    if answer.kind is Kind.STOP:
        return await stop(ctx)
    if answer.kind is Kind.ASK_OTHER:
        return await move(ctx, SurveyStep.OTHER_TEXT, picked=list(answer.choices))
    if answer.kind is Kind.UNCLEAR:
        return [question_reply(ctx, retry=True)]
    return await answered(ctx, survey, answer)


async def other_typed(incoming: Incoming, ctx: Context) -> list[Reply]:
    """The resident's own words for "Khác" ("bỏ qua" and "dừng" still work)."""
    survey, _question = where_we_are(ctx)
    if survey is None:
        await ctx.end_dialogue()
        return [Reply(ctx._("Khảo sát này đã kết thúc. Cảm ơn bà con!"))]
    words = fold(incoming.text or "")
    if words in STOP_WORDS:
        return await stop(ctx)
    if words in SKIP_WORDS:
        return await answered(ctx, survey, Answer(Kind.SKIP))
    picked = tuple(ctx.data.get("picked", []))
    return await answered(
        ctx, survey, Answer(Kind.OTHER_TEXT, (*picked, OTHER), (incoming.text or "").strip())
    )


async def answered(ctx: Context, survey: Survey, answer: Answer) -> list[Reply]:
    """Save the answer to the current question, then ask the next or finish."""
    question = survey.questions[ctx.data["q"]]
    if answer.kind is not Kind.SKIP:
        async with ctx.sessions() as session:
            await save_answer(
                session, ctx.data["response"], question.code, list(answer.choices), answer.text
            )
    following = ctx.data["q"] + 1
    if following < len(survey.questions):
        return await move(ctx, SurveyStep.ANSWER, q=following, picked=[])
    return await finish(ctx, survey)


async def finish(ctx: Context, survey: Survey) -> list[Reply]:
    response_id = ctx.data["response"]
    async with ctx.sessions() as session:
        await finish_response(session, response_id, Status.DONE)
        wanted = await choices_of(session, response_id, survey.topic_question)
        subscriber = await require_subscriber(session, ctx.incoming)
        receiving = await topics_of(session, subscriber.id or 0)
    await ctx.end_dialogue()
    replies = [Reply(survey.text("thanks", ctx.locale))]
    missing = [] if EVERYTHING in receiving else [t for t in wanted if t not in receiving]
    if offer := topic_offer(ctx, survey, missing):
        replies.append(offer)
    return replies


async def stop(ctx: Context) -> list[Reply]:
    """End here; the answers given so far stay (without a name)."""
    if response_id := ctx.data.get("response"):
        async with ctx.sessions() as session:
            await finish_response(session, response_id, Status.STOPPED)
    await ctx.end_dialogue()
    return [
        Reply(
            ctx._(
                "Đã dừng khảo sát. Cảm ơn bà con! Những câu đã trả lời trạm vẫn ghi nhận, "
                "không kèm tên."
            )
        )
    ]


@router.button(f"{PREFIX}sub:")
async def subscribe_topic(incoming: Incoming, ctx: Context) -> Reply:
    """Receive the topic asked for in the survey."""
    code = (incoming.button or "").removeprefix(f"{PREFIX}sub:")
    survey = open_survey(today(ctx))
    question = survey.topic_question if survey else None
    option = question.option(code) if question else None
    if option is None:
        return Reply(ctx._("Chủ đề này không còn. Bà con gõ /chude để chọn lại ạ."))
    async with ctx.sessions() as session:
        subscriber = await require_subscriber(session, incoming)
        if code not in await topics_of(session, subscriber.id or 0):
            await toggle_topic(session, subscriber.id or 0, code)
    return Reply(
        ctx._("Đã thêm chủ đề {topic}. Gõ /chude để xem hoặc đổi.").format(
            topic=option.label(ctx.locale)
        )
    )


# ---- the one declaration of the steps -------------------------------------------------


def intro_reply(ctx: Context) -> Reply:
    survey = current_survey(ctx)
    assert survey is not None
    return Reply(
        f"**{survey.text('title', ctx.locale)}**\n\n{survey.text('intro', ctx.locale)}",
        [
            Button(ctx._("1. Bắt đầu"), f"{PREFIX}go"),
            Button(ctx._("2. Để sau"), f"{PREFIX}later"),
            Button(ctx._("3. Đừng hỏi lại"), f"{PREFIX}never"),
        ],
    )


def question_reply(ctx: Context, *, retry: bool = False) -> Reply:
    """The current question, its options as buttons (multiple choice: ticked or not)."""
    _ = ctx._
    survey, question = where_we_are(ctx)
    assert survey is not None and question is not None
    index = ctx.data["q"]
    picked = set(ctx.data.get("picked", []))
    count = len(question.options) + (1 if question.other else 0)
    how = (
        _("Chọn được nhiều: bấm từng ô rồi bấm Xong, hoặc gõ các số, ví dụ “1 3”.")
        if question.multiple
        else _("Bấm chọn hoặc gõ số 1–{n}.").format(n=count)
    )
    text = _("**Câu {n}/{total}.** {question}").format(
        n=index + 1, total=len(survey.questions), question=question.text(ctx.locale)
    )
    text += "\n" + how + " " + _("Gõ “bỏ qua” để sang câu sau, “dừng” để dừng.")
    if retry:
        text = _("Mình chưa hiểu câu trả lời.") + " " + text
    buttons = []
    for number, option in enumerate(question.options, start=1):
        mark = ("✅ " if option.code in picked else "⬜ ") if question.multiple else ""
        buttons.append(
            Button(
                f"{mark}{number}. {option.label(ctx.locale)}", f"{PREFIX}o:{index}:{option.code}"
            )
        )
    if question.other:
        buttons.append(Button(_("{n}. Khác (gõ ra)").format(n=count), f"{PREFIX}o:{index}:{OTHER}"))
    if question.multiple:
        buttons.append(Button(_("Xong ➜"), f"{PREFIX}ok"))
    buttons += [Button(_("Bỏ qua"), f"{PREFIX}skip"), Button(_("Dừng"), f"{PREFIX}stop")]
    return Reply(text, buttons)


def other_question(ctx: Context) -> Reply:
    return Reply(
        ctx._("Bà con gõ ngắn điều muốn nói (không cần ghi tên, số điện thoại)."),
        [Button(ctx._("Bỏ qua"), f"{PREFIX}skip"), Button(ctx._("Dừng"), f"{PREFIX}stop")],
    )


async def ask_intro(ctx: Context) -> Reply:
    return intro_reply(ctx)


async def ask_question(ctx: Context) -> Reply:
    return question_reply(ctx)


async def ask_other(ctx: Context) -> Reply:
    return other_question(ctx)


NEXT = (SurveyStep.ANSWER, SurveyStep.OTHER_TEXT, END)
FLOW = router.flow(
    Flow(
        "survey",
        started_by={"/khaosat, Góp ý cho trạm": SurveyStep.INTRO},
        chats=PRIVATE,
        way_out=(On(f"{PREFIX}stop", stop_pressed, to=(END,), words=("dừng", "stop")),),
        steps={
            SurveyStep.INTRO: Step(
                ask_intro,
                buttons=(
                    On(f"{PREFIX}go", begin, to=(SurveyStep.ANSWER,), means=Means.YES,
                       words=("bắt đầu", "start")),
                    On(f"{PREFIX}later", later, to=(END,), words=("để sau", "later")),
                    On(f"{PREFIX}never", never, to=(END,), means=Means.NO,
                       words=("đừng hỏi lại", "never")),
                ),
                typed=Typed(intro_typed, to=(SurveyStep.INTRO,)),
            ),
            SurveyStep.ANSWER: Step(
                ask_question,
                buttons=(
                    On(f"{PREFIX}o:", option_pressed, to=NEXT),
                    On(f"{PREFIX}ok", done_picking, to=(SurveyStep.ANSWER, END)),
                    On(f"{PREFIX}skip", skip_pressed, to=(SurveyStep.ANSWER, END),
                       words=("bỏ qua", "skip")),
                ),
                # numbers "1 3", labels without diacritics, "bo qua", "dung", Khác words
                typed=Typed(answer_typed, to=NEXT),
            ),
            SurveyStep.OTHER_TEXT: Step(
                ask_other,
                buttons=(
                    On(f"{PREFIX}skip", skip_pressed, to=(SurveyStep.ANSWER, END),
                       words=("bỏ qua", "skip")),
                ),
                typed=Typed(other_typed, to=(SurveyStep.ANSWER, END)),
            ),
        },
    )
)  # fmt: skip


async def move(ctx: Context, step: SurveyStep, **data: object) -> list[Reply]:
    """Go to `step` (merging `data` into the state) and show what it asks."""
    return [await FLOW.go_to(ctx, step, **data)]


# ---- what is shown ------------------------------------------------------------------


def current_survey(ctx: Context) -> Survey | None:
    code = ctx.data.get("survey")
    return find_survey(code) if isinstance(code, str) else None


def where_we_are(ctx: Context) -> tuple[Survey | None, Question | None]:
    survey = current_survey(ctx)
    index = ctx.data.get("q")
    if survey is None or not isinstance(index, int) or not 0 <= index < len(survey.questions):
        return survey, None
    return survey, survey.questions[index]


def topic_offer(ctx: Context, survey: Survey, missing: list[str]) -> Reply | None:
    question = survey.topic_question
    options = [o for o in question.options if o.code in missing] if question else []
    if not options:
        return None
    return Reply(
        ctx._("Bà con muốn biết thêm về {topics} nhưng chưa nhận tin các chủ đề này. "
              "Bấm để nhận:").format(topics=", ".join(o.label(ctx.locale) for o in options)),
        [
            Button(ctx._("Nhận tin: {topic}").format(topic=o.label(ctx.locale)),
                   f"{PREFIX}sub:{o.code}")
            for o in options
        ],
    )  # fmt: skip
