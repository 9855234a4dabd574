"""Every staff action checks the role: resident, group admin, staff and admin, one table.

The table is read from the routers themselves, so a staff command added later is
checked here without anyone remembering to list it; and every route without a role must
be on OPEN_ROUTES, so a new route that forgot its role fails here instead of shipping open.
"""

from __future__ import annotations

import logging

import pytest

from bot.app import build_dispatcher
from bot.core import ChatKind
from bot.outbox.audience import Audience
from bot.outbox.broadcasts import BroadcastRequest, create_broadcast
from bot.roles import ROLES
from bot.staff import add_staff
from handlers import ROUTERS
from tests.helpers import ChatDriver

GROUP_CHAT = "-1001"
# Both refusals: "… chỉ dành cho cán bộ trạm y tế", "… chỉ dành cho quản trị viên của nhóm".
REFUSED = "chỉ dành cho"
# Routes anyone may use (residents' own dialogues). Adding one here is a decision: say why.
OPEN_ROUTES = {
    *("/start", "/chude", "/dungnhan", "/trogiup", "/help"),
    *("sub:topics", "topic:", "sub:done", "area:", "lang:"),
    *("/dangky", "/huy", "/sdt"),
    *("screening:start", "screening:consent:yes", "screening:consent:no", "screening:who:"),
    *("screening:group:", "screening:groups_done", "screening:area:", "screening:session:"),
    *("screening:confirm", "screening:back", "screening:cancel", "screening:drop:"),
    *("screening:dropok:", "screening:keep"),
    *("screening:edit:", "screening:known_name", "screening:known_phone", "screening:waitlist"),
    *("screening:phone:forget", "screening:phone:cancel"),
    *("/xoadulieu", "privacy:erase", "privacy:keep"),
    *("/hoi", "faq:t:", "faq:staff:"),
    *("/baotin", "rumor:quit"),  # a resident reports a rumor; leaving the report dialogue
    *("/diemtin", "news:ask", "newsfreq:", "/xemthem"),  # how often the news digest comes
    # The survey: a resident's own answers, and a topic they asked for.
    *("/khaosat", "svy:intro", "svy:go", "svy:later", "svy:never", "svy:o:", "svy:ok"),
    *("svy:skip", "svy:stop", "svy:sub:"),
}
# persona → (telegram user id, the strongest role they hold in GROUP_CHAT)
PERSONAS = {
    "resident": ("5000", None),
    "group_admin": ("6000", "group_admin"),
    "staff": ("9001", "staff"),  # STAFF_IDS in tests/conftest.py
    "admin": ("4242", "admin"),  # a staff account linked to this Telegram id
}


class GroupWithOneAdmin:
    """Stands in for the Telegram channel: only user 6000 administers the group."""

    async def group_admin_ids(self, chat_id: str) -> set[str]:
        return {"6000"} if chat_id == GROUP_CHAT else set()


def guarded_actions() -> list[tuple[str, str, dict[str, str], bool]]:
    """(action, required role, what to send, sent in the group?) for every guarded route."""
    actions = []
    for router in ROUTERS:
        for name, routes in router.commands.items():
            for route in routes:
                if route.role:
                    in_group = ChatKind.GROUP in route.chat_kinds
                    actions.append((f"/{name}", route.role, {"text": f"/{name}"}, in_group))
        for prefix, (role, chat_kinds) in router.button_access().items():
            if role:
                data = prefix + "1" if prefix.endswith(":") else prefix
                in_group = ChatKind.GROUP in chat_kinds
                actions.append((prefix, role, {"button": data}, in_group))
    return actions


def unguarded_routes() -> set[str]:
    names = set()
    for router in ROUTERS:
        for name, routes in router.commands.items():
            names |= {f"/{name}" for route in routes if not route.role}
        names |= {prefix for prefix, (role, _kinds) in router.button_access().items() if not role}
    return names


ACTIONS = guarded_actions()


def test_every_route_without_a_role_is_meant_to_be_open():
    unguarded = unguarded_routes()
    assert unguarded - OPEN_ROUTES == set(), "give these a role=, or add them to OPEN_ROUTES"
    assert OPEN_ROUTES - unguarded == set(), "these are gone or now guarded: drop them here"


def test_the_table_covers_every_kind_of_staff_action():
    roles = {role for _action, role, _send, _group in ACTIONS}
    assert {"staff", "group_admin"} <= roles
    assert {"/canhbao", "/duyet", "/tindon", "/thongke"} <= {a for a, *_ in ACTIONS}


@pytest.fixture
async def personas(services, database):
    async with database.sessions() as session:
        await add_staff(session, "lan", "admin", telegram_id="4242")
    services.channels = {"telegram": GroupWithOneAdmin()}
    return build_dispatcher(services)


@pytest.mark.parametrize("persona", list(PERSONAS))
@pytest.mark.parametrize(
    ("action", "role", "send", "in_group"), ACTIONS, ids=[a[0] for a in ACTIONS]
)
async def test_role_is_checked(personas, caplog, persona, action, role, send, in_group):
    user_id, held = PERSONAS[persona]
    chat = ChatDriver(
        personas,
        user_id=user_id,
        channel="telegram",
        chat_id=GROUP_CHAT if in_group else user_id,
        chat_kind=ChatKind.GROUP if in_group else ChatKind.PRIVATE,
    )
    if not in_group and held == "group_admin":
        held = None  # group admins hold their role only inside their group
    allowed = held is not None and ROLES.index(held) >= ROLES.index(role)
    with caplog.at_level(logging.INFO):
        if "text" in send:
            await chat.send(send["text"])
        else:
            await chat.press(send["button"])
    refused = REFUSED in chat.text
    assert refused is not allowed, f"{persona} {'was refused' if refused else 'got'} {action}"
    if refused:
        assert any("refused" in r.getMessage() for r in caplog.records), "attempt not logged"


async def test_a_group_admin_gets_forward_kits_in_a_private_chat(personas, database):
    """They administer a group the bot is in (the platform's admin list says so)."""
    async with database.sessions() as session:
        await create_broadcast(
            session, BroadcastRequest(text="Phun thuốc muỗi Tổ 3", audience=Audience())
        )
        await session.commit()

    def private(user_id: str) -> ChatDriver:
        return ChatDriver(personas, user_id=user_id, channel="telegram")

    admin, resident = private("6000"), private("5000")
    await admin.send("/chuyentiep")
    assert REFUSED in admin.text  # the bot is in no group yet
    group = ChatDriver(
        personas, user_id="6000", channel="telegram", chat_id=GROUP_CHAT, chat_kind=ChatKind.GROUP
    )
    await group.event("bot_added")
    await admin.send("/chuyentiep")
    assert "Phun thuốc muỗi Tổ 3" in admin.text and "/b/1" in admin.text
    await resident.send("/chuyentiep")
    assert REFUSED in resident.text
