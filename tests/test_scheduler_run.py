"""run_due and the Scheduler against a real migrated SQLite file, with a frozen clock:
one message per recipient per day, only their topics, and never a send twice."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.db import Database
from bot.models.core import Subscriber, SubscriberTopic
from bot.models.outbox import Broadcast, OutboxMessage
from bot.scheduling.plan import SendKind
from bot.scheduling.run import run_due
from bot.scheduling.texts import Section
from content.observances import Observance, parse_rule
from scheduler import Scheduler

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


APRIL_7 = date(2027, 4, 7)


async def add_subscriber(
    database: Database, chat_id: str, topics: list[str], language: str = "vi"
) -> None:
    async with database.sessions() as session:
        subscriber = Subscriber(channel="web", chat_id=chat_id, language=language)
        session.add(subscriber)
        await session.flush()
        session.add_all(SubscriberTopic(subscriber_id=subscriber.id, topic=t) for t in topics)
        await session.commit()


async def texts_by_chat(database: Database) -> dict[str, str]:
    async with database.sessions() as session:
        rows = await session.execute(select(OutboxMessage.chat_id, OutboxMessage.text))
        return {chat_id: text for chat_id, text in rows}


async def count(database: Database, table: type) -> int:
    async with database.sessions() as session:
        return await session.scalar(select(func.count()).select_from(table)) or 0


class MarkerTexts:
    """Each observance's section is its ID in brackets: what reached whom, at a glance."""

    def section(self, observance: Observance, kind: SendKind, lang: str, year: int) -> Section:
        marker = f"[{observance.id}]"
        return Section(full=marker, brief=marker, shortest=marker)

    def station_name(self, lang: str) -> str:
        return "Trạm"


def made_up(observance_id: str, topics: tuple[str, ...], rule: str = "1/6") -> Observance:
    return Observance(
        id=observance_id,
        name_vi=observance_id,
        name_en=observance_id,
        rule=parse_rule({"kind": "fixed", "date": rule}),
        topics=topics,
        priority="normal",
        source="test",
    )


async def test_april_7_is_one_message_per_recipient_with_all_three_days(database):
    await add_subscriber(database, "chung-vi", ["chung"])
    await add_subscriber(database, "chung-en", ["chung"], language="en")
    await add_subscriber(database, "children-only", ["tre_em"])
    [queued] = await run_due(local(APRIL_7, 8), database)
    assert queued.created and queued.recipients == 2
    texts = await texts_by_chat(database)
    assert set(texts) == {"chung-vi", "chung-en"}
    for name in ("Ngày Sức khỏe thế giới", "Ngày Sức khỏe toàn dân", "hiến máu"):
        assert name in texts["chung-vi"]
    assert texts["chung-vi"].startswith(
        "**Hôm nay, Thứ Tư, ngày 7 tháng 4 năm 2027, Trạm Y tế phường Hòa Bình xin gửi bà con "
        "3 tin sức khỏe:**"
    )
    assert texts["chung-en"].startswith("**Today, Wednesday, April 7, 2027, Hoa Binh Ward")
    assert await count(database, Broadcast) == 1


async def test_each_recipient_reads_only_the_topics_they_chose(database):
    june_1 = (
        made_up("children_day", ("tre_em",)),
        made_up("chronic_day", ("benh_man_tinh",)),
        made_up("everyone_day", ("chung",)),
    )
    await add_subscriber(database, "all", ["chung"])
    await add_subscriber(database, "children", ["tre_em"])
    await add_subscriber(database, "children-chronic", ["tre_em", "benh_man_tinh"])
    await add_subscriber(database, "elderly", ["nguoi_cao_tuoi"])
    await run_due(local(date(2027, 6, 1), 9), database, observances=june_1, texts=MarkerTexts())
    texts = await texts_by_chat(database)
    assert texts["children"] == "[children_day]"
    assert "[children_day]" in texts["children-chronic"]
    assert "[chronic_day]" in texts["children-chronic"]
    assert "[everyone_day]" not in texts["children-chronic"]
    assert all(f"[{o.id}]" in texts["all"] for o in june_1)
    assert "elderly" not in texts


async def not_after_of_rows(database: Database) -> set[datetime | None]:
    async with database.sessions() as session:
        return set(await session.scalars(select(OutboxMessage.not_after)))


async def test_a_days_message_expires_at_midnight_not_sent_the_next_morning(database):
    """Rows held past the day (quiet hours, downtime) must not say "Hôm nay…" tomorrow."""
    await add_subscriber(database, "resident", ["chung"])
    await run_due(local(APRIL_7, 19, 30), database)  # caught up late, just before quiet hours
    assert await not_after_of_rows(database) == {local(APRIL_7 + timedelta(days=1), 0)}


async def test_a_reminder_holds_until_its_period_ends(database):
    """ "…còn đến 30/6": still true on any day of June, and no later."""
    await add_subscriber(database, "resident", ["chung"])
    [queued] = await run_due(local(date(2027, 6, 16), 8), database)
    assert queued.send.kind is SendKind.REMINDER
    assert await not_after_of_rows(database) == {local(date(2027, 7, 1), 0)}


async def test_an_observance_added_to_a_day_already_sent_is_reported(database, caplog):
    june_1 = (made_up("children_day", ("tre_em",)),)
    await add_subscriber(database, "resident", ["chung"])
    await run_due(local(date(2027, 6, 1), 8), database, observances=june_1, texts=MarkerTexts())
    added = (*june_1, made_up("late_day", ("chung",)))
    again = await run_due(local(date(2027, 6, 1), 9), database, observances=added)
    assert [q.created for q in again] == [False]
    assert "before late_day joined that day" in caplog.text


@pytest.mark.parametrize(
    ("hour", "minute"), [(7, 59), (20, 30), (21, 0), (23, 59), (0, 0), (3, 0), (6, 59)]
)
async def test_nothing_goes_out_before_the_send_hour_or_in_the_evening_and_night(
    database, hour, minute
):
    await add_subscriber(database, "resident", ["chung"])
    assert await run_due(local(APRIL_7, hour, minute), database) == []
    assert await count(database, OutboxMessage) == 0


async def test_the_send_hour_and_quiet_hours_come_from_settings(database, settings: Settings):
    await add_subscriber(database, "resident", ["chung"])
    late = settings.model_copy(update={"send_hour": 10, "quiet_start": 22, "quiet_end": 6})
    assert await run_due(local(APRIL_7, 9, 59), database, late) == []
    assert await run_due(local(APRIL_7, 20, 30), database, late)  # 22:00 − 1 h margin


async def test_running_again_and_restarting_the_same_day_never_sends_twice(database):
    await add_subscriber(database, "resident", ["chung"])
    await add_subscriber(database, "neighbour", ["chung"])
    first = await run_due(local(APRIL_7, 8), database)
    again = await run_due(local(APRIL_7, 8, 1), database)
    after_downtime = await run_due(local(APRIL_7, 15), database)
    assert [q.created for q in first + again + after_downtime] == [True, False, False]
    assert await count(database, Broadcast) == 1
    assert await count(database, OutboxMessage) == 2


async def test_two_instances_at_the_same_moment_queue_once(database, settings: Settings):
    for index in range(20):
        await add_subscriber(database, f"resident-{index}", ["chung"])
    second_instance = Database(settings.database_url)
    try:
        results = await asyncio.gather(
            run_due(local(APRIL_7, 8), database), run_due(local(APRIL_7, 8), second_instance)
        )
    finally:
        await second_instance.close()
    assert sorted(q.created for found in results for q in found) == [False, True]
    assert await count(database, Broadcast) == 1
    assert await count(database, OutboxMessage) == 20


async def test_a_missed_send_hour_is_caught_up_the_same_day_but_not_the_next(database):
    await add_subscriber(database, "resident", ["chung"])
    assert await run_due(local(APRIL_7 + timedelta(days=1), 9), database) == []
    assert await count(database, Broadcast) == 0
    [queued] = await run_due(local(APRIL_7, 16, 30), database)
    assert queued.created and queued.send.date == APRIL_7


async def test_scheduler_catches_up_at_start_and_a_restart_sends_nothing_twice(
    database, settings: Settings
):
    await add_subscriber(database, "resident", ["chung"])
    calls: list[datetime] = []

    async def failing_hook(_session, _now):
        raise RuntimeError("boom")

    async def recording_hook(_session, now):
        calls.append(now)

    back_at = local(APRIL_7, 10, 30)
    for restart in range(2):
        jobs = Scheduler(database, settings, [failing_hook, recording_hook], clock=lambda: back_at)
        await jobs.start()
        try:
            # The hooks run after the sends: once a hook has run, the sends were queued.
            await wait_for(lambda: len(calls) == restart + 1)  # noqa: B023
        finally:
            await jobs.stop()
    assert calls == [back_at, back_at]
    assert await count(database, Broadcast) == 1
    assert await count(database, OutboxMessage) == 1


async def wait_for(condition, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)
