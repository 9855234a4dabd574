"""Names and phone numbers never reach the logs, even at LOG_LEVEL=DEBUG; secrets neither,
not even inside a traceback."""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy.exc import IntegrityError

from bot.config import load_settings
from bot.logs import setup_logging
from bot.models.core import Subscriber
from tests.helpers import ChatDriver

NAME = "Nguyễn Thị Hạnh"
PHONE = "0912345678"
TOKEN = "123456789:AAHsecretTokenValue_abcdefghijklmnopq"
DATABASE_PASSWORD = "mat-khau-co-so-du-lieu"


@pytest.fixture
def captured():
    """What the bot prints at LOG_LEVEL=DEBUG: its own handler, format and filter."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    database_url = f"postgresql+asyncpg://loaphuong:{DATABASE_PASSWORD}@127.0.0.1/loaphuong"
    setup_logging(
        load_settings(
            log_level="DEBUG", telegram_bot_token=TOKEN, database_url=database_url, _env_file=None
        )
    )
    stream = io.StringIO()
    root.handlers[0].setStream(stream)
    yield stream
    root.handlers[:], root.level = saved


async def test_a_busy_conversation_leaves_no_name_or_phone_in_the_logs(captured, dispatcher):
    resident = ChatDriver(dispatcher, user_id="hanh")
    await resident.send("/start")
    await resident.send(f"Tôi là {NAME}, số {PHONE}, cho hỏi giờ mở cửa trạm y tế")
    await resident.send(f"cho hỏi về chế độ thai sản cho chồng, em tên {NAME} sdt {PHONE}")
    await resident.press(resident.button_data("Hỏi cán bộ y tế"))
    await resident.send("/baotin")
    await resident.send(f"Tin nhắn từ {NAME} ({PHONE}): uống nước lá chữa khỏi lao")
    await resident.send("/lenh_khong_co")
    await resident.press("nut-la")
    logging.getLogger("bot.test").info("token %s", TOKEN)

    output = captured.getvalue()
    assert output, "nothing was logged at DEBUG: the test would prove nothing"
    for private in (NAME, PHONE, "Hạnh", TOKEN):
        assert private not in output
    assert "***" in output  # the token line was redacted, not dropped


def test_secrets_are_masked_inside_tracebacks_too(captured):
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/getMe: 401")
    except RuntimeError:
        logging.getLogger("bot.test").exception("could not reach %s", "the Bot API")
    try:
        raise ConnectionError(f"password {DATABASE_PASSWORD} refused")
    except ConnectionError as exc:
        logging.getLogger("bot.test").warning("database down", exc_info=exc)

    output = captured.getvalue()
    assert "Traceback" in output and "could not reach the Bot API" in output
    assert TOKEN not in output and DATABASE_PASSWORD not in output
    assert output.count("***") >= 2


async def test_a_database_error_does_not_quote_the_values(database):
    async with database.sessions() as session:
        session.add(Subscriber(channel="web", chat_id=NAME, phone=PHONE))
        await session.commit()
    with pytest.raises(IntegrityError) as error:
        async with database.sessions() as session:
            session.add(Subscriber(channel="web", chat_id=NAME, phone=PHONE))
            await session.commit()
    assert "UNIQUE" in str(error.value)
    assert PHONE not in str(error.value) and NAME not in str(error.value)
