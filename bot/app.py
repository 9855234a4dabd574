"""Assemble the bot: database, dispatcher, channels, web server, background components.

platform update → adapter → Incoming → Inbound (once, one chat at a time) → Dispatcher
    → handler → [Reply] → pacer → adapter.send
scheduler / staff → Broadcast → outbox rows → OutboxRunner → adapter.send
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from functools import partial
from typing import Protocol

from aiohttp import web

from bot.channels.base import Channel
from bot.channels.web import WebChannel
from bot.config import ConfigError, Settings
from bot.db import UNREACHABLE, Database, unreachable_reason
from bot.faq import get_guesser
from bot.i18n import LOCALES, translations
from bot.inbound import Inbound, forget_old_updates
from bot.outbox.worker import OutboxRunner
from bot.privacy import forget_abandoned_dialogues, forget_old_chat_history
from bot.roles import has_role
from bot.routing import Dispatcher, Router, Services
from bot.scheduling.run import PeriodicHook
from bot.screening.reminders import queue_due_reminders, remind_staff_of_monthly_report
from bot.screening.waitlist import invite_waitlisted
from bot.state import SqlStateStorage
from bot.waiting import tell_staff_what_is_waiting
from bot.web.dashboard.app import dashboard_app
from bot.web.health import health_routes
from bot.web.public import public_routes
from bot.web.site import secure_site
from handlers import ROUTERS
from handlers.common import failed, locale_of, not_allowed, not_understood
from scheduler import Scheduler

log = logging.getLogger(__name__)
# Container objects allocated (net) between two young-generation collections. Python's 700
# ran one every dozen answers in bench inbound (3 % of the bot's CPU, pauses in the tail);
# at 10,000 they run a few times a minute under load, and cycles are still collected.
GC_YOUNG_THRESHOLD = 10_000


class Component(Protocol):
    """A background part (outbox workers, scheduler) started and stopped with the app."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def build_channels(settings: Settings, database: Database) -> dict[str, Channel]:
    # Platform adapters are imported only when configured: the default start stays light.
    web_chat = WebChannel(
        database.sessions,
        secure_cookies=settings.cookies_secure,
        api_token=settings.web_api_token,
        new_chats_per_hour=settings.web_new_chats_per_hour,
    )
    channels: dict[str, Channel] = {"web": web_chat}
    if settings.telegram_bot_token:
        from bot.channels.telegram import TelegramChannel

        channels["telegram"] = TelegramChannel(settings)
    if settings.zalo_bot_token:
        from bot.channels.zalo_bot import ZaloBotChannel

        channels["zalo_bot"] = ZaloBotChannel.from_settings(settings, database.sessions)
    if settings.zalo_oa_app_id:
        from bot.channels import zalo_oa

        if zalo_oa.enabled(settings):
            channels["zalo_oa"] = zalo_oa.ZaloOAChannel.from_settings(settings, database.sessions)
    return channels


def build_dispatcher(services: Services, routers: list[Router] | None = None) -> Dispatcher:
    return Dispatcher(
        services,
        ROUTERS if routers is None else routers,
        has_role=has_role,
        locale_of=locale_of,
        not_understood=not_understood,
        not_allowed=not_allowed,
        failed=failed,
    )


def periodic_hooks(settings: Settings) -> list[PeriodicHook]:
    """Other features' jobs the scheduler runs every few minutes."""
    hooks: list[PeriodicHook] = [
        partial(queue_due_reminders, tz=settings.tz),
        partial(invite_waitlisted, tz=settings.tz),
        partial(remind_staff_of_monthly_report, tz=settings.tz, settings=settings),
        partial(tell_staff_what_is_waiting, tz=settings.tz, settings=settings),
        forget_abandoned_dialogues,
        forget_old_chat_history,
        forget_old_updates,
    ]
    if settings.zalo_oa_app_id:
        from bot.channels.zalo_oa.window import forget_closed_windows

        hooks.append(forget_closed_windows)
    return hooks


def build_what_answers_keep() -> None:
    """What answering builds once and keeps, built before the first chat: the FAQ's
    indexes and language guesser (~0.3 s: the first question held the event loop that
    long, every chat waiting) and the interface translations."""
    get_guesser()
    for locale in LOCALES:
        translations(locale)


class LoaPhuong:
    """The whole running bot; `start()` then `stop()`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.database = Database(settings.database_url)
        self.services = Services(
            settings, self.database.sessions, SqlStateStorage(self.database.sessions)
        )
        self.dispatcher = build_dispatcher(self.services)
        self.channels = build_channels(settings, self.database)
        self.services.channels = self.channels
        self.outbox = OutboxRunner(self.database, self.channels, settings)
        self.components: list[Component] = [
            Scheduler(self.database, settings, periodic_hooks(settings)),
            self.outbox,
        ]
        self.web_app = web.Application(client_max_size=1024**2)
        secure_site(self.web_app)
        for channel in self.channels.values():
            self.web_app.add_routes(channel.web_routes())
        self._runner: web.AppRunner | None = None
        # What start() got to, so a start that fails half way stops only that.
        self._started_channels: list[Channel] = []
        self._started_components: list[Component] = []

    async def start(self) -> None:
        """Start everything; a failure the operator can fix is a ConfigError naming the variable."""
        await self._open_database()
        self.web_app.add_routes(public_routes(self.database.sessions))
        self.web_app.add_routes(health_routes(self.database.sessions))
        self.web_app.add_subapp("/admin", await dashboard_app(self.services))
        # Before any traffic arrives (the web server is not yet listening, so /healthz
        # is not yet 200): an answer sent now must already pace at this instance's share.
        await self.outbox.join()
        self._started_components.append(self.outbox)  # it announces itself until stopped
        for name, channel in self.channels.items():
            self._started_channels.append(channel)
            dispatch = self.dispatcher.dispatch
            if not getattr(channel, "answers_in_response", False):
                # Answers pass the same pacer as everything else that leaves the bot.
                dispatch = self.outbox.answering(name, dispatch)
            # Inside the chat's turn, so one chat's answers also leave in arrival order.
            await channel.start(Inbound(dispatch, self.database.sessions).dispatch)
        build_what_answers_keep()
        # aiohttp (>= 3.14.5) arms its keep-alive timer when a connection opens and after each
        # response, and closes the connection if no complete request head has arrived by
        # then (bytes trickling in do not extend it): one knob bounds both a slow or
        # half-sent head and an idle connection.
        self._runner = web.AppRunner(
            self.web_app, access_log=None, keepalive_timeout=self.settings.web_idle_timeout
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.web_host, self.settings.web_port)
        try:
            await site.start()
        except OSError as exc:
            where = f"{self.settings.web_host}:{self.settings.web_port}"
            raise ConfigError(
                f"cấu hình sai: WEB_HOST/WEB_PORT: không mở được cổng web {where} ({exc.strerror})"
            ) from None
        for component in self.components:
            if component not in self._started_components:
                self._started_components.append(component)
            await component.start()
        log.info(
            "Loa phường đang chạy: web chat http://%s:%s/ — kênh: %s",
            self.settings.web_host,
            self.settings.web_port,
            ", ".join(self.channels),
        )

    async def _open_database(self) -> None:
        # Connecting first tells "cannot reach the database" apart from a failing migration.
        try:
            async with self.database.engine.connect():
                pass
        except UNREACHABLE as exc:
            raise ConfigError(
                "cấu hình sai: DATABASE_URL: không mở được cơ sở dữ liệu "
                f"({unreachable_reason(exc)})"
            ) from None
        await self.database.migrate()

    async def stop(self) -> None:
        for component in reversed(self._started_components):
            await component.stop()
        if self._runner:
            await self._runner.cleanup()
        for channel in reversed(self._started_channels):
            await channel.stop()
        await self.database.close()


async def serve(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM."""
    app = LoaPhuong(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await app.start()
        # What start loaded (modules, content, the FAQ index) lives as long as the process:
        # kept out of the collector's full passes, which stall the loop ~0.1 s at a time
        # and cost a 1,000/s broadcast 5 % of its rate (bench broadcast).
        gc.freeze()
        gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        await stop.wait()
        log.info("Loa phường đang dừng…")
    finally:
        await app.stop()
