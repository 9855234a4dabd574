"""Routers and dispatch: which handler answers an Incoming.

Like aiogram, each feature module owns a `Router` and registers handlers with
filters (command, button prefix, phrase, free text, event) and its dialogues as flows; the
dispatcher tries them in a fixed order, so handler bodies hold no routing `if`s:

1. events (bot added to a group, …)
2. commands (`/start`), in any dialogue state; a `cmd:<name>` button and the words a
   command declares ("đăng ký khám" for /dangky) are that command
3. buttons of a declared flow (bot/flows.py): valid at the current step only
4. other buttons, longest matching prefix first
5. free text while a flow's step is active → one of its buttons, else its typed handler
6. free text otherwise → a declared phrase (greetings) → the first router's fallback (the FAQ)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.buttons import CommandButton
from bot.config import Settings
from bot.core import Button, ChatKind, Incoming, Reply
from bot.flows import Flow, folded_answer, pressed, read_answer, read_several
from bot.i18n import Gettext, normalize_locale, translator
from bot.state import DialogueState, StateKey, StateStorage, step_name

log = logging.getLogger(__name__)

HandlerResult = list[Reply] | Reply | None
Handler = Callable[[Incoming, "Context"], Awaitable[HandlerResult]]
# A button that runs a command: "cmd:dangky" is /dangky (menus offer commands as buttons).
# Answers a person who lacks the role a route needs; gets that role's name.
Refusal = Callable[[Incoming, "Context", str], Awaitable[HandlerResult]]


@dataclass
class Services:
    """What handlers may use; built once by the app, shared by every Context."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    states: StateStorage
    # The running channels by name: roles read a group's admin list through them.
    channels: Mapping[str, object] = field(default_factory=dict)
    # (channel, group chat) → (valid until, monotonic clock; its admins' user ids)
    group_admin_cache: dict[tuple[str, str], tuple[float, set[str]]] = field(default_factory=dict)
    # The FAQ buttons' signing secret, read once per process (bot/faq/signing.py).
    faq_button_secret: bytes | None = None


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
    # Set for a step of a flow: refusing its role ends the dialogue.
    flow: Flow | None = None


def command_button(command: str) -> str:
    return CommandButton(command).pack()


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
        self.events: dict[str, Route] = {}
        self.flows: list[Flow] = []
        self.words: dict[str, str] = {}
        self.phrases: dict[str, Route] = {}
        self.fallback: Route | None = None

    def _kinds(self, chats: Iterable[ChatKind] | None) -> frozenset[ChatKind]:
        return self.chats if chats is None else frozenset(chats)

    def command(
        self,
        *names: str,
        chats: Iterable[ChatKind] | None = None,
        role: str | None = None,
        words: Iterable[str] = (),
    ) -> Callable[[Handler], Handler]:
        """`words`: typed alone ("đăng ký khám"), they are the first of `names`."""

        def register(handler: Handler) -> Handler:
            for name in names:
                self.commands.setdefault(name, []).append(Route(handler, self._kinds(chats), role))
            for word in words:
                self.words[folded_answer(word)] = names[0]
            return handler

        return register

    def flow(self, flow: Flow) -> Flow:
        self.flows.append(flow)
        return flow

    def button_access(self) -> dict[str, tuple[str | None, frozenset[ChatKind]]]:
        """Every button (or prefix) this router answers, its flows' included: the role it
        needs and the chat kinds it answers in."""
        access = {data: (route.role, route.chat_kinds) for data, route in self.buttons.items()}
        for flow in self.flows:
            access |= {data: (flow.role, flow.chats) for data in flow.button_data()}
        return access

    def phrase(
        self, *phrases: str, chats: Iterable[ChatKind] | None = None
    ) -> Callable[[Handler], Handler]:
        """Free text that is one of `phrases` (folded, politeness at its end ignored)."""

        def register(handler: Handler) -> Handler:
            for phrase in phrases:
                self.phrases[folded_answer(phrase)] = Route(handler, self._kinds(chats))
            return handler

        return register

    def button(
        self, prefix: str, *, chats: Iterable[ChatKind] | None = None, role: str | None = None
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.buttons[prefix] = Route(handler, self._kinds(chats), role)
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
# The locale to answer in, from the language the chat chose (None if it never did).
LocaleLookup = Callable[[Incoming, str | None], str | None]


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
        self._words = _merge_words(router.words for router in self.routers)
        self._phrases = _merge(router.phrases for router in self.routers)
        self._events = _merge(router.events for router in self.routers)
        self._flows = [flow for router in self.routers for flow in router.flows]
        self._flow_of_step = {name: flow for flow in self._flows for name in flow.step_names()}
        buttons = _merge(router.buttons for router in self.routers)
        self._buttons = sorted(buttons.items(), key=lambda item: -len(item[0]))
        self._fallback = next((r.fallback for r in self.routers if r.fallback), None)

    async def dispatch(self, incoming: Incoming) -> list[Reply]:
        key = StateKey(incoming.channel, incoming.chat_id, incoming.user_id)
        chosen, state = await self.services.states.get_with_language(key)
        locale = self._locale_of(incoming, chosen) or incoming.locale or "vi"
        ctx = Context(self.services, incoming, locale)
        try:
            if not incoming.event:
                ctx.state = state
            incoming = self._as_command(incoming, ctx)
            ctx.incoming = incoming
            return _as_list(await self._run(await self._route(incoming, ctx), incoming, ctx))
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
        state = ctx.state
        if incoming.button is not None:
            owner = next((flow for flow in self._flows if flow.owns(incoming.button)), None)
            if owner is not None:
                route = Route(partial(self._flow_button, owner), owner.chats, owner.role, owner)
                return _for_chat(route, incoming) or _unknown(self._not_understood, incoming)
            for prefix, route in self._buttons:
                if incoming.button.startswith(prefix):
                    return _for_chat(route, incoming) or _unknown(self._not_understood, incoming)
            return _unknown(self._not_understood, incoming)
        flow = self._flow_of_step.get(state.step) if state else None
        # In a group an admin half-way through /chude still talks with the others freely.
        if incoming.chat_kind is ChatKind.GROUP and not incoming.addressed:
            flow = None
        if flow is not None:
            route = Route(partial(self._flow_text, flow), flow.chats, flow.role, flow)
            if _for_chat(route, incoming):
                return route
        if not incoming.text:
            return _unknown(self._not_understood, incoming)
        if incoming.chat_kind is ChatKind.GROUP and not incoming.addressed:
            return None
        phrase = _for_chat(self._phrases.get(folded_answer(incoming.text)), incoming)
        return (
            phrase
            or _for_chat(self._fallback, incoming)
            or _unknown(self._not_understood, incoming)
        )

    def _as_command(self, incoming: Incoming, ctx: Context) -> Incoming:
        """A `cmd:` button, or a command's words typed outside a dialogue, as the command."""
        button = CommandButton.parse(incoming.button)
        if button is not None:
            return replace(incoming, button=None, text="/" + button.command)
        in_flow = ctx.state is not None and ctx.state.step in self._flow_of_step
        if incoming.text and not incoming.command and not in_flow:
            return self._typed_command(incoming) or incoming
        return incoming

    def _typed_command(self, incoming: Incoming) -> Incoming | None:
        if incoming.chat_kind is ChatKind.GROUP and not incoming.addressed:
            return None
        command = self._words.get(folded_answer(incoming.text or ""))
        return replace(incoming, text=f"/{command}") if command else None

    async def _flow_button(self, flow: Flow, incoming: Incoming, ctx: Context) -> HandlerResult:
        """A button of `flow`: its handler at the current step; an old one re-asks it."""
        step = flow.step_in(ctx)
        data = incoming.button or ""
        if step is None:
            return await self._not_understood(incoming, ctx)
        if data == flow.back_data:
            return await flow.go_back(ctx, step)
        on = flow.button_at(step, data)
        if on is None:
            return await flow.go_to(ctx, step, ctx._("Bà con trả lời giúp câu hỏi này trước ạ."))
        return await on.handler(incoming, ctx)

    async def _flow_text(self, flow: Flow, incoming: Incoming, ctx: Context) -> HandlerResult:
        """Typed text at a step: one of its buttons if it means one, else its typed handler."""
        step = flow.step_in(ctx)
        assert step is not None
        spec = flow.steps[step]
        question = await spec.ask(ctx)
        several = read_several(incoming.text or "", step, flow, question.buttons)
        if several:
            *first, last = several
            for button in first:
                await self._again(pressed(incoming, button.data), ctx)
            return await self._again(pressed(incoming, last.data), ctx)
        meant = read_answer(incoming.text, spec, flow, question.buttons) if incoming.text else []
        if len(meant) == 1:
            return await self._again(pressed(incoming, meant[0].data), ctx)
        if meant:
            return Reply(which_of(ctx, meant), meant)
        if spec.typed is not None:
            return await spec.typed.handler(incoming, ctx)
        command = self._typed_command(incoming)
        if spec.lets_go or command is not None:
            await ctx.end_dialogue()
            return await self._again(command or incoming, ctx)
        return Reply(not_a_button(ctx, question.buttons), question.buttons)

    async def _again(self, incoming: Incoming, ctx: Context) -> HandlerResult:
        """Route `incoming` (a typed answer read as a button or a command) from the top."""
        ctx.incoming = incoming
        return await self._run(await self._route(incoming, ctx), incoming, ctx)

    async def _run(self, route: Route | None, incoming: Incoming, ctx: Context) -> HandlerResult:
        """The route's handler, if the person has the role it needs (checked at every step
        of a flow: a role removed mid-dialogue ends it)."""
        if route is None:
            return None
        if route.role and not await self._has_role(incoming, ctx, route.role):
            log.warning(
                "refused %s for a non-%s on %s", incoming.command, route.role, incoming.channel
            )
            if route.flow is not None:
                await ctx.end_dialogue()
            return await self._not_allowed(incoming, ctx, route.role)
        return await route.handler(incoming, ctx)


def _merge(tables: Iterable[dict[str, Route]]) -> dict[str, Route]:
    merged: dict[str, Route] = {}
    for table in tables:
        for key, route in table.items():
            if key in merged:
                raise ValueError(f"two handlers registered for {key!r}")
            merged[key] = route
    return merged


def _merge_words(tables: Iterable[dict[str, str]]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for table in tables:
        for word, command in table.items():
            if merged.get(word, command) != command:
                raise ValueError(f"{word!r} names two commands")
            merged[word] = command
    return merged


def which_of(ctx: Context, buttons: list[Button]) -> str:
    joiner = " " + ctx._("hay") + " "
    choices = joiner.join(f"“{button.text}”" for button in buttons)
    return ctx._("Bà con muốn chọn {choices}?").format(choices=choices)


def not_a_button(ctx: Context, buttons: list[Button]) -> str:
    """A short re-ask: the question's long text is not repeated."""
    numbered = "\n".join(f"{n}. {button.text}" for n, button in enumerate(buttons, start=1))
    return ctx._("Mình chưa hiểu câu trả lời. Bà con bấm một nút, hoặc gõ số thứ tự:") + (
        "\n" + numbered if numbered else ""
    )


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
