"""The event loop `loaphuong run` serves on: uvloop where it is installed (every platform
but Windows), else asyncio's own.

uvloop runs the loop, its sockets and its timers in C (libuv): the web chat's requests
and the database threads' wake-ups cost the bot less CPU per answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """`main` run to its end on a new event loop, as `asyncio.run` does."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop, or None (asyncio's default) where uvloop is not installed."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop
