"""`loaphuong bench inbound --path webhook`: Telegram updates posted to the real bot's
webhook are answered through the fake Bot API, figured with the web path's keys."""

from __future__ import annotations

import argparse

from bench.inbound import _measure


async def test_the_webhook_path_is_answered_and_figured_like_the_web_chat():
    args = argparse.Namespace(users=2, seconds=1.0, warmup=0.5, database_url="", path="webhook")
    figures = await _measure(args, "webhook")
    assert figures["path"] == "webhook"
    assert figures["requests"] > 0 and figures["errors"] == 0, figures
    assert figures["answer_p50_ms"] is not None and figures["rss_mb"], figures
    assert 0 < figures["loop_cpu_ms_per_request"] <= figures["cpu_ms_per_request"], figures
