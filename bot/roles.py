"""Who may use staff commands.

Staff come from STAFF_IDS ("telegram:12345,web:staff-1") and from staff
accounts linked to a chat id (`loaphuong staff add … --telegram-id`); group
admins from the platform's admin list of that group.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.core import ChatKind, Incoming
from bot.staff import staff_for_chat

if TYPE_CHECKING:
    from bot.routing import Context

log = logging.getLogger(__name__)

# Roles from weakest to strongest: holding one grants the ones before it.
ROLES = ("group_admin", "staff", "admin")

RoleSource = Callable[[Incoming, "Context"], Awaitable[set[str]]]


async def configured_roles(incoming: Incoming, ctx: Context) -> set[str]:
    if incoming.user_id in ctx.settings.staff_ids_for(incoming.channel):
        return {"staff"}
    return set()


async def staff_account_roles(incoming: Incoming, ctx: Context) -> set[str]:
    async with ctx.sessions() as session:
        member = await staff_for_chat(session, incoming)
    return {member.role} if member else set()


async def group_admin_roles(incoming: Incoming, ctx: Context) -> set[str]:
    """Admins of this group, by the platform's own admin list (cached briefly)."""
    if incoming.chat_kind is not ChatKind.GROUP:
        return set()
    channel = ctx.services.extras.get("channels", {}).get(incoming.channel)
    lookup = getattr(channel, "group_admin_ids", None)
    if lookup is None:
        return set()
    admin_cache = ctx.services.extras.setdefault("group_admin_cache", {})
    key = (incoming.channel, incoming.chat_id)
    cached = admin_cache.get(key)
    if cached is None or cached[0] < time.monotonic():
        try:
            admins = await lookup(incoming.chat_id)
        except Exception:  # the platform is down or the bot lost access: no admin rights
            log.warning("could not read the admin list of a %s group", incoming.channel)
            return set()
        cached = (time.monotonic() + ADMIN_CACHE_SECONDS, admins)
        admin_cache[key] = cached
    return {"group_admin"} if incoming.user_id in cached[1] else set()


ADMIN_CACHE_SECONDS = 300

ROLE_CHECKS: list[RoleSource] = [configured_roles, staff_account_roles, group_admin_roles]


async def roles_of(incoming: Incoming, ctx: Context) -> set[str]:
    held: set[str] = set()
    for source in ROLE_CHECKS:
        held |= await source(incoming, ctx)
    return held


async def has_role(incoming: Incoming, ctx: Context, role: str) -> bool:
    wanted = ROLES.index(role)
    return any(ROLES.index(held) >= wanted for held in await roles_of(incoming, ctx))
