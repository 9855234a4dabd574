"""Small helpers for staff handlers: who is acting, for the archive and audit log."""

from __future__ import annotations

import re

from bot.core import Incoming
from bot.routing import Context
from bot.staff import staff_for_chat


async def actor_of(incoming: Incoming, ctx: Context) -> str:
    """The staff account name when linked, else "<channel>:<user id>"."""
    async with ctx.sessions() as session:
        member = await staff_for_chat(session, incoming)
    return member.name if member else f"{incoming.channel}:{incoming.user_id}"


# Record numbers staff type or buttons carry: more digits than this cannot be a row
# (PostgreSQL's INTEGER ends at 2,147,483,647), so they are "not found", never an overflow.
MAX_ID_DIGITS = 9
_ROW_ID = re.compile(rf"[0-9]{{1,{MAX_ID_DIGITS}}}")


def number_after(prefix: str, data: str | None) -> int | None:
    """ "alert:approve:12" with prefix "alert:approve:" → 12; None when not a record number."""
    tail = (data or "").removeprefix(prefix).strip()
    return int(tail) if _ROW_ID.fullmatch(tail) else None
