"""FAQ: questions the bot could not answer, and those handed to staff (answer them here)."""

from __future__ import annotations

from aiohttp import web

from bot.faq import THRESHOLD, get_index
from bot.faq.log import HandoffError, answer_handoff, open_handoffs, unanswered
from bot.models.types import ROW_ID
from bot.web.dashboard.pages.common import redirect, render, services, staff_name

TITLE = "Hỏi đáp"
PATH = "/admin/faq"
UNANSWERED_DAYS = 30
UNANSWERED_LIMIT = 200
CHANNEL_NAMES = {
    "web": "trò chuyện trên web",
    "telegram": "Telegram",
    "zalo_bot": "Zalo",
    "zalo_oa": "Zalo OA (tài khoản chính thức)",
}
routes = web.RouteTableDef()


@routes.get("/faq", name="faq")
async def faq_page(request: web.Request) -> web.Response:
    async with services(request).sessions() as session:
        handoffs = await open_handoffs(session)
        questions = await unanswered(session, UNANSWERED_DAYS, UNANSWERED_LIMIT)
    return render(
        "faq.html",
        request,
        {
            "handoffs": handoffs,
            "questions": questions,
            "days": UNANSWERED_DAYS,
            "channels": CHANNEL_NAMES,
            "closeness": closeness,
            # Topic ids ("station.emergency") read as the question they answer.
            "topics": {id: entry.question for id, entry in get_index("vi").entries.items()},
            "tz": services(request).settings.tz,
            "message": request.query.get("msg", ""),
        },
    )


def closeness(score: float) -> str:
    """How near the closest topic was, in words staff read (no raw scores)."""
    if score >= THRESHOLD * 0.8:
        return "gần đúng"
    if score >= THRESHOLD * 0.5:
        return "hơi giống"
    return ""


@routes.post(f"/faq/handoffs/{{handoff_id:{ROW_ID}}}/answer", name="faq_answer")
async def answer(request: web.Request) -> web.Response:
    handoff_id = int(request.match_info["handoff_id"])
    form = await request.post()
    try:
        async with services(request).sessions() as session:
            handoff = await answer_handoff(
                session, handoff_id, str(form.get("answer", "")), staff_name(request)
            )
    except HandoffError as exc:
        raise redirect(PATH, f"Lỗi: {exc}") from None
    if handoff.status == "unreachable":
        raise redirect(
            PATH, f"Đã lưu câu trả lời số {handoff_id}, nhưng người hỏi đã dừng nhận tin."
        )
    raise redirect(PATH, f"Đã gửi câu trả lời cho câu hỏi số {handoff_id}.")
