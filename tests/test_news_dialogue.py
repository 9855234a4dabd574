"""Residents choose how often the digest comes, by button or by typing; /xemthem N pages on."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.models.core import Subscriber
from bot.models.news import NewsItem
from bot.models.outbox import OutboxMessage
from bot.news.schedule import queue_news
from bot.scheduling.plan import Timing
from tests.test_news_digest import at


async def frequency(database) -> str | None:
    async with database.sessions() as session:
        return await session.scalar(select(Subscriber.news_frequency))


async def test_the_end_of_chude_leads_to_the_frequency_chosen_by_typing(chat, database):
    await chat.send("/start")
    assert await frequency(database) == "weekly"  # new subscribers: weekly
    await chat.send("/chude")
    await chat.press(chat.button_data("Xong"))
    await chat.send("to 3")
    await chat.press("lang:vi")
    await chat.press(chat.button_data("Điểm tin y tế: Hằng tuần"))
    assert "bao lâu một lần" in chat.text
    await chat.send("hang thang")
    assert "hằng tháng" in chat.text
    assert await frequency(database) == "monthly"

    await chat.send("/diemtin")
    await chat.send("bóng đá")
    assert "gõ 1 (hằng ngày)" in chat.text
    await chat.send("4")
    assert await frequency(database) == "never"


async def test_a_long_digest_reads_on_with_xemthem(chat, database):
    await chat.send("/start")  # weekly, topic chung
    async with database.sessions() as session:
        session.add_all(
            NewsItem(day=date(2026, 11, 23) + timedelta(days=n % 7), title=f"Tin số {n}",
                     summary="Nội dung dài. " * 30)
            for n in range(20)
        )  # fmt: skip
        await session.commit()
    await queue_news(at(date(2026, 11, 30), 8), database, Timing())
    async with database.sessions() as session:
        [first] = list(await session.scalars(select(OutboxMessage.text)))
    assert "/xemthem 2" in first

    await chat.send("/xemthem 2")
    assert "(tiếp, trang 2)" in chat.text
    await chat.send("/xemthem 99")
    assert "Không còn tin nào nữa" in chat.text
