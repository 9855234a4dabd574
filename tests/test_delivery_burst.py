"""A poster goes up: a burst of /start against a Bot API counting Telegram's limits in a
strict sliding window, then a broadcast to everyone who wrote. Every welcome arrives and
the broadcast draws no 429 — with one instance on SQLite, and with three on PostgreSQL
behind a round-robin balancer. The real `loaphuong run` processes and the fake in its own
process (bench/burst.py; the benchmark measures the rates at full size)."""

from __future__ import annotations

from pathlib import Path

from bench.burst import measure


def assert_all_delivered(figures: dict) -> None:
    assert figures["webhooks_refused"] == 0
    assert figures["welcomes_lost"] == 0, figures
    assert figures["broadcast_lost"] == 0 and figures["broadcast_duplicates"] == 0, figures
    assert figures["broadcast_http_429"] == 0, figures


async def test_a_burst_of_starts_is_welcomed_in_full_then_broadcast_without_429(tmp_path: Path):
    assert_all_delivered(await measure(tmp_path, residents=60, rate=30, instances=1, over=1.0))


async def test_three_instances_behind_a_balancer_welcome_everyone(
    tmp_path: Path, postgres_url: str
):
    figures = await measure(
        tmp_path, residents=60, rate=30, instances=3, database=postgres_url, over=1.0
    )
    assert_all_delivered(figures)
