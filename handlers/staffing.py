"""Small helpers for staff handlers: who is acting, for the archive and audit log."""

from __future__ import annotations

import re

from bot.core import Incoming
from bot.models.types import ROW_ID
from bot.routing import Context
from bot.staff import staff_for_chat


async def actor_of(incoming: Incoming, ctx: Context) -> str:
    """The staff account name when linked, else "<channel>:<user id>"."""
    member = await staff_for_chat(ctx.sessions, incoming)
    return member.name if member else f"{incoming.channel}:{incoming.user_id}"


_ROW_ID = re.compile(ROW_ID)


def number_after(prefix: str, data: str | None) -> int | None:
    """ "alert:approve:12" with prefix "alert:approve:" → 12; None when not a record number."""
    tail = (data or "").removeprefix(prefix).strip()
    return int(tail) if _ROW_ID.fullmatch(tail) else None
