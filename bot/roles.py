"""Who may use staff commands.

Staff come from STAFF_IDS ("telegram:12345") and from staff accounts linked to a chat
id (`loaphuong staff add … --telegram-id`). On the web chat, whose user ids the browser
chooses, only a signed-in dashboard account counts (bot.channels.web): STAFF_IDS' web
entries grant nothing. Group admins come from the platform's admin list of the group;
in a private chat, a person is a group admin when they administer a group the bot is in.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from sqlalchemy import select

from bot.core import ChatKind, Incoming, Role
from bot.models.core import Subscriber
from bot.staff import staff_for_chat

if TYPE_CHECKING:
    from bot.routing import Context

log = logging.getLogger(__name__)

# Roles from weakest to strongest: holding one grants the ones before it.
ROLES = tuple(Role)

RoleSource = Callable[[Incoming, "Context"], Awaitable[set[str]]]


# Channels whose user ids the person chooses, so a configured id proves nothing.
UNVERIFIED_IDS = ("web",)


async def configured_roles(incoming: Incoming, ctx: Context) -> set[str]:
    if incoming.channel in UNVERIFIED_IDS:
        return set()
    if incoming.user_id in ctx.settings.staff_ids_for(incoming.channel):
        return {Role.STAFF}
    return set()


async def staff_account_roles(incoming: Incoming, ctx: Context) -> set[str]:
    member = await staff_for_chat(ctx.sessions, incoming)
    return {member.role} if member else set()


async def group_admin_roles(incoming: Incoming, ctx: Context) -> set[str]:
    """Admins of this group; in a private chat, admins of any group the bot is in."""
    if not isinstance(ctx.services.channels.get(incoming.channel), GroupAdminList):
        return set()  # a channel without admin lists (the web chat): no groups to look up
    if incoming.chat_kind is ChatKind.GROUP:
        groups = [incoming.chat_id]
    else:
        async with ctx.sessions() as session:
            groups = list(
                await session.scalars(
                    select(Subscriber.chat_id).where(
                        Subscriber.channel == incoming.channel,
                        Subscriber.kind == ChatKind.GROUP,
                        Subscriber.active.is_(True),
                    )
                )
            )
    for group in groups:
        if incoming.user_id in await _admins_of(ctx, incoming.channel, group):
            return {Role.GROUP_ADMIN}
    return set()


@runtime_checkable
class GroupAdminList(Protocol):
    """A channel that can read a group's admins (Telegram); the others grant no admin."""

    async def group_admin_ids(self, chat_id: str) -> set[str]: ...


async def _admins_of(ctx: Context, channel_name: str, chat_id: str) -> set[str]:
    """The platform's admin list of one group, cached briefly; empty when it cannot be read."""
    channel = ctx.services.channels.get(channel_name)
    if not isinstance(channel, GroupAdminList):
        return set()
    admin_cache = ctx.services.group_admin_cache
    cached = admin_cache.get((channel_name, chat_id))
    if cached is None or cached[0] < time.monotonic():
        try:
            admins = await channel.group_admin_ids(chat_id)
        except Exception:  # the platform is down or the bot lost access: no admin rights
            log.warning("could not read the admin list of a %s group", channel_name)
            return set()
        cached = (time.monotonic() + ADMIN_CACHE_SECONDS, admins)
        admin_cache[(channel_name, chat_id)] = cached
    return cached[1]


ADMIN_CACHE_SECONDS = 300

# Each source with the strongest role it can grant: a source too weak for the role asked
# is not asked at all (a staff check never reads the platform's group admin lists).
ROLE_CHECKS: list[tuple[RoleSource, str]] = [
    (configured_roles, Role.STAFF),
    (staff_account_roles, Role.ADMIN),
    (group_admin_roles, Role.GROUP_ADMIN),
]


async def has_role(incoming: Incoming, ctx: Context, role: str) -> bool:
    """Sources are asked in order and the first that grants enough ends the search, so the
    platform's group admin lists are read only for people who are not staff."""
    wanted = ROLES.index(role)
    for source, strongest in ROLE_CHECKS:
        if ROLES.index(strongest) < wanted:
            continue
        if any(ROLES.index(held) >= wanted for held in await source(incoming, ctx)):
            return True
    return False
