"""A scheduled message reaching a resident halfway through a dialogue does not break it."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select

from bot.channels.web import WebChannel
from bot.config import Settings
from bot.db import Database
from bot.models.core import WebMessage
from bot.models.outbox import OutboxMessage
from bot.outbox.worker import OutboxRunner
from bot.scheduling.run import run_due
from content.observances import FixedDay, Observance, get_observance


def round_the_clock(settings: Settings) -> Settings:
    """The outbox goes by the real clock (a day's message expires at its midnight), so the
    message is today's, at whatever hour this runs: no quiet hours, sent from 00:00."""
    return settings.model_copy(update={"send_hour": 0, "quiet_start": 0, "quiet_end": 0})


def health_day_today(settings: Settings) -> tuple[Observance, ...]:
    today = datetime.now(settings.tz).date()
    return (replace(get_observance("world_health_day"), rule=FixedDay(today.month, today.day)),)


async def deliver_everything(database: Database, settings: Settings) -> None:
    channels = {"web": WebChannel(database.sessions)}
    runner = OutboxRunner(database, channels, settings)
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

    settings = round_the_clock(settings)
    now = datetime.now(settings.tz)
    [queued] = await run_due(now, database, settings, observances=health_day_today(settings))
    assert queued.recipients == 1
    await deliver_everything(database, settings)
    async with database.sessions() as session:
        inbox = list(await session.scalars(select(WebMessage.text)))
    assert len(inbox) == 1 and "Ngày Sức khỏe thế giới" in inbox[0]

    await chat.send("to 3")
    assert set(chat.buttons) == {"Tiếng Việt", "English"}
    await chat.press("lang:vi")
    assert "Tổ dân phố: Tổ 3" in chat.text
