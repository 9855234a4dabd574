"""`loaphuong run` serves on uvloop where it is installed, on asyncio's own loop elsewhere."""

from __future__ import annotations

import asyncio
import sys

import pytest

from bot.event_loop import loop_factory, run


async def _loop_class_name() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_serves_on_uvloop_when_installed():
    pytest.importorskip("uvloop")
    assert run(_loop_class_name()).startswith("uvloop")


def test_falls_back_to_asyncio_without_uvloop(monkeypatch):
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop raises ImportError
    assert loop_factory() is None
    assert run(_loop_class_name()).startswith("asyncio")
