"""Which language a question is in: Vietnamese typed without diacritics and teencode
must not be taken for English."""

from __future__ import annotations

import pytest

from bot.faq import ask, get_guesser


@pytest.mark.parametrize(
    "question",
    [
        "khám sàng lọc ở đâu",
        "toi bi sot cao 3 ngay roi",
        "con toi bi tieu chay uong oresol pha sao",
        "ad oi minh hoi dc gi",
        "bac 75 tuoi co dc kham free ko",
        "tram y te mo cua may h",
        "chich ngua cho be o dau",
        "e bi dau bung ben phai",
        "bhyt het han lam sao",
        "me bau can tiem gi",
        "ko bit dky kham o dau z",
    ],
)
def test_vietnamese_with_or_without_diacritics_and_teencode(question):
    assert get_guesser().guess(question, default="en") == "vi"


@pytest.mark.parametrize(
    "question",
    [
        "where is the health station",
        "my child has a fever",
        "can i get a flu shot",
        "how much does the screening cost",
        "what to do if bitten by a dog",
        "do i need my id card",
    ],
)
def test_english(question):
    assert get_guesser().guess(question, default="vi") == "en"


@pytest.mark.parametrize(
    "question", ["hi", "123", "vneid", "xxxxxxxx", "a" * 40, "to3", "tdp12 q1", "covid19"]
)
def test_words_that_do_not_tell_keep_the_chat_language(question):
    assert get_guesser().guess(question, default="vi") == "vi"
    assert get_guesser().guess(question, default="en") == "en"


def test_the_answer_comes_from_the_language_asked():
    english = ask("when is the health station open", "vi")
    assert (english.id, english.lang) == ("station.hours", "en")
    vietnamese = ask("tram y te mo cua luc may gio", "en")
    assert (vietnamese.id, vietnamese.lang) == ("station.hours", "vi")
