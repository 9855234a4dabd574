"""The limit a platform enforces, counted the strict way: a log of accepted sends.

At most `limit` sends accepted in ANY `seconds`-long window, wherever it starts. A token
bucket lets a full bucket's burst through right after a steady second; a sliding window
does not, and that is what a pacer has to survive.
"""

from __future__ import annotations

import math
from collections import deque


class SlidingWindow:
    __slots__ = ("_times", "limit", "seconds")

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = max(1, limit)
        self.seconds = seconds
        self._times: deque[float] = deque(maxlen=self.limit)

    def wait(self, now: float) -> float:
        """Seconds until a send at `now` would be accepted; 0 when it would be now."""
        if len(self._times) < self.limit:
            return 0.0
        return max(0.0, self._times[0] + self.seconds - now)

    def record(self, now: float) -> None:
        self._times.append(now)

    def take(self, now: float) -> float:
        """Accept a send (0) or say how long until one would be accepted."""
        wait = self.wait(now)
        if not wait:
            self.record(now)
        return wait


def retry_after(wait: float) -> int:
    """What a 429 says: whole seconds, never 0."""
    return max(1, math.ceil(wait))
