"""Answers to someone who just wrote: the lane's pacer and retry rules, first in line.

A reply leaves at once when the pacer has room (or will within WAIT_HERE_S), with no
outbox round trip. When it has none, or the platform answers 429 or cannot be reached,
the rest of the answer becomes outbox rows of the highest priority, which the lanes send
before urgent alerts and bulk, honouring `retry_after`: delayed, never dropped. A chat
whose answer is waiting in the outbox gets its next answers queued behind it, so they
arrive in order.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from bot.channels.base import Dispatch, FailureKind, SendError
from bot.core import Incoming, Reply
from bot.outbox.split import reply_parts

if TYPE_CHECKING:
    from bot.outbox.worker import Lane

log = logging.getLogger(__name__)

# Failures after which the rest of an answer is worth sending later (the outbox's rules
# then apply: bounded attempts for transient ones, the new id for a migrated group).
RETRIED = {FailureKind.THROTTLED, FailureKind.TRANSIENT, FailureKind.MIGRATED}
# Seconds before an answer that failed transiently is tried again.
TRANSIENT_DELAY = 2.0
# An answer for a chat that is no subscriber cannot become a row: it waits in memory,
# tried this many times.
MEMORY_ATTEMPTS = 5
# A wait this short is waited here. A chat's spacing counts from the platform's answer to
# the last send, so a resident writing again while that send is in flight meets a wait of
# the spacing (milliseconds at a high limit); through the outbox, the answer and the chat's
# next ones queued behind it would wait for the lane's claim, ~2 s.
WAIT_HERE_S = 0.05


class Answers:
    """Sends one lane's answers; `answering(dispatch)` is what its adapter calls."""

    def __init__(self, lane: Lane) -> None:
        self.lane = lane
        # Chat → until when (monotonic) an earlier answer may still wait in the outbox.
        self._behind: dict[str, float] = {}
        self._waiting: set[asyncio.Task[None]] = set()
        self.sent_at_once = 0
        self.queued = 0

    def answering(self, dispatch: Dispatch) -> Dispatch:
        """`dispatch`, answering through this lane; the adapter gets nothing to show."""

        async def answer(incoming: Incoming) -> list[Reply]:
            await self.send(incoming.chat_id, incoming.chat_kind.value, await dispatch(incoming))
            return []

        return answer

    async def send(self, chat_id: str, kind: str, replies: list[Reply], attempt: int = 0) -> None:
        channel = self.lane.channel
        parts = [
            part
            for reply in replies
            for part in reply_parts(reply, channel.max_text_length, channel.max_caption_length)
        ]
        for index, part in enumerate(parts):
            wait = await self._short_wait_over(chat_id)
            if wait:
                await self._later(chat_id, kind, parts[index:], wait, attempt)
                return
            stamp = self.lane.pacer.take(chat_id, kind)
            try:
                await channel.send(chat_id, part)
            except SendError as error:
                failure = error
            except Exception as error:  # an adapter bug must not lose the answer
                log.exception("%s: unexpected error sending an answer", channel.name)
                failure = SendError(FailureKind.TRANSIENT, repr(error))
            else:
                failure = None
            finally:
                self.lane.pacer.answered(stamp)
            if failure is not None:
                after = self._after(chat_id, failure)
                if after is None:
                    log.warning("%s: an answer could not be delivered (%s)", channel.name, failure)
                    return
                await self._later(chat_id, kind, parts[index:], after, attempt)
                return
            self.sent_at_once += 1

    async def stop(self) -> None:
        for task in self._waiting:
            task.cancel()
        await asyncio.gather(*self._waiting, return_exceptions=True)

    async def _short_wait_over(self, chat_id: str) -> float:
        """The wait before this chat may be sent to, waited here while it stays within
        WAIT_HERE_S in all (then 0); else what is left of it, for the outbox."""
        deadline = time.monotonic() + WAIT_HERE_S
        wait = self._wait(chat_id)
        while 0 < wait <= deadline - time.monotonic():
            await asyncio.sleep(wait)
            wait = self._wait(chat_id)
        return wait

    def _wait(self, chat_id: str) -> float:
        """Seconds before this chat may be sent to (0: now)."""
        pacer = self.lane.pacer
        behind = self._behind.get(chat_id, 0.0) - time.monotonic()
        return max(pacer.ready_in(), pacer.chat_ready_in(chat_id), behind)

    def _after(self, chat_id: str, error: SendError) -> float | None:
        """Seconds before the rest of the answer is tried again; None: never."""
        if error.kind not in RETRIED:
            return None
        if error.kind is FailureKind.THROTTLED:
            seconds = error.retry_after if error.retry_after is not None else 1.0
            self.lane.pacer.throttled(chat_id, seconds, whole_bot=error.whole_bot)
            return seconds
        return TRANSIENT_DELAY if error.kind is FailureKind.TRANSIENT else 0.0

    async def _later(
        self, chat_id: str, kind: str, parts: list[Reply], after: float, attempt: int
    ) -> None:
        self.queued += len(parts)
        # Later answers to this chat queue behind these rows until the lane could have sent them.
        self._behind[chat_id] = time.monotonic() + after + self.lane.tuning.hold_limit
        if await self.lane.store.queue_replies(self.lane.channel.name, chat_id, kind, parts, after):
            self.lane.nudge()
            return
        if attempt + 1 >= MEMORY_ATTEMPTS:
            log.warning(
                "%s: an answer to a chat with no subscription was given up",
                self.lane.channel.name,
            )
            return
        task = asyncio.create_task(self._retry(chat_id, kind, parts, after, attempt + 1))
        self._waiting.add(task)
        task.add_done_callback(self._waiting.discard)

    async def _retry(
        self, chat_id: str, kind: str, parts: list[Reply], after: float, attempt: int
    ) -> None:
        await asyncio.sleep(after)
        self._behind.pop(chat_id, None)
        await self.send(chat_id, kind, parts, attempt)

    def forget_idle_chats(self) -> None:
        now = time.monotonic()
        self._behind = {chat: until for chat, until in self._behind.items() if until > now}
