"""FAQ lookup latency (p50/p99) and index build time, library padded to N entries.

The real vi library is padded with synthetic topics whose questions and examples
are drawn from the real vocabulary, so posting lists are as long as a big library
would make them. Queries are the real examples, with and without diacritics.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--entries", type=int, default=1000, help="library size (1000)")
    parser.add_argument("--queries", type=int, default=2000, help="lookups to time (2000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed for padding (7)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from bot.faq import FaqIndex
    from bot.text import fold
    from content.faq import FaqEntry, load_abbreviations, load_faq, load_signals

    rng = random.Random(args.seed)
    real = load_faq("vi")
    vocabulary = sorted({w for e in real for t in (e.question, *e.examples) for w in t.split()})

    def phrase() -> str:
        return " ".join(rng.choices(vocabulary, k=rng.randint(4, 9)))

    padding = [
        FaqEntry(f"pad.t{i:04d}", phrase(), "…", tuple(phrase() for _ in range(7)), "bench")
        for i in range(max(0, args.entries - len(real)))
    ]
    entries = real + padding
    started = time.perf_counter()
    index = FaqIndex.build(entries, load_abbreviations("vi"), load_signals("vi"))
    build_s = time.perf_counter() - started

    texts = [t for e in real for t in (e.question, *e.examples)]
    texts += [fold(t) for t in texts]
    queries = [texts[i % len(texts)] for i in range(args.queries)]
    rng.shuffle(queries)
    for question in queries[:50]:  # warm caches
        index.ask(question)
    timings = []
    for question in queries:
        started = time.perf_counter()
        index.ask(question)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "bench": "faq",
        "entries": len(entries),
        "documents": sum(1 + len(e.examples) for e in entries),
        "queries": len(queries),
        "build_s": round(build_s, 3),
        "p50_ms": round(statistics.median(timings), 3),
        "p99_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.99))], 3),
        "mean_ms": round(statistics.fmean(timings), 3),
    }
