"""What residents read on a day with several observances: one short message, not the
day's messages end to end; and one observance's message exactly as written."""

from __future__ import annotations

from datetime import date

import pytest

from bot.scheduling.plan import PlannedSend, SendKind, plan
from bot.scheduling.texts import MAX_MERGED_CHARS, ContentTexts, Section, SendTexts
from content.dates import format_full_date
from content.messages import render_message
from content.observances import Observance
from content.station import load_station

ZALO_MAX_CHARS = 2000
YEARS = range(2026, 2033)  # every weekday name in the dates, and a leap year


def merged_sends() -> list[PlannedSend]:
    return [
        send
        for year in YEARS
        for send in plan(date(year, 1, 1), date(year, 12, 31))
        if len(send.observances) > 1
    ]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_merged_day_is_one_short_message_with_the_contact_once(lang):
    texts = ContentTexts()
    contact = "Cần tư vấn:" if lang == "vi" else "Need advice?"
    phone = load_station().phone
    sends = merged_sends()
    assert {s.date.strftime("%d/%m") for s in sends} >= {"07/04", "01/06"}
    for send in sends:
        text = SendTexts(send, texts).for_recipient(["chung"], lang)
        assert text is not None
        assert len(text) <= MAX_MERGED_CHARS < ZALO_MAX_CHARS, (send.key, len(text))
        assert text.count(phone) == 1 and text.count(contact) <= 1, send.key
        if send.kind is SendKind.FIRST_DAY:
            assert format_full_date(send.date, lang) in text.split("\n")[0]
            assert text.rsplit("\n\n", 1)[-1].startswith(contact)
        for observance in send.observances:
            assert observance.name(lang) in text, (send.key, observance.id)


def test_june_1_for_everyone_names_each_day_with_its_first_action():
    [send] = plan(date(2027, 6, 1), date(2027, 6, 1))
    text = SendTexts(send, ContentTexts()).for_recipient(["chung"], "vi")
    assert text is not None
    assert text.startswith(
        "**Hôm nay, Thứ Ba, ngày 1 tháng 6 năm 2027, Trạm Y tế phường Hòa Bình xin gửi bà con "
        "4 tin sức khỏe:**\n\n**Ngày Vi chất dinh dưỡng** (đến 2/6)\n"
    )
    assert "**Tháng hành động vì trẻ em** (đến 30/6)\n" in text
    assert "- Trông trẻ mọi lúc khi ở gần ao, hồ, sông, bể bơi" in text
    assert "————" not in text and len(text) < 1300


def test_one_observance_is_its_message_as_written():
    [send] = plan(date(2027, 3, 24), date(2027, 3, 24))
    own = SendTexts(send, ContentTexts())
    assert own.for_recipient(["chung"], "vi") == render_message("world_tb_day", "vi", 2027)
    assert own.for_recipient(["chung"], "en") == render_message("world_tb_day", "en", 2027)


class WordyTexts:
    """Sections whose brief form alone would break the budget."""

    def section(self, observance: Observance, kind: SendKind, lang: str, year: int) -> Section:
        return Section(
            full=f"[{observance.id} full]",
            brief=f"[{observance.id} brief] " + "x" * MAX_MERGED_CHARS,
            shortest=f"[{observance.id} shortest]",
            contact="[contact]",
        )

    def station_name(self, lang: str) -> str:
        return "Trạm"


def test_over_the_budget_each_day_keeps_only_its_name_and_action():
    [send] = plan(date(2027, 4, 7), date(2027, 4, 7))
    text = SendTexts(send, WordyTexts()).full("vi")
    assert len(text) <= MAX_MERGED_CHARS and "brief" not in text
    assert [line for line in text.split("\n\n")[1:]] == [
        *(f"[{o.id} shortest]" for o in send.observances),
        "[contact]",
    ]


def test_a_merged_reminder_gives_each_last_day_once_in_its_heading():
    [send] = [s for s in plan(date(2027, 6, 16), date(2027, 6, 16)) if len(s.observances) > 1]
    text = SendTexts(send, ContentTexts()).for_recipient(["chung"], "vi")
    assert text is not None and send.kind is SendKind.REMINDER
    assert "**Nhắc lại: Tháng hành động vì trẻ em** (đến 30/6)\n" in text
    assert text.count("30/6") == len(send.observances)
    assert "ngày 30 tháng 6" not in text
