"""/xoadulieu leaves no copy of the name or phone anywhere, and the ward's counts stay."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot import privacy
from bot.db import Database
from bot.faq import ask
from bot.models.core import Subscriber
from bot.models.outbox import OutboxMessage
from bot.models.types import utcnow
from bot.outbox.audience import Audience
from bot.outbox.broadcasts import BroadcastRequest, broadcast_progress, create_broadcast
from bot.privacy import empty_sqlite_wal
from bot.reports import parse_period, reach_report
from bot.stats import key_numbers
from tests.helpers import ChatDriver
from tests.screening_rows import add_session_row
from tests.test_screening_dialogue import answer

NAME = "Quách Thị Huyền Xuyến"
PHONE = "0987654321"
PHONE_TYPED = "0987 654 321"


async def register(chat: ChatDriver, name: str, phone: str) -> None:
    await chat.send("/dangky")
    for step in range(8):
        if step == 3:
            await chat.send(name)
        elif step == 6:
            await chat.send(phone)
        else:
            await answer(chat, step)
    await chat.press("screening:confirm")
    assert "Mã đăng ký" in chat.text


async def test_no_copy_of_the_name_or_phone_is_left_in_the_database_wal_or_logs(
    dispatcher, database: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with database.sessions() as session:
        await add_session_row(session, datetime.now(UTC).date() + timedelta(days=7), ["Tổ 3"])
    chat = ChatDriver(dispatcher, user_id="web-xuyen")
    await chat.send("/start")
    await chat.press("topic:tre_em")
    await register(chat, NAME, PHONE_TYPED)
    await chat.send(f"tôi là {NAME.lower()}, số {PHONE_TYPED}, con nhà tôi hay khóc đêm")
    await chat.press(chat.buttons["Hỏi cán bộ y tế"])
    await chat.send(f"/baotin Bà {NAME} ({PHONE}) nói uống nước lá chữa khỏi lao")
    async with database.sessions() as session:
        subscriber = await session.scalar(
            select(Subscriber).where(Subscriber.chat_id == chat.user_id)
        )
        assert subscriber is not None
        await create_broadcast(
            session,
            BroadcastRequest(
                text="nhắc lịch", audience=Audience(subscriber_ids=[subscriber.id or 0])
            ),
        )
        await session.execute(
            update(OutboxMessage).values(text=f"Chào {NAME}, gọi +84 987 654 321")
        )
        await session.commit()
    await chat.send("/dangky")  # a registration left half-way, the name typed again
    for step in range(3):
        await answer(chat, step)
    await chat.send(NAME)

    await chat.send("/xoadulieu")
    await chat.press("privacy:erase")
    assert "Đã xóa dữ liệu" in chat.text
    assert ask.cache_info().currsize == 0  # the questions' words are not kept in memory either

    stored = b"".join(path.read_bytes() for path in tmp_path.glob("loaphuong.db*"))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (NAME, NAME.lower(), PHONE, PHONE_TYPED, "987654321"):
        assert secret.encode() not in stored, secret
        assert secret not in logged, secret


async def delivery_totals(database: Database) -> tuple[object, ...]:
    """What the overview, the broadcasts page and `report --period` say was delivered."""
    now = utcnow()
    async with database.sessions() as session:
        numbers = await key_numbers(session, now - timedelta(days=1), now + timedelta(days=1))
        broadcast_ids = await session.scalars(select(OutboxMessage.broadcast_id).distinct())
        progress = [await broadcast_progress(session, i) for i in broadcast_ids]
        book = await reach_report(session, parse_period(str(now.year)), UTC, "lan")
    counts = [(p.total, p.sent, p.failed, p.pending + p.cancelled) for p in progress]
    summary = {row[0]: row[1] for row in book["Tổng quan"].iter_rows(values_only=True)}
    deliveries = [summary[key] for key in list(summary)[-3:]]  # đợt tin, đã gửi, không gửi được
    rows = list(book["Các đợt tin"].iter_rows(values_only=True))
    return numbers.broadcasts, numbers.delivered, numbers.failed, counts, deliveries, rows


async def test_the_ward_counts_are_the_same_after_one_resident_erases(dispatcher, database):
    residents = [ChatDriver(dispatcher, user_id=f"web-{n}") for n in range(3)]
    for resident in residents:
        await resident.send("/start")
    async with database.sessions() as session:
        await create_broadcast(session, BroadcastRequest(text="tin đã gửi", audience=Audience()))
        await session.execute(update(OutboxMessage).values(status="sent", sent_at=utcnow()))
        await create_broadcast(session, BroadcastRequest(text="tin đang chờ", audience=Audience()))
        await session.commit()
    before = await delivery_totals(database)
    assert before[1] == 3 and before[4][1] == 3  # delivered, on the overview and the report

    await residents[0].send("/xoadulieu")
    await residents[0].press("privacy:erase")

    assert await delivery_totals(database) == before
    async with database.sessions() as session:
        cut = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == "")))
    assert [row.status for row in cut] == ["sent", "cancelled"]


async def test_the_wal_is_emptied_even_when_a_checkpoint_is_running_at_that_moment(
    database: Database, tmp_path: Path
) -> None:
    # The hot statements checkpoint every few hundred writes; SQLite answers a second
    # checkpoint "busy" at once, without waiting, and the erased rows stayed in the WAL.
    path = tmp_path / "loaphuong.db"
    async with database.sessions() as session:
        session.add(Subscriber(channel="web", chat_id="web-x", phone=PHONE))
        await session.commit()
    reader = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM subscriber").fetchone()

    def checkpoint() -> None:
        with closing(sqlite3.connect(path, timeout=1)) as connection:
            connection.execute("PRAGMA wal_checkpoint(RESTART)")

    checkpointing = threading.Thread(target=checkpoint)
    checkpointing.start()  # waits for the reader, holding SQLite's checkpoint lock
    await asyncio.sleep(0.05)
    asyncio.get_running_loop().call_later(0.1, reader.close)
    async with database.sessions() as session:
        await empty_sqlite_wal(session)
    await asyncio.to_thread(checkpointing.join)
    assert (tmp_path / "loaphuong.db-wal").stat().st_size == 0


async def test_every_stored_text_is_matched_off_the_event_loop(dispatcher, database, monkeypatch):
    """A busy ward's history is hundreds of thousands of rows: seconds that on the event
    loop held up every chat."""
    matched_on: list[int] = []
    match = privacy._masked

    def watched(pattern, rows):
        matched_on.append(threading.get_ident())
        return match(pattern, rows)

    monkeypatch.setattr(privacy, "_masked", watched)
    chat = ChatDriver(dispatcher, user_id="web-long-history")
    await chat.send("/start")
    async with database.sessions() as session:
        await session.execute(update(Subscriber).values(phone=PHONE))
        await session.commit()
    await chat.send("/xoadulieu")
    await chat.press("privacy:erase")
    assert "Đã xóa dữ liệu" in chat.text
    assert matched_on and threading.get_ident() not in matched_on
