"""The information-needs survey, answered by typing only (no diacritics), by buttons, skipped,
stopped, declined; its answers kept without names and offered topics subscribed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.models.survey import SurveyAnswer, SurveyResponse
from bot.subscribers import topics_of

SURVEY_DAY = date(2027, 1, 11)


@pytest.fixture(autouse=True)
def survey_is_open(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("handlers.survey.today", lambda _ctx: SURVEY_DAY)


async def answers(database) -> dict[str, list[tuple[str, str | None]]]:
    async with database.sessions() as session:
        rows = await session.execute(
            select(SurveyAnswer.question, SurveyAnswer.choice, SurveyAnswer.text)
        )
    found: dict[str, list[tuple[str, str | None]]] = {}
    for question, choice, text in rows:
        found.setdefault(question, []).append((choice, text))
    return found


async def responses(database) -> list[SurveyResponse]:
    async with database.sessions() as session:
        return list(await session.scalars(select(SurveyResponse)))


async def test_the_survey_runs_end_to_end_by_typing_only(chat, database):
    await chat.send("/start")
    assert chat.button_data("Góp ý cho trạm") == "svy:intro"
    await chat.send("/chude")  # stop receiving the general topic: offers become due
    await chat.press("topic:chung")
    await chat.send("/khaosat")
    assert "5 câu" in chat.text
    await chat.send("bat dau")
    assert "Câu 1/5" in chat.text
    await chat.send("tre em, tiem chug")  # labels, no diacritics, a typo
    assert "Câu 2/5" in chat.text
    await chat.send("7")  # no such channel option: asked again
    assert "chưa hiểu" in chat.text and "Câu 2/5" in chat.text
    await chat.send("zalo")
    await chat.send("buoi toi")
    assert "Câu 4/5" in chat.text
    await chat.send("bo qua")
    assert "Câu 5/5" in chat.text
    await chat.send("2 7")  # an option and "Khác": its words come next
    assert "gõ ngắn" in chat.text
    await chat.send("thuoc cho nguoi gia, goi 0912 345 678")
    assert "Cảm ơn bà con đã trả lời" in chat.text
    assert "Trẻ em, Tiêm chủng" in chat.text  # asked for, not received: offered

    assert await answers(database) == {
        "chu_de": [("tre_em", None), ("tiem_chung", None)],
        "kenh": [("zalo", None)],
        "gio": [("toi", None)],
        "kho_tim": [
            ("lich_kham", None),
            ("khac", "thuoc cho nguoi gia, goi [số điện thoại]"),
        ],
    }
    [response] = await responses(database)
    assert (response.status, response.channel) == ("done", "web")

    await chat.press(chat.button_data("Nhận tin: Trẻ em"))
    async with database.sessions() as session:
        assert "tre_em" in await topics_of(session, response.subscriber_id)
    await chat.send("/start")
    assert "Góp ý cho trạm" not in str(chat.buttons)  # asked once
    await chat.send("/khaosat")
    assert "đã trả lời khảo sát này rồi" in chat.text


async def test_buttons_toggle_multiple_choices_and_stop_keeps_what_was_said(chat, database):
    await chat.send("/start")
    await chat.press("svy:intro")
    await chat.press("svy:go")
    await chat.press(chat.button_data("Trẻ em"))
    await chat.press(chat.button_data("Người cao tuổi"))
    await chat.press(chat.button_data("Trẻ em"))  # off again
    assert "✅ 2. Người cao tuổi" in chat.buttons
    await chat.press("svy:ok")
    await chat.send("dung")
    assert "Đã dừng khảo sát" in chat.text
    assert await answers(database) == {"chu_de": [("nguoi_cao_tuoi", None)]}
    assert [r.status for r in await responses(database)] == ["stopped"]
    await chat.send("hello")  # the dialogue is over: the FAQ answers
    assert "Câu" not in chat.text


async def test_do_not_ask_again_is_kept_and_stale_buttons_are_harmless(chat, database):
    await chat.send("/start")
    await chat.press("svy:intro")
    await chat.send("3")
    assert "không hỏi lại" in chat.text
    assert [r.status for r in await responses(database)] == ["declined"]
    assert await answers(database) == {}
    await chat.send("/start")
    assert "Góp ý cho trạm" not in str(chat.buttons)
    await chat.press("svy:o:0:tre_em")
    assert "Nút này đã cũ" in chat.text


async def test_in_english_the_questions_and_typed_words_are_english(chat, database):
    await chat.send("/start")
    await chat.press("lang:en")
    await chat.send("/khaosat")
    assert "no names asked" in chat.text
    await chat.send("start")
    assert "Question 1/5" in chat.text and "Which topics" in chat.text
    await chat.send("children, vaccination")
    await chat.send("skip")
    assert "Question 3/5" in chat.text
    await chat.send("stop")
    assert "Survey stopped" in chat.text
    assert await answers(database) == {"chu_de": [("tre_em", None), ("tiem_chung", None)]}
