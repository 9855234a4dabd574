"""A scheduled message reaching a resident halfway through a dialogue does not break it."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.channels.web import WebChannel
from bot.config import Settings
from bot.db import Database
from bot.models.core import WebMessage
from bot.models.outbox import OutboxMessage
from bot.outbox.worker import OutboxRunner
from bot.scheduling.run import run_due

# A past 7 April: the outbox sends rows whose time has come by the real clock.
APRIL_7_MORNING = datetime(2025, 4, 7, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


async def deliver_everything(database: Database, settings: Settings) -> None:
    channels = {"web": WebChannel(database.sessions)}
    # The station's morning, whatever the hour this runs: quiet hours would hold the send.
    runner = OutboxRunner(database, channels, settings, clock=lambda: APRIL_7_MORNING)
    await runner.start()
    try:
        for _ in range(250):
            async with database.sessions() as session:
                statuses = set(await session.scalars(select(OutboxMessage.status)))
            if statuses == {"sent"}:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"outbox not drained: {statuses}")
    finally:
        await runner.stop()


async def test_a_scheduled_message_mid_dialogue_keeps_the_dialogue_going(chat, database, settings):
    await chat.send("/start")
    await chat.send("/chude")
    await chat.press(chat.button_data("Xong"))
    assert "tổ dân phố" in chat.text

    [queued] = await run_due(APRIL_7_MORNING, database, settings)
    assert queued.recipients == 1
    await deliver_everything(database, settings)
    async with database.sessions() as session:
        inbox = list(await session.scalars(select(WebMessage.text)))
    assert len(inbox) == 1 and "Ngày Sức khỏe thế giới" in inbox[0]

    await chat.send("to 3")
    assert set(chat.buttons) == {"Tiếng Việt", "English"}
    await chat.press("lang:vi")
    assert "Tổ dân phố: Tổ 3" in chat.text
