"""Replies every feature shares: not understood, not allowed, something failed."""

from __future__ import annotations

from bot.core import Button, ChatKind, Incoming, Reply
from bot.routing import Context, Services
from bot.subscribers import language_of

# Personal data is asked and shown in private chats only, never in a group.
PRIVATE = frozenset({ChatKind.PRIVATE})
GROUP = frozenset({ChatKind.GROUP})


async def locale_of(incoming: Incoming, services: Services) -> str | None:
    """The language chosen in /chude; a group that has not chosen speaks Vietnamese,
    whatever the app of the member writing is set to."""
    async with services.sessions() as session:
        chosen = await language_of(session, incoming)
    if chosen is None and incoming.chat_kind is ChatKind.GROUP:
        return "vi"
    return chosen


async def not_understood(incoming: Incoming, ctx: Context) -> Reply:
    _ = ctx._
    if incoming.button is not None:
        return Reply(_("Nút này đã cũ. Bà con gõ /trogiup để xem các lệnh ạ."))
    if incoming.text is None:
        return Reply(_("Mình chỉ đọc được tin nhắn chữ. Bà con gõ câu hỏi giúp mình nhé."))
    return Reply(_("Xin lỗi, mình chưa hiểu ý bà con. Gõ /trogiup để xem mình giúp được gì ạ."))


async def not_allowed(_incoming: Incoming, ctx: Context, role: str) -> Reply:
    if role == "group_admin":
        return Reply(
            ctx._(
                "Việc này chỉ dành cho quản trị viên của nhóm ạ. Bà con muốn tự chọn tin "
                "thì nhắn riêng cho Loa phường."
            )
        )
    return Reply(ctx._("Lệnh này chỉ dành cho cán bộ trạm y tế."))


async def failed(_incoming: Incoming, ctx: Context) -> Reply:
    return Reply(ctx._("Xin lỗi, mình đang gặp trục trặc. Bà con thử lại sau ít phút ạ."))


def cancel_button(ctx: Context, data: str) -> Button:
    return Button(ctx._("Hủy"), data)


def back_button(ctx: Context, data: str) -> Button:
    return Button(ctx._("Quay lại"), data)
