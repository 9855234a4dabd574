"""Background jobs: the observance sends and other features' periodic hooks.

`plan(start, end)` is the pure part (bot/scheduling/plan.py): the calendar turned into
dated sends. `Scheduler` only wires it to APScheduler's AsyncIOScheduler in TIMEZONE:

- at the send hour (SEND_HOUR, moved out of the quiet hours), today's sends are queued;
- at start-up, and then every `interval` (10 minutes), today's sends are queued again
  and the periodic hooks run. The database decides what is new (one broadcast per key), so
  the repeats cost a lookup and send nothing twice; they are what makes a missed send
  hour go out when the bot comes back the same day, and what covers a timer that fires
  a hair early. A day missed entirely is never sent the next day (`PlannedSend.due`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import Settings
from bot.db import Database
from bot.scheduling.plan import PlannedSend, Timing
from bot.scheduling.plan import plan as plan_sends
from bot.scheduling.run import PeriodicHook, Queued, run_due, run_hooks

__all__ = ["PlannedSend", "Scheduler", "plan"]

log = logging.getLogger(__name__)

HOOK_INTERVAL = timedelta(minutes=10)
Clock = Callable[[], datetime]


def plan(start: date, end: date) -> list[PlannedSend]:
    """Every observance send dated in [start, end], at the default hours. Pure."""
    return plan_sends(start, end)


class Scheduler:
    """The app component that runs the jobs; `start()` and `stop()` with the app."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        hooks: Sequence[PeriodicHook] = (),
        *,
        interval: timedelta = HOOK_INTERVAL,
        clock: Clock | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.hooks = list(hooks)
        self.interval = interval
        self.timing = Timing.of(settings)
        self._clock = clock or (lambda: datetime.now(self.timing.tz))
        self._jobs = AsyncIOScheduler(timezone=self.timing.tz)

    async def start(self) -> None:
        send_hour = self.timing.send_time(self._clock().date()).hour
        # A late or coalesced run is still wanted: run_due itself knows what is too late.
        options = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
        self._jobs.add_job(
            self.send_due, CronTrigger(hour=send_hour, timezone=self.timing.tz), **options
        )
        self._jobs.add_job(
            self.tick,
            IntervalTrigger(seconds=self.interval.total_seconds(), timezone=self.timing.tz),
            next_run_time=datetime.now(self.timing.tz),
            **options,
        )
        self._jobs.start()
        log.info(
            "scheduler: observance sends at %02d:00 %s, periodic jobs every %s",
            send_hour,
            self.timing.timezone,
            self.interval,
        )

    async def stop(self) -> None:
        if self._jobs.running:
            # Cancels a run in progress; its transaction rolls back and the next start redoes it.
            self._jobs.shutdown(wait=False)
            # AsyncIOScheduler shuts down on the loop's next turn: let it, before the loop ends.
            await asyncio.sleep(0)

    async def tick(self) -> None:
        """The periodic run: any send still due today, then other features' hooks."""
        await self.send_due()
        await run_hooks(self._clock(), self.database, self.hooks)

    async def send_due(self) -> list[Queued]:
        """Queue today's sends whose time has come; errors are logged, never raised."""
        try:
            return await run_due(self._clock(), self.database, self.settings)
        except Exception:
            log.exception("scheduler: queuing today's observance messages failed")
            return []
