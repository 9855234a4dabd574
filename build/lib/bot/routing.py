"""Routers and dispatch: which handler answers an Incoming.

Like aiogram, each feature module owns a `Router` and registers handlers with
filters (command, button prefix, dialogue step, free text, event); the
dispatcher tries them in a fixed order, so handler bodies hold no routing `if`s:

1. events (bot added to a group, …)
2. commands (`/start`), in any dialogue state
3. buttons, longest matching prefix first
4. free text while a dialogue step is active → that step's handler
5. free text otherwise → the first router's fallback (the FAQ)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.core import ChatKind, Incoming, Reply
from bot.i18n import Gettext, normalize_locale, translator
from bot.state import DialogueState, StateKey, StateStorage, step_name

log = logging.getLogger(__name__)

HandlerResult = list[Reply] | Reply | None
Handler = Callable[[Incoming, "Context"], Awaitable[HandlerResult]]
# Answers a person who lacks the role a route needs; gets that role's name.
Refusal = Callable[[Incoming, "Context", str], Awaitable[HandlerResult]]


@dataclass
class Services:
    """What handlers may use; built once by the app, shared by every Context."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    states: StateStorage
    extras: dict[str, Any] = field(default_factory=dict)


class Context:
    """Per-update view of the services: the person's locale, their dialogue state."""

    def __init__(self, services: Services, incoming: Incoming, locale: str) -> None:
        self.services = services
        self.settings = services.settings
        self.sessions = services.sessions
        self.incoming = incoming
        self.locale = normalize_locale(locale)
        self._: Gettext = translator(self.locale)
        self.key = StateKey(incoming.channel, incoming.chat_id, incoming.user_id)
        self.state: DialogueState | None = None

    async def load_state(self) -> DialogueState | None:
        self.state = await self.services.states.get(self.key)
        return self.state

    async def set_step(self, step: Enum, **data: Any) -> None:
        """Move the dialogue to `step`, merging `data` into what it already holds."""
        merged = dict(self.state.data) if self.state else {}
        merged.update(data)
        self.state = DialogueState(step_name(step), merged)
        await self.services.states.set(self.key, self.state)

    async def end_dialogue(self) -> None:
        self.state = None
        await self.services.states.clear(self.key)

    @property
    def data(self) -> dict[str, Any]:
        return self.state.data if self.state else {}

    def use_locale(self, locale: str) -> None:
        self.locale = normalize_locale(locale)
        self._ = translator(self.locale)


@dataclass(frozen=True)
class Route:
    handler: Handler
    chat_kinds: frozenset[ChatKind]
    role: str | None = None


ALL_CHATS = frozenset(ChatKind)


class Router:
    """One feature's handlers, registered with decorators.

    `chats` is the chat kinds a command, button, step or text handler answers in when
    its decorator names none (events answer in every kind).
    """

    def __init__(self, name: str, *, chats: Iterable[ChatKind] = ALL_CHATS) -> None:
        self.name = name
        self.chats = frozenset(chats)
        self.commands: dict[str, list[Route]] = {}
        self.buttons: dict[str, Route] = {}
        self.steps: dict[str, Route] = {}
        self.events: dict[str, Route] = {}
        self.fallback: Route | None = None

    def _kinds(self, chats: Iterable[ChatKind] | None) -> frozenset[ChatKind]:
        return self.chats if chats is None else frozenset(chats)

    def command(
        self, *names: str, chats: Iterable[ChatKind] | None = None, role: str | None = None
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for name in names:
                self.commands.setdefault(name, []).append(Route(handler, self._kinds(chats), role))
            return handler

        return register

    def button(
        self, prefix: str, *, chats: Iterable[ChatKind] | None = None, role: str | None = None
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.buttons[prefix] = Route(handler, self._kinds(chats), role)
            return handler

        return register

    def step(
        self, *steps: Enum, chats: Iterable[ChatKind] | None = None
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for step in steps:
                self.steps[step_name(step)] = Route(handler, self._kinds(chats))
            return handler

        return register

    def event(self, name: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.events[name] = Route(handler, ALL_CHATS)
            return handler

        return register

    def text(self, chats: Iterable[ChatKind] | None = None) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.fallback = Route(handler, self._kinds(chats))
            return handler

        return register


RoleCheck = Callable[[Incoming, "Context", str], Awaitable[bool]]
LocaleLookup = Callable[[Incoming, "Services"], Awaitable[str | None]]


class Dispatcher:
    """Finds the handler for an Incoming and returns its replies; never raises."""

    def __init__(
        self,
        services: Services,
        routers: Iterable[Router],
        *,
        has_role: RoleCheck,
        locale_of: LocaleLookup,
        not_understood: Handler,
        not_allowed: Refusal,
        failed: Handler,
    ) -> None:
        self.services = services
        self.routers = list(routers)
        self._has_role = has_role
        self._locale_of = locale_of
        self._not_understood = not_understood
        self._not_allowed = not_allowed
        self._failed = failed
        self._commands = _merge_commands(router.commands for router in self.routers)
        self._events = _merge(router.events for router in self.routers)
        self._steps = _merge(router.steps for router in self.routers)
        buttons = _merge(router.buttons for router in self.routers)
        self._buttons = sorted(buttons.items(), key=lambda item: -len(item[0]))
        self._fallback = next((r.fallback for r in self.routers if r.fallback), None)

    async def dispatch(self, incoming: Incoming) -> list[Reply]:
        locale = await self._locale_of(incoming, self.services) or incoming.locale or "vi"
        ctx = Context(self.services, incoming, locale)
        try:
            route = await self._route(incoming, ctx)
            if route is None:
                return []
            if route.role and not await self._has_role(incoming, ctx, route.role):
                log.warning(
                    "refused %s for a non-%s on %s", incoming.command, route.role, incoming.channel
                )
                return _as_list(await self._not_allowed(incoming, ctx, route.role))
            return _as_list(await route.handler(incoming, ctx))
        except Exception:
            # Names and phone numbers travel in `incoming`; log only where it failed.
            log.exception("handler failed on %s (%s)", incoming.channel, incoming.chat_kind)
            return _as_list(await self._failed(incoming, ctx))

    async def _route(self, incoming: Incoming, ctx: Context) -> Route | None:
        if incoming.event:
            return self._events.get(incoming.event)
        command = incoming.command
        if command:
            routes = self._commands.get(command, [])
            route = next((r for r in routes if incoming.chat_kind in r.chat_kinds), None)
            return route or _unknown(self._not_understood, incoming)
        if incoming.button is not None:
            await ctx.load_state()
            for prefix, route in self._buttons:
                if incoming.button.startswith(prefix):
                    return _for_chat(route, incoming) or _unknown(self._not_understood, incoming)
            return _unknown(self._not_understood, incoming)
        if not incoming.text:
            return _unknown(self._not_understood, incoming)
        state = await ctx.load_state()
        step_route = _for_chat(self._steps.get(state.step), incoming) if state else None
        if step_route:
            return step_route
        if incoming.chat_kind is ChatKind.GROUP and not incoming.addressed:
            return None
        return _for_chat(self._fallback, incoming) or _unknown(self._not_understood, incoming)


def _merge(tables: Iterable[dict[str, Route]]) -> dict[str, Route]:
    merged: dict[str, Route] = {}
    for table in tables:
        for key, route in table.items():
            if key in merged:
                raise ValueError(f"two handlers registered for {key!r}")
            merged[key] = route
    return merged


def _merge_commands(tables: Iterable[dict[str, list[Route]]]) -> dict[str, list[Route]]:
    """One command name may have a private and a group handler, never two for one kind."""
    merged: dict[str, list[Route]] = {}
    for table in tables:
        for name, routes in table.items():
            for route in routes:
                taken = merged.setdefault(name, [])
                if any(route.chat_kinds & other.chat_kinds for other in taken):
                    raise ValueError(f"two handlers registered for /{name} in the same chat kind")
                taken.append(route)
    return merged


def _for_chat(route: Route | None, incoming: Incoming) -> Route | None:
    return route if route and incoming.chat_kind in route.chat_kinds else None


def _unknown(handler: Handler, incoming: Incoming) -> Route | None:
    # In groups the bot keeps quiet about what it does not understand.
    if incoming.chat_kind is ChatKind.GROUP and not incoming.addressed:
        return None
    return Route(handler, ALL_CHATS)


def _as_list(result: HandlerResult) -> list[Reply]:
    if result is None:
        return []
    return [result] if isinstance(result, Reply) else list(result)
