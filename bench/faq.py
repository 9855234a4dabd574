"""FAQ lookup latency (p50/p99: language guess and answer) and index build time, library
padded to N entries.

The real vi library is padded with synthetic topics whose questions and examples
are drawn from the real vocabulary, so posting lists are as long as a big library
would make them. Queries are the real examples as written, without diacritics, and
typed the way residents type: chat abbreviations ("ko", "dc", "bhyt") and a one-letter
typo, which takes the slower typo-correcting path (timed apart as typo_p50/p99).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Mapping
from typing import Any

from content.text import fold

LETTERS = "abcdeghiklmnopqrstuvxy"


SUMMARY = "độ trễ tra cứu hỏi đáp (p50/p99) và thời gian dựng chỉ mục, thư viện N mục"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--entries", type=int, default=1000, help="số mục của thư viện (1000)")
    parser.add_argument("--queries", type=int, default=2000, help="số lần tra cứu được đo (2000)")
    parser.add_argument(
        "--seed", type=int, default=7, help="hạt giống ngẫu nhiên cho các mục thêm (7)"
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    from bot.faq import FaqIndex, get_guesser
    from content.faq import FaqEntry, load_abbreviations, load_faq, load_signals, load_synonyms

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
    started, cpu_started = time.perf_counter(), time.process_time()
    index = FaqIndex.build(
        entries, load_abbreviations("vi"), load_signals("vi"), load_synonyms("vi")
    )
    build_s = time.perf_counter() - started
    # CPU time too: on a shared machine the wall clock also counts others' work.
    build_cpu_s = time.process_time() - cpu_started

    texts = [t for e in real for t in (e.question, *e.examples)]
    shorthand: dict[str, str] = {}
    for key, value in load_abbreviations("vi").items():
        shorthand.setdefault(fold(value), key)  # the first, commonest spelling
    typed = [as_residents_type(t, shorthand, rng) for t in texts]
    kinds = [
        kind
        for text, typo in zip(texts, typed, strict=True)
        for kind in ((text, False), (fold(text), False), (typo, True))
    ]
    queries = [kinds[i % len(kinds)] for i in range(args.queries)]
    rng.shuffle(queries)
    guesser = get_guesser()
    for question, _ in queries[:50]:  # warm caches
        index.ask(question)
    timings, typo_timings, cpu_timings = [], [], []
    for question, typo in queries:
        started, cpu_started = time.perf_counter(), time.thread_time()
        guesser.guess(question, "vi")  # as in chat: the language first, then the answer
        index.ask(question)
        elapsed = (time.perf_counter() - started) * 1000
        # CPU time too: on a shared machine the wall clock also counts others' work.
        cpu_timings.append((time.thread_time() - cpu_started) * 1000)
        timings.append(elapsed)
        if typo:
            typo_timings.append(elapsed)
    return {
        "bench": "faq",
        "entries": len(entries),
        "documents": sum(1 + len(e.examples) for e in entries),
        "queries": len(queries),
        "typo_queries": len(typo_timings),
        "build_s": round(build_s, 3),
        "build_cpu_s": round(build_cpu_s, 3),
        "p50_ms": round(statistics.median(timings), 3),
        "p99_ms": _p99(timings),
        "mean_ms": round(statistics.fmean(timings), 3),
        "typo_p50_ms": round(statistics.median(typo_timings), 3),
        "typo_p99_ms": _p99(typo_timings),
        "cpu_p50_ms": round(statistics.median(cpu_timings), 3),
        "cpu_p99_ms": _p99(cpu_timings),
    }


def as_residents_type(text: str, shorthand: Mapping[str, str], rng: random.Random) -> str:
    """`text` without diacritics, abbreviated ("khong" → "ko") and with one letter of a
    long word replaced: "khám sàng lọc có mất tiền không" → "kham sang loc co mat tizn ko"."""
    padded = f" {fold(text)} "
    for phrase in sorted(shorthand, key=len, reverse=True):
        padded = padded.replace(f" {phrase} ", f" {shorthand[phrase]} ")
    words = padded.split()
    long = [i for i, word in enumerate(words) if len(word) >= 5]
    if long:
        i = rng.choice(long)
        j = rng.randrange(1, len(words[i]))
        words[i] = words[i][:j] + rng.choice(LETTERS) + words[i][j + 1 :]
    return " ".join(words)


def _p99(timings: list[float]) -> float:
    ordered = sorted(timings)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 3)
