"""OutboxRunner: claim due rows, pace them, send through the adapters, record results.

Per channel one lane: a claim task keeps a quarter second of rows in memory (most
urgent first), a send loop spends the pacer's tokens, and each send runs as its own
task so a slow platform answer never stalls the rate. Results reach the table in
batches every `flush_interval`; a heartbeat keeps the leases of the rows a lane holds,
so only a crash lets one run out: those rows are then sent again and counted as in
doubt, as are sends that got no answer. A 429 pauses one chat, or the whole lane when
several chats are refused at once; while the lane is paused it claims nothing. Senders
sharing a database announce themselves and each paces at its share of the limit. In
the quiet hours (QUIET_START–QUIET_END) only urgent rows go out; routine ones wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.channels.base import (
    Channel,
    Dispatch,
    FailureKind,
    SendError,
    Sent,
    maybe_delivered,
)
from bot.config import Settings
from bot.core import Reply
from bot.db import Database
from bot.models.types import utcnow
from bot.outbox.broadcasts import (
    EMPTY_TEXT_REASON,
    MIGRATED_ONTO_SUBSCRIBED_REASON,
    ROUTINE_PRIORITY,
    URGENT_PRIORITY,
)
from bot.outbox.pacing import Limits, Pacer, Stamp, limits_for
from bot.outbox.replies import Answers
from bot.outbox.split import reply_parts
from bot.outbox.store import EXPIRED_REASON, Job, OutboxStore, stored_buttons
from bot.scheduling.plan import Timing

log = logging.getLogger(__name__)

# Seconds before a loop stopped by a bug runs again (no tight loop of tracebacks).
RESTART_DELAY = 1.0


@dataclass(frozen=True)
class Tuning:
    lease_seconds: float = 60.0
    max_attempts: int = 5
    backoff_base: float = 2.0
    backoff_cap: float = 600.0
    flush_interval: float = 0.1
    idle_poll: float = 1.0
    lease_check_interval: float = 10.0
    # A chat that may not be sent to for longer than this goes back to the table.
    hold_limit: float = 2.0
    max_in_flight: int = 256
    # Seconds of sending each claim fetches.
    claim_seconds: float = 0.25
    # How often a sender tells the others it is alive (they share the platform's limit).
    presence_interval: float = 2.0

    @property
    def heartbeat_interval(self) -> float:
        # Well inside the lease: a row this sender holds never outlives its lease.
        return self.lease_seconds / 3


@dataclass
class RunnerStats:
    sent: int = 0
    throttled: int = 0
    blocked: int = 0
    failed: int = 0
    retried: int = 0
    migrated: int = 0
    leases_expired: int = 0
    expired: int = 0


def retry_delay(attempts: int, tuning: Tuning) -> float:
    """Seconds before a transient failure's next attempt: doubling, jittered, capped."""
    base = tuning.backoff_base * 2 ** (attempts - 1)
    # Jitter keeps many failed rows from retrying in lockstep; the cap comes last, so it
    # is the longest wait there is.
    return min(tuning.backoff_cap, base * random.uniform(0.5, 1.5))


class Recorder:
    """Batches result writes: one transaction per `interval`, not one per message."""

    def __init__(self, store: OutboxStore) -> None:
        self.store = store
        self._results: dict[int, dict[str, Any]] = {}
        self._deactivate: set[int] = set()

    def save(self, job: Job) -> None:
        self._results[job.id] = job.values()

    def deactivate(self, subscriber_id: int) -> None:
        self._deactivate.add(subscriber_id)

    @property
    def backlog(self) -> int:
        return len(self._results)

    async def flush(self) -> None:
        if not self._results and not self._deactivate:
            return
        results, self._results = self._results, {}
        deactivate, self._deactivate = self._deactivate, set()
        try:
            await self.store.write(list(results.values()), deactivate)
        except BaseException as error:
            # Kept for the next flush (writes are absolute values: repeating one is
            # harmless), also when stop() cancels this one mid-write.
            results.update(self._results)
            self._results = results
            self._deactivate |= deactivate
            if not isinstance(error, Exception):
                raise
            log.exception("outbox: could not record %d results, will retry", len(results))


class Lane:
    """Everything one channel is sending."""

    def __init__(
        self,
        channel: Channel,
        limits: Limits,
        store: OutboxStore,
        recorder: Recorder,
        tuning: Tuning,
        stats: RunnerStats,
        quiet_now: Callable[[], bool],
    ) -> None:
        self.channel = channel
        self.quiet_now = quiet_now
        self.pacer = Pacer(limits)
        self.store = store
        self.recorder = recorder
        self.tuning = tuning
        self.stats = stats
        self.batch = max(10, min(2000, int(limits.per_second * tuning.claim_seconds)))
        # Heap entries end in a sequence number, so two entries never compare their jobs.
        self._order = itertools.count()
        self._ready: list[tuple[int, datetime, int, int, Job]] = []
        self._waiting: list[tuple[float, int, Job]] = []
        self._sending: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(tuning.max_in_flight)
        self._wake = asyncio.Event()
        self._claim_now = asyncio.Event()
        self.answers = Answers(self)
        self._contents: dict[int, tuple[str, str | None]] = {}
        # Every row in this lane's hands, wherever it is: never held twice, leases kept.
        self._held: set[int] = set()
        # Rows claimed but not yet in the queues above (contents still loading).
        self._claimed: list[Job] = []

    @property
    def held(self) -> int:
        return len(self._held)

    def held_ids(self) -> list[int]:
        return list(self._held)

    async def claim_loop(self) -> None:
        while True:
            if self.held >= self.batch:
                await asyncio.sleep(0.05)
                continue
            paused = self.pacer.paused_for()
            if paused > self.tuning.hold_limit:
                # The platform asked the whole bot to wait: rows taken now would only sit.
                await asyncio.sleep(paused - self.tuning.hold_limit)
                continue
            await self._claim()
            await self._load_contents(self._claimed)
            jobs, self._claimed = self._claimed, []
            for job in jobs:
                self._held.add(job.id)
                self._push(job)
            if jobs:
                self._wake.set()
            else:
                self._claim_now.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._claim_now.wait(), self.tuning.idle_poll)

    def nudge(self) -> None:
        """Rows were just queued for this lane (an answer that must wait): claim now."""
        self._claim_now.set()

    async def _claim(self) -> None:
        # In the quiet hours only urgent rows are taken; routine ones wait in the table.
        floor = URGENT_PRIORITY if self.quiet_now() else ROUTINE_PRIORITY
        claim = asyncio.ensure_future(
            self.store.claim(
                self.channel.name, self.batch, self.tuning.lease_seconds, min_priority=floor
            )
        )
        try:
            jobs = await asyncio.shield(claim)
        except asyncio.CancelledError:
            # Stopped mid-claim: keep what it took, so drain() hands it back at once
            # instead of leaving it leased (and counted in doubt) until the lease ends.
            self._keep_claimed(await claim)
            raise
        self._keep_claimed(jobs)

    def _keep_claimed(self, jobs: list[Job]) -> None:
        self._claimed = [job for job in jobs if job.id not in self._held]

    async def send_loop(self) -> None:
        while True:
            now = time.monotonic()
            while self._waiting and self._waiting[0][0] <= now:
                self._push(heapq.heappop(self._waiting)[-1])
            if not self._ready:
                timeout = self._waiting[0][0] - now if self._waiting else 0.5
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
                continue
            delay = self.pacer.ready_in()
            if delay > 0:
                await asyncio.sleep(delay)
                continue
            job = heapq.heappop(self._ready)[-1]
            wait = self.pacer.chat_ready_in(job.chat_id)
            if job.not_after is not None and job.not_after <= utcnow():
                self.stats.expired += 1
                self._finish(job, "expired", EXPIRED_REASON)
            elif job.priority < URGENT_PRIORITY and self.quiet_now():
                self._release(job, 0)  # taken before the quiet hours began
            elif wait > self.tuning.hold_limit:
                self._release(job, wait)
            elif wait > 0:
                heapq.heappush(self._waiting, (now + wait, next(self._order), job))
            elif self._slots.locked():
                # Back in the queue before waiting: a stop() during the wait must find it.
                self._push(job)
                async with self._slots:
                    pass
            else:
                await self._slots.acquire()  # free: returns at once, no suspension
                stamp = self.pacer.take(job.chat_id, job.kind)
                task = asyncio.create_task(self._send(job, stamp))
                self._sending.add(task)
                task.add_done_callback(self._sending.discard)

    def housekeeping(self) -> None:
        self.pacer.forget_idle_chats()
        self.answers.forget_idle_chats()
        if len(self._contents) > 1000:
            self._contents.clear()

    async def drain(self, timeout: float) -> None:
        """Let sends in flight finish, then hand every unsent row back to the table."""
        if self._sending:
            await asyncio.wait(set(self._sending), timeout=timeout)
        for job in self._claimed:
            self._release(job, 0)
        self._claimed = []
        self._release_all(0)

    def _push(self, job: Job) -> None:
        heapq.heappush(self._ready, (-job.priority, job.not_before, job.id, next(self._order), job))

    def _release(self, job: Job, after: float) -> None:
        job.status = "pending"
        job.not_before = utcnow() + timedelta(seconds=after)
        self._held.discard(job.id)
        self.recorder.save(job)

    async def _load_contents(self, jobs: list[Job]) -> None:
        missing = {job.broadcast_id for job in jobs} - self._contents.keys()
        if missing:
            self._contents.update(await self.store.broadcast_contents(missing))

    def _parts(self, job: Job) -> tuple[Reply, ...]:
        text, photo = self._contents.get(job.broadcast_id, ("", None))
        reply = Reply(
            job.text if job.text is not None else text, stored_buttons(job.buttons), photo
        )
        return reply_parts(reply, self.channel.max_text_length, self.channel.max_caption_length)

    async def _send(self, job: Job, stamp: Stamp) -> None:
        try:
            parts = self._parts(job)
            if job.parts_sent >= len(parts):
                self._finish(job, "failed", EMPTY_TEXT_REASON)
                return
            try:
                sent = await self.channel.send(job.chat_id, parts[job.parts_sent])
            finally:
                self.pacer.answered(stamp)
        except SendError as error:
            await self._on_error(job, error)
        except Exception as error:  # an adapter bug must not lose the row
            log.exception("outbox: unexpected error sending row %d", job.id)
            await self._on_error(job, SendError(FailureKind.TRANSIENT, repr(error)))
        else:
            self._on_sent(job, sent, len(parts))
            if job.status == "sent" and job.kind == "group" and job.priority >= URGENT_PRIORITY:
                await self._pin(job)
        finally:
            self._slots.release()

    async def _pin(self, job: Job) -> None:
        """Urgent alerts stay on top of a group's chat, where the bot may pin."""
        pin = getattr(self.channel, "pin", None)
        if pin is None or job.platform_message_id is None:
            return
        try:
            await pin(job.chat_id, job.platform_message_id)
        except Exception as error:  # no pin right in that group: the alert is sent all the same
            log.info("outbox: could not pin urgent row %d: %s", job.id, error)

    def _on_sent(self, job: Job, sent: Sent, parts: int) -> None:
        job.parts_sent += 1
        if job.platform_message_id is None:
            job.platform_message_id = sent.message_id
        if job.parts_sent < parts:
            # The next part waits for this chat's spacing, in order.
            self.recorder.save(job)
            ready_at = time.monotonic() + self.pacer.chat_ready_in(job.chat_id)
            heapq.heappush(self._waiting, (ready_at, next(self._order), job))
            return
        job.sent_at = utcnow()
        self.stats.sent += 1
        self._finish(job, "sent", None)

    def _finish(self, job: Job, status: str, reason: str | None) -> None:
        job.status = status
        job.last_error = reason
        self._held.discard(job.id)
        self.recorder.save(job)

    async def _on_error(self, job: Job, error: SendError) -> None:
        kind = error.kind
        if maybe_delivered(error):
            job.in_doubt += 1  # a resend may make it arrive twice
        if kind is FailureKind.THROTTLED and error.bounded:
            job.attempts += 1
        if kind is FailureKind.THROTTLED and job.attempts >= self.tuning.max_attempts:
            self.stats.failed += 1
            self._finish(job, "failed", f"{kind}: {error.reason}")
        elif kind is FailureKind.THROTTLED:
            self.stats.throttled += 1
            seconds = error.retry_after if error.retry_after is not None else 1.0
            self._push(job)
            if self.pacer.throttled(job.chat_id, seconds, whole_bot=error.whole_bot):
                log.warning("outbox: %s asks to pause %.1fs", self.channel.name, seconds)
                if seconds > self.tuning.hold_limit:
                    self._release_all(seconds)
        elif kind is FailureKind.BLOCKED:
            self.stats.blocked += 1
            self.recorder.deactivate(job.subscriber_id)
            self._finish(job, "blocked", error.reason)
        elif kind is FailureKind.MIGRATED and error.new_chat_id and job.migrations < 3:
            self.stats.migrated += 1
            job.migrations += 1
            if await self.store.migrate(job, error.new_chat_id, self.channel.name):
                job.chat_id = error.new_chat_id
                self._push(job)
            else:
                self._finish(job, "failed", MIGRATED_ONTO_SUBSCRIBED_REASON)
        elif kind is FailureKind.OUTSIDE_WINDOW:
            self._finish(job, "outside_window", error.reason)
        elif kind is FailureKind.TRANSIENT and job.attempts + 1 < self.tuning.max_attempts:
            job.attempts += 1
            self.stats.retried += 1
            job.last_error = error.reason
            self._release(job, retry_delay(job.attempts, self.tuning))
        else:
            if kind is FailureKind.TRANSIENT:
                job.attempts += 1
            self.stats.failed += 1
            self._finish(job, "failed", f"{kind}: {error.reason}")
        self._wake.set()

    def _release_all(self, after: float) -> None:
        """Give every queued row back to the table, to be taken again `after` seconds on
        (a long pause, a stop); sends in flight finish on their own."""
        for *_, job in self._ready:
            self._release(job, after)
        for *_, job in self._waiting:
            self._release(job, after)
        self._ready.clear()
        self._waiting.clear()


class OutboxRunner:
    """Sends every due outbox row through its channel; `start()` and `stop()` with the app."""

    def __init__(
        self,
        database: Database,
        channels: dict[str, Channel],
        settings: Settings,
        *,
        tuning: Tuning | None = None,
        limits: dict[str, Limits] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.tuning = tuning or Tuning()
        timing = Timing.of(settings)
        self.store = OutboxStore(database)
        self.recorder = Recorder(self.store)
        self.stats = RunnerStats()
        limits = limits or {}
        self.lanes = [
            Lane(
                channel,
                limits.get(name) or limits_for(name, settings),
                self.store,
                self.recorder,
                self.tuning,
                self.stats,
                lambda: timing.is_quiet(clock()),
            )
            for name, channel in channels.items()
        ]
        self._tasks: list[asyncio.Task[None]] = []
        # Several instances may share one outbox (PostgreSQL): each knows the others.
        self.instance = uuid.uuid4().hex
        self.senders = 1
        self._joined = False

    async def join(self) -> None:
        """Announce this sender and learn its share, before anything leaves through it, and
        keep announcing it until `stop()` (the app joins before it takes traffic; `start()`
        joins if it has not)."""
        if self._joined:
            return
        await self._check_leases()
        # Counted twice: two senders announcing at the same moment may each count before
        # the other's presence is committed; the second count, after ours is, sees it.
        await self._share_the_rate()
        if await self._share_the_rate() > 1:
            # The others slow down to their new share at their next announcement:
            # sending before then would exceed the platform's limit together.
            await asyncio.sleep(self.tuning.presence_interval * 1.25)
            # Others that joined while this one waited: its first sends must know them.
            await self._share_the_rate()
        self._joined = True
        # From now on, not from start(): whatever the app starts between the two (channels
        # that call their platform, the scheduler) may take longer than our presence lives.
        self._every(self.tuning.presence_interval, self._share_the_rate, "outbox-presence")

    async def start(self) -> None:
        await self.join()
        for lane in self.lanes:
            self._spawn(lane.claim_loop, f"outbox-claim-{lane.channel.name}")
            self._spawn(lane.send_loop, f"outbox-send-{lane.channel.name}")
        tuning = self.tuning
        self._every(tuning.flush_interval, self.recorder.flush, "outbox-flush")
        self._every(tuning.lease_check_interval, self._check_leases, "outbox-leases")
        self._every(tuning.heartbeat_interval, self._keep_leases, "outbox-heartbeat")

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming and sending, wait for sends in flight, record everything."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        for lane in self.lanes:
            await lane.answers.stop()
            await lane.drain(timeout)
        await self.recorder.flush()
        self._joined = False
        try:
            await self.store.withdraw(self.instance)
        except Exception:  # it goes stale on its own
            log.exception("outbox: could not withdraw this sender's presence")

    async def flush(self) -> None:
        await self.recorder.flush()

    def answering(self, channel: str, dispatch: Dispatch) -> Dispatch:
        """`dispatch` for a platform channel: its answers go through that channel's lane."""
        lane = next(lane for lane in self.lanes if lane.channel.name == channel)
        return lane.answers.answering(dispatch)

    def _spawn(self, loop: Callable[[], Coroutine[Any, Any, None]], name: str) -> None:
        task = asyncio.create_task(self._guard(loop, name), name=name)
        self._tasks.append(task)

    async def _guard(self, loop: Callable[[], Coroutine[Any, Any, None]], name: str) -> None:
        """Run a loop for good: a bug that stops it is logged, and the loop starts again."""
        while True:
            try:
                await loop()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox: %s stopped by an error, restarting", name)
                await asyncio.sleep(RESTART_DELAY)

    def _every(self, seconds: float, work: Callable[[], Awaitable[Any]], name: str) -> None:
        async def loop() -> None:
            while True:
                await asyncio.sleep(seconds)
                await work()

        self._spawn(loop, name)

    async def _check_leases(self) -> None:
        self.stats.leases_expired += await self.store.expire_leases()
        self.stats.expired += await self.store.expire_overdue()
        for lane in self.lanes:
            lane.housekeeping()

    async def _keep_leases(self) -> None:
        held = [row_id for lane in self.lanes for row_id in lane.held_ids()]
        if held:
            await self.store.extend_leases(held, self.tuning.lease_seconds)

    async def _share_the_rate(self) -> int:
        stale_after = 3 * self.tuning.presence_interval
        self.senders = await self.store.announce(self.instance, stale_after)
        for lane in self.lanes:
            lane.pacer.share(self.senders)
        return self.senders


# The name the issue uses; one runner holds every channel's workers.
OutboxWorker = OutboxRunner
