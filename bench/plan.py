"""A year of observance sends: the plan and every subscriber's own text (target < 1 s).

Cold, as the bot's first run of the day sees it: observances.yaml and the message
files are read and rendered inside the timing. Subscribers are synthetic: 1–3 topics
each, drawn from content/topics.yaml, one in ten reading English. For every send of the
year each of them gets their own text (None: nothing for them): texts are composed once
per distinct (topics, language) choice — there are a few hundred, not 10,000 — and then
handed to each subscriber. `busiest_day_queue_s` is the database side, measured apart:
the year's send with most recipients queued as outbox rows into a fresh SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bot.db import Database
from bot.models.core import Subscriber, SubscriberTopic
from bot.models.types import utcnow

Choice = tuple[frozenset[str], str]  # (topics, language)


SUMMARY = "lịch tin ngày lễ cả năm và nội dung riêng của từng người nhận (mục tiêu < 1 giây)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--subscribers", type=int, default=10_000, help="số người nhận (10000)")
    parser.add_argument("--year", type=int, default=2027, help="năm lập lịch (2027)")
    parser.add_argument("--seed", type=int, default=7, help="hạt giống ngẫu nhiên (7)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from bot.scheduling.plan import plan
    from bot.scheduling.texts import ContentTexts, SendTexts
    from content.station import load_topics

    rng = random.Random(args.seed)
    codes = [topic.code for topic in load_topics()]
    choices: list[Choice] = [
        (frozenset(rng.sample(codes, rng.randint(1, 3))), "en" if rng.random() < 0.1 else "vi")
        for _ in range(args.subscribers)
    ]
    started = time.perf_counter()
    sends = plan(date(args.year, 1, 1), date(args.year, 12, 31))
    planned = time.perf_counter()
    texts = ContentTexts()
    distinct = list(dict.fromkeys(choices))
    position = {choice: index for index, choice in enumerate(distinct)}
    each_subscribers = itemgetter(*(position[choice] for choice in choices))
    messages, busiest = 0, (0, sends[0])
    for send in sends:
        own = SendTexts(send, texts)
        recipient_texts = each_subscribers([own.for_recipient(*choice) for choice in distinct])
        reached = len(recipient_texts) - recipient_texts.count(None)
        messages += reached
        busiest = max(busiest, (reached, send), key=lambda found: found[0])
    done = time.perf_counter()
    return {
        "subscribers": args.subscribers,
        "year": args.year,
        "sends": len(sends),
        "distinct_choices": len(distinct),
        "messages": messages,
        "plan_s": round(planned - started, 4),
        "texts_s": round(done - planned, 4),
        "total_s": round(done - started, 4),
        "busiest_day": busiest[1].date.isoformat(),
        "busiest_day_recipients": busiest[0],
        "busiest_day_queue_s": round(asyncio.run(_queue_time(busiest[1], choices)), 3),
    }


async def _queue_time(send: Any, choices: list[Choice]) -> float:
    from bot.scheduling.run import queue_send
    from bot.scheduling.texts import ContentTexts

    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        try:
            await database.migrate()
            await _seed(database, choices)
            started = time.perf_counter()
            await queue_send(send, database, ContentTexts())
            return time.perf_counter() - started
        finally:
            await database.close()


async def _seed(database: Database, choices: list[Choice]) -> None:
    subscribers = Subscriber.__table__  # type: ignore[attr-defined]
    topics = SubscriberTopic.__table__  # type: ignore[attr-defined]
    now = utcnow()
    async with database.engine.begin() as connection:
        await connection.execute(
            insert(subscribers),
            [
                {"channel": "web", "chat_id": f"bench-{index}", "kind": "private",
                 "language": lang, "active": True, "created_at": now, "updated_at": now}
                for index, (_topics, lang) in enumerate(choices)
            ],
        )  # fmt: skip
        ids = list(await connection.scalars(select(subscribers.c.id).order_by(subscribers.c.id)))
        await connection.execute(
            insert(topics),
            [
                {"subscriber_id": subscriber_id, "topic": topic}
                for subscriber_id, (chosen, _lang) in zip(ids, choices, strict=True)
                for topic in chosen
            ],
        )
