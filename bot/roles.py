"""Who may use staff commands.

Staff come from STAFF_IDS ("telegram:12345,web:staff-1") and from staff
accounts linked to a chat id (`loaphuong staff add … --telegram-id`); group
admins are added by the groups feature through ROLE_CHECKS.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.core import Incoming
from bot.staff import staff_for_chat

if TYPE_CHECKING:
    from bot.routing import Context

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


ROLE_CHECKS: list[RoleSource] = [configured_roles, staff_account_roles]


async def roles_of(incoming: Incoming, ctx: Context) -> set[str]:
    held: set[str] = set()
    for source in ROLE_CHECKS:
        held |= await source(incoming, ctx)
    return held


async def has_role(incoming: Incoming, ctx: Context, role: str) -> bool:
    wanted = ROLES.index(role)
    return any(ROLES.index(held) >= wanted for held in await roles_of(incoming, ctx))
