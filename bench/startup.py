"""Cold start: seconds from launching `loaphuong run` to its first web chat answer."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bot.fakes.processes import free_port, start_bot, stop, wait_for_answer

SUMMARY = "khởi động nguội: số giây từ lúc chạy loaphuong run đến câu trả lời web chat đầu"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=5, help="số lần khởi động (mặc định 5)")


def run(args: argparse.Namespace) -> dict[str, float | int]:
    first_start, warm_starts = 0.0, []
    with tempfile.TemporaryDirectory() as tmp:
        for attempt in range(args.runs):
            port = free_port()
            launched = time.monotonic()
            bot = start_bot(Path(tmp), port)
            try:
                wait_for_answer(port, {"user_id": "bench", "text": "/start"})
                elapsed = time.monotonic() - launched
            finally:
                stop(bot)
            # The first start also creates the database and runs every migration.
            if attempt == 0:
                first_start = elapsed
            else:
                warm_starts.append(elapsed)
    return {
        "runs": args.runs,
        "first_start_s": round(first_start, 3),
        "median_restart_s": round(statistics.median(warm_starts), 3) if warm_starts else None,
    }
