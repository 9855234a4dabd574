"""A Reply as OA consultation message bodies."""

from __future__ import annotations

from typing import Any

from bot.channels.zalo_common import MAX_TEXT, numbered_buttons, plain_text
from bot.core import Button, Reply
from bot.i18n import Gettext
from bot.outbox.split import split_text

MAX_BUTTONS = 5
MAX_BUTTON_TITLE = 100


def oa_messages(reply: Reply, first_number: int, _: Gettext) -> tuple[list[dict[str, Any]], bool]:
    """A reply as OA message bodies: photo first, then the text, buttons on the last piece.

    Up to MAX_BUTTONS become real buttons; more are listed by number in the text.
    """
    native = 0 < len(reply.buttons) <= MAX_BUTTONS
    text = plain_text(reply)
    if reply.buttons and not native:
        listing = numbered_buttons(reply.buttons, first_number, _)
        text = f"{text}\n\n{listing}" if text else listing
    messages: list[dict[str, Any]] = []
    if reply.photo:
        media = {"media_type": "image", "url": reply.photo}
        messages.append(_template({"template_type": "media", "elements": [media]}))
    messages.extend({"text": piece} for piece in split_text(text, MAX_TEXT))
    if native:
        buttons = {"buttons": [_query_button(button) for button in reply.buttons]}
        if messages and "text" in messages[-1]:
            messages[-1] |= _template(buttons)
        else:
            messages.append(_template(buttons))
    return messages, bool(reply.buttons) and not native


def _template(payload: dict[str, Any]) -> dict[str, Any]:
    return {"attachment": {"type": "template", "payload": payload}}


def _query_button(button: Button) -> dict[str, str]:
    # The label comes back as the resident's message; ButtonMemory maps it to the data.
    title = button.text[:MAX_BUTTON_TITLE]
    return {"title": title, "type": "oa.query.show", "payload": title}
