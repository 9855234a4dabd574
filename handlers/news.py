"""News digests for residents: how often (/diemtin), and the rest of a long one (/xemthem N).

Flow (the table at the end; docs/news-dialogue.mmd is drawn from it): /diemtin or the
"Điểm tin" button at the end of /chude → ASK_FREQUENCY (buttons, or typed: "hang tuan",
"2", "weekly") → saved. /xemthem N shows page N of the last digest.
"""

from __future__ import annotations

from datetime import date
from enum import Enum, auto

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.buttons import FrequencyChoice
from bot.core import Button, Incoming, Reply
from bot.flows import END, Flow, On, Step, Typed
from bot.i18n import Gettext
from bot.models.outbox import Broadcast, OutboxMessage
from bot.news.digest import MORE_COMMAND, Frequency, frequency_of
from bot.news.schedule import DueNews
from bot.routing import Context, Router
from bot.subscribers import require_subscriber, topics_of, update_subscriber
from content.text import fold
from handlers.common import PRIVATE

router = Router("news", chats=PRIVATE)

# What residents type for each choice: its number, Vietnamese words (without accents), English.
TYPED = {
    Frequency.DAILY: ("1", "hang ngay", "moi ngay", "ngay", "daily"),
    Frequency.WEEKLY: ("2", "hang tuan", "moi tuan", "tuan", "thu hai", "weekly"),
    Frequency.MONTHLY: ("3", "hang thang", "moi thang", "thang", "monthly"),
    Frequency.NEVER: ("4", "khong", "khong nhan", "thoi", "never", "no"),
}


class NewsStep(Enum):
    ASK_FREQUENCY = auto()


def frequency_label(_: Gettext, frequency: Frequency) -> str:
    return {
        Frequency.DAILY: _("Hằng ngày"),
        Frequency.WEEKLY: _("Hằng tuần (thứ Hai)"),
        Frequency.MONTHLY: _("Hằng tháng (ngày 1)"),
        Frequency.NEVER: _("Không nhận điểm tin"),
    }[frequency]


def news_button(ctx: Context, stored: str | None) -> Button:
    """The way in from the end of /chude, naming the current choice."""
    label = frequency_label(ctx._, frequency_of(stored))
    return Button(ctx._("Điểm tin y tế: {cach} ➜").format(cach=label), "news:ask")


@router.command("diemtin", words=("điểm tin", "tin tức"))
@router.button("news:ask")
async def ask_frequency(_incoming: Incoming, ctx: Context) -> Reply:
    """Ask how often the resident wants the news digest."""
    return await FLOW.start(ctx, NewsStep.ASK_FREQUENCY)


async def ask_frequency_question(ctx: Context) -> Reply:
    async with ctx.sessions() as session:
        subscriber = await require_subscriber(session, ctx.incoming)
    return frequency_question(ctx, frequency_of(subscriber.news_frequency))


async def choose_frequency_button(incoming: Incoming, ctx: Context) -> Reply:
    """Save the frequency pressed."""
    pressed = FrequencyChoice.parse(incoming.button)
    if pressed is None:
        return frequency_question(ctx, None)
    return await save_frequency(incoming, ctx, pressed.frequency)


async def choose_frequency_text(incoming: Incoming, ctx: Context) -> Reply:
    """Save the frequency typed ("hàng tuần", "2", "weekly"); else ask again."""
    typed = fold(incoming.text or "")
    chosen = next((f for f, words in TYPED.items() if typed in words), None)
    if chosen is None:
        return frequency_question(ctx, None, retry=True)
    return await save_frequency(incoming, ctx, chosen)


async def save_frequency(incoming: Incoming, ctx: Context, chosen: Frequency) -> Reply:
    async with ctx.sessions() as session:
        subscriber = await require_subscriber(session, incoming)
        await update_subscriber(session, subscriber, news_frequency=chosen.value)
    await ctx.end_dialogue()
    if chosen is Frequency.NEVER:
        return Reply(ctx._("Đã lưu: bà con không nhận điểm tin. Gõ /diemtin để nhận lại."))
    return Reply(
        ctx._("Đã lưu: bà con nhận điểm tin y tế {cach}. Gõ /diemtin để đổi.").format(
            cach=lower_first(frequency_label(ctx._, chosen))
        )
    )


def lower_first(label: str) -> str:
    """ "Hằng tuần (thứ Hai)" → "hằng tuần (thứ Hai)", inside a sentence."""
    return label[:1].lower() + label[1:]


def frequency_question(ctx: Context, current: Frequency | None, *, retry: bool = False) -> Reply:
    _ = ctx._
    text = _(
        "Trạm gửi điểm tin y tế: các tin sức khỏe mới theo chủ đề và tổ dân phố của bà con. "
        "Bà con muốn nhận bao lâu một lần? Bấm chọn hoặc gõ số 1–4."
    )
    if current is not None:
        text += "\n" + _("Đang chọn: {cach}.").format(cach=frequency_label(_, current))
    if retry:
        text = _("Mình chưa hiểu. Bà con gõ 1 (hằng ngày), 2 (hằng tuần), 3 (hằng tháng) "
                 "hoặc 4 (không nhận).")  # fmt: skip
    buttons = [
        Button(f"{number}. {frequency_label(_, frequency)}", FrequencyChoice(frequency).pack())
        for number, frequency in enumerate(Frequency, start=1)
    ]
    return Reply(text, buttons)


@router.command(MORE_COMMAND)
async def more_news(incoming: Incoming, ctx: Context) -> Reply:
    """Page N (from 2) of the last digest this chat received."""
    page = int(incoming.argument) if incoming.argument.isdigit() else 2
    async with ctx.sessions() as session:
        subscriber = await require_subscriber(session, incoming)
        day = await last_long_digest_day(session, subscriber.id or 0)
        pages: list[str] = []
        if day is not None:
            topics = sorted(await topics_of(session, subscriber.id or 0))
            pages = (await DueNews.load(session, day)).pages_for(subscriber, topics)
    if not 2 <= page <= len(pages):
        return Reply(ctx._("Không còn tin nào nữa. Gõ /diemtin để chọn cách nhận điểm tin."))
    return Reply(pages[page - 1])


async def last_long_digest_day(session: AsyncSession, subscriber_id: int) -> date | None:
    """The day the last digest with more pages went to this subscriber (from its key)."""
    key = await session.scalar(
        select(Broadcast.key)
        .join(OutboxMessage, OutboxMessage.broadcast_id == Broadcast.id)
        .where(
            OutboxMessage.subscriber_id == subscriber_id,
            OutboxMessage.text.contains(f"/{MORE_COMMAND} "),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    try:
        return date.fromisoformat(key.split(":")[1]) if key else None
    except (IndexError, ValueError):
        return None


FLOW = router.flow(
    Flow(
        "news",
        started_by={"/diemtin, Điểm tin": NewsStep.ASK_FREQUENCY},
        chats=PRIVATE,
        steps={
            NewsStep.ASK_FREQUENCY: Step(
                ask_frequency_question,
                buttons=(On(FrequencyChoice.prefix(), choose_frequency_button, to=(END,)),),
                typed=Typed(choose_frequency_text, to=(END,)),
            )
        },
    )
)
