"""Replies every feature shares: not understood, not allowed, something failed."""

from __future__ import annotations

import re

from bot.core import Button, ChatKind, Incoming, Reply, Role
from bot.routing import Context, command_button

# Personal data is asked and shown in private chats only, never in a group.
PRIVATE = frozenset({ChatKind.PRIVATE})
GROUP = frozenset({ChatKind.GROUP})
_COMMAND = re.compile(r"/([a-z]+)\b")


def locale_of(incoming: Incoming, chosen: str | None) -> str | None:
    """The language chosen in /chude; a group that has not chosen speaks Vietnamese,
    whatever the app of the member writing is set to."""
    if chosen is None and incoming.chat_kind is ChatKind.GROUP:
        return "vi"
    return chosen


async def not_understood(incoming: Incoming, ctx: Context) -> Reply:
    _ = ctx._
    if incoming.button is not None:
        if incoming.chat_kind is ChatKind.GROUP:
            return Reply(_("Nút này đã cũ. Bà con gõ /trogiup để xem các lệnh ạ."))
        return Reply(_("Nút này đã cũ. Bà con chọn việc cần làm bên dưới ạ."), main_menu(ctx))
    if incoming.text is None:
        return Reply(_("Mình chỉ đọc được tin nhắn chữ. Bà con gõ câu hỏi giúp mình nhé."))
    return Reply(_("Xin lỗi, mình chưa hiểu ý bà con. Gõ /trogiup để xem mình giúp được gì ạ."))


async def not_allowed(_incoming: Incoming, ctx: Context, role: str) -> Reply:
    if role == Role.GROUP_ADMIN:
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


def command_labels(ctx: Context) -> dict[str, str]:
    """What a resident can start, by command: the main menu, and the button an FAQ answer
    carries when it mentions the command."""
    return {
        "dangky": ctx._("Đăng ký khám"),
        "huy": ctx._("Hủy lịch khám"),
        "chude": ctx._("Chọn chủ đề"),
        "baotin": ctx._("Báo tin đồn"),
        "xoadulieu": ctx._("Xóa dữ liệu"),
    }


def main_menu(ctx: Context) -> list[Button]:
    """The main menu as buttons (/trogiup, the greeting, thanks, an old button)."""
    return [Button(label, command_button(name)) for name, label in command_labels(ctx).items()]


def buttons_for_mentions(ctx: Context, text: str) -> list[Button]:
    """A button for each resident command `text` mentions ("gõ /dangky" → "Đăng ký khám")."""
    mentioned = set(_COMMAND.findall(text))
    return [
        Button(label, command_button(name))
        for name, label in command_labels(ctx).items()
        if name in mentioned
    ]
