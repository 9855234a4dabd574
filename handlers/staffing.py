"""Small helpers for staff handlers: who is acting, for the archive and audit log."""

from __future__ import annotations

from bot.core import Incoming
from bot.routing import Context
from bot.staff import staff_for_chat


async def actor_of(incoming: Incoming, ctx: Context) -> str:
    """The staff account name when linked, else "<channel>:<user id>"."""
    async with ctx.sessions() as session:
        member = await staff_for_chat(session, incoming)
    return member.name if member else f"{incoming.channel}:{incoming.user_id}"


def number_after(prefix: str, data: str | None) -> int | None:
    """ "alert:approve:12" with prefix "alert:approve:" → 12; None when not a number."""
    tail = (data or "").removeprefix(prefix)
    return int(tail) if tail.isdigit() else None
