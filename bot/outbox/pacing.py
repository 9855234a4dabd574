"""Pacing: never send faster than the platform allows, so it never has to say 429.

One `Pacer` per channel: a token bucket for the whole bot (even spacing), a log of the
last second's sends (a platform counting a strict sliding window sees no second with
more than its limit, even at the edges where a bucket's burst meets a steady second), a
minimum spacing per chat (private chats and groups differ), and pauses when the platform
asks for one.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.config import Settings

# Spacing per chat counts, like the bot-wide window below, from the previous send's
# answer (a sure upper bound of its arrival), so no jitter on the way brings two
# arrivals closer than the platform allows; the margin is for the platform's clock.
CHAT_MARGIN = 1.1
# A 429 rarely says whom it is for. One chat throttled alone is that chat's limit (a
# group's 20/min); another chat throttled within this many seconds means the bot's.
THROTTLE_WINDOW = 1.0
# The bot-wide window is measured where we send, counted where the platform receives:
# two requests can arrive closer together than they left (the first held up on its way,
# or the server busy when it came). The platform stamped a request before it answered,
# so a send counts from its answer, a sure upper bound of its arrival; while none has
# come it counts from now (the answer can only come later), and one unanswered
# ANSWER_CAP after it left counts from then (it hangs: it must not hold up the rest).
# The price is the round trip, in rate: ~1 % on a local server, more on a slow link.
# The margin is for clock granularity.
WINDOW_MARGIN = 0.01
ANSWER_CAP = 1.0


@dataclass(frozen=True)
class Limits:
    per_second: float
    private_interval: float  # seconds between two messages to one private chat
    group_interval: float  # seconds between two messages to one group

    @property
    def burst(self) -> float:
        # A twentieth of a second's worth: enough to ride out event-loop hiccups,
        # far below the burst any limit-enforcing server tolerates.
        return max(1.0, self.per_second / 20)


def limits_for(channel: str, settings: Settings) -> Limits:
    private = 1 / settings.telegram_private_per_second
    group = 60 / settings.telegram_group_per_minute
    if channel == "telegram":
        return Limits(settings.telegram_rate_per_second, private, group)
    if channel.startswith("zalo"):
        return Limits(settings.zalo_rate_per_second, private, group)
    # The web chat writes to our own database: no platform to protect.
    return Limits(500.0, 0.0, 0.0)


class TokenBucket:
    def __init__(
        self, rate: float, capacity: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._tokens = capacity
        self._updated = clock()

    def _refill(self, now: float) -> None:
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def ready_in(self) -> float:
        """Seconds until a token is available (0 when one is)."""
        self._refill(self._clock())
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate

    def take(self) -> None:
        self._tokens -= 1

    def drain(self) -> None:
        """Forget saved-up tokens (after a pause the platform wants a slow restart)."""
        self._refill(self._clock())
        self._tokens = min(self._tokens, 0.0)


class Stamp:
    """When one send counts as made (see ANSWER_CAP)."""

    __slots__ = ("answered_at", "left")

    def __init__(self, left: float) -> None:
        self.left = left
        self.answered_at: float | None = None

    def counts_from(self, now: float) -> float:
        if self.answered_at is not None:
            return self.answered_at
        return min(now, self.left + ANSWER_CAP)

    def answered(self, at: float) -> None:
        self.answered_at = min(at, self.left + ANSWER_CAP)


class SendLog:
    """At most `limit` sends in any `seconds`: the stamps of the last `limit` sends."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.set_rate(rate)

    def set_rate(self, rate: float) -> None:
        # A whole number of sends per window; at a fraction of one a second (a small
        # share of the rate) the window grows to hold one.
        self.limit = max(1, math.floor(rate))
        self.seconds = self.limit / rate * (1 + WINDOW_MARGIN)
        self._stamps: deque[Stamp] = deque(getattr(self, "_stamps", ()), maxlen=self.limit)

    def ready_in(self) -> float:
        if len(self._stamps) < self.limit:
            return 0.0
        now = self._clock()
        return max(0.0, self._stamps[0].counts_from(now) + self.seconds - now)

    def take(self) -> Stamp:
        stamp = Stamp(self._clock())
        self._stamps.append(stamp)
        return stamp

    def answered(self, stamp: Stamp) -> None:
        stamp.answered(self._clock())


class Pacer:
    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self.bucket = TokenBucket(limits.per_second, limits.burst, clock)
        self.log = SendLog(limits.per_second, clock)
        self.paused_until = 0.0
        # Until when a chat the platform throttled must wait.
        self._chat_next: dict[str, float] = {}
        # The last send to each chat that needs spacing, and that spacing in seconds.
        self._chat_last: dict[str, tuple[Stamp, float]] = {}
        self._last_throttle: tuple[float, str] = (-THROTTLE_WINDOW, "")

    def ready_in(self) -> float:
        """Seconds until the bot may send its next message, whatever the chat."""
        return self.paused_for() or max(self.bucket.ready_in(), self.log.ready_in())

    def paused_for(self) -> float:
        """Seconds the whole bot still has to wait because the platform said so."""
        return max(0.0, self.paused_until - self._clock())

    def chat_ready_in(self, chat_id: str) -> float:
        now = self._clock()
        ready_at = self._chat_next.get(chat_id, 0.0)
        last = self._chat_last.get(chat_id)
        if last is not None:
            stamp, spacing = last
            ready_at = max(ready_at, stamp.counts_from(now) + spacing)
        return max(0.0, ready_at - now)

    def take(self, chat_id: str, kind: str) -> Stamp:
        """Spend a token on one send to this chat; `answered(stamp)` once it is answered."""
        self.bucket.take()
        stamp = self.log.take()
        interval = self.limits.group_interval if kind == "group" else self.limits.private_interval
        if interval:
            self._chat_last[chat_id] = (stamp, interval * CHAT_MARGIN)
        return stamp

    def answered(self, stamp: Stamp) -> None:
        """The platform answered the send `stamp` was taken for (or it failed)."""
        self.log.answered(stamp)

    def throttled(self, chat_id: str, seconds: float, *, whole_bot: bool | None = None) -> bool:
        """The platform answered 429 to a send to this chat. `whole_bot`: whether it said
        the limit was the bot's (None: it did not say). Then the whole bot pauses, else
        only this chat, unless another chat was refused moments ago: a limit shared by
        several chats is the bot's. True when the whole bot pauses."""
        now = self._clock()
        last_at, last_chat = self._last_throttle
        self._last_throttle = (now, chat_id)
        if whole_bot is None:
            whole_bot = now - last_at < THROTTLE_WINDOW and last_chat != chat_id
        if whole_bot:
            self.pause(seconds)
        else:
            self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), now + seconds)
        return whole_bot

    def pause(self, seconds: float) -> None:
        """429 for the whole bot: stop everything for `seconds`."""
        self.paused_until = max(self.paused_until, self._clock() + seconds)
        self.bucket.drain()

    def share(self, senders: int) -> None:
        """Several senders use one platform account: each paces at its share of the limit."""
        self.bucket.rate = self.limits.per_second / senders
        self.bucket.capacity = max(1.0, self.limits.burst / senders)
        self.log.set_rate(self.bucket.rate)

    def forget_idle_chats(self) -> None:
        """Drop spacing records already in the past (a million private chats add up)."""
        now = self._clock()
        self._chat_next = {chat: at for chat, at in self._chat_next.items() if at > now}
        self._chat_last = {
            chat: (stamp, spacing)
            for chat, (stamp, spacing) in self._chat_last.items()
            if stamp.counts_from(now) + spacing > now
        }
