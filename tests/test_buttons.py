"""Button data packs and parses itself, and refuses what a platform would not carry."""

from __future__ import annotations

import shutil

import pytest

from bot.buttons import (
    MAX_BYTES,
    AlertAreaChoice,
    AlertUrgency,
    AreaChoice,
    ButtonTooLong,
    CommandButton,
    FrequencyChoice,
    GroupTopicChoice,
    RumorToAlert,
    RumorVerdict,
    ScreeningAreaChoice,
    ScreeningGroupChoice,
    SessionChoice,
    TopicChoice,
)
from bot.models.staff import Verdict
from bot.news.digest import Frequency
from content.station import AREA_NAME_BYTES, CODE_BYTES, check_station, check_topics
from tests.test_content_check import OK


def test_packs_and_parses_back_in_its_own_namespace():
    assert AreaChoice("Tổ 3").pack() == "area:Tổ 3"
    assert ScreeningAreaChoice.parse("screening:area:Tổ 3") == ScreeningAreaChoice("Tổ 3")
    assert AreaChoice.parse("screening:area:Tổ 3") is None  # another router's button
    assert SessionChoice.parse(SessionChoice(42).pack()) == SessionChoice(42)
    assert SessionChoice.parse("screening:session:abc") is None
    assert SessionChoice.parse("screening:session:" + "9" * 40) is None


def test_buttons_already_sent_in_chats_still_parse():
    assert RumorVerdict.parse("rumor:false:12") == RumorVerdict(Verdict.FALSE, 12)
    assert RumorVerdict(Verdict.CHECKING, 3).pack() == "rumor:checking:3"
    assert AlertUrgency.parse("alert:urgent:1") == AlertUrgency(urgent=True)
    assert AlertUrgency(urgent=False).pack() == "alert:urgent:0"
    assert FrequencyChoice.parse("newsfreq:weekly") == FrequencyChoice(Frequency.WEEKLY)
    assert GroupTopicChoice("sot_xuat_huyet").pack() == "gtopic:sot_xuat_huyet"
    assert CommandButton.parse("cmd:dangky") == CommandButton("dangky")


def test_a_value_outside_its_kind_is_refused():
    assert RumorVerdict.parse("rumor:alert:12") is None  # RumorToAlert's, not a verdict
    assert RumorToAlert.parse("rumor:alert:12") == RumorToAlert(12)
    assert AlertUrgency.parse("alert:urgent:yes") is None
    assert FrequencyChoice.parse("newsfreq:hourly") is None
    assert TopicChoice.parse("gtopic:x") is None
    assert RumorVerdict.prefix(Verdict.FALSE) == "rumor:false:"


def test_a_button_longer_than_a_platform_allows_is_refused_when_built():
    longest = "Tổ dân phố số 12 khu Hòa Bình"
    assert len(ScreeningAreaChoice(longest).pack().encode()) <= MAX_BYTES
    with pytest.raises(ButtonTooLong):
        AlertAreaChoice("Tổ dân phố số 12, khu phố Nguyễn Trãi, phường Hòa Bình").pack()


def test_the_content_check_refuses_a_tổ_name_too_long_for_its_button(tmp_path):
    assert len(ScreeningAreaChoice("x" * AREA_NAME_BYTES).pack().encode()) == MAX_BYTES
    station = tmp_path / "station.yaml"
    shutil.copy(OK / "station.yaml", station)
    long_name = "Tổ dân phố số 12, khu phố Nguyễn Trãi, phường Hòa Bình"
    text = station.read_text(encoding="utf-8").replace('"Tổ 3"', f'"{long_name}"')
    station.write_text(text, encoding="utf-8")
    [problem] = check_station(station)
    assert "dài quá cho nút bấm" in str(problem) and long_name in str(problem)


def test_the_content_check_refuses_a_topic_code_too_long_for_its_button(tmp_path):
    assert len(ScreeningGroupChoice("x" * CODE_BYTES).pack().encode()) == MAX_BYTES
    topics = tmp_path / "topics.yaml"
    long_code = "x" * (CODE_BYTES + 1)
    text = (OK / "topics.yaml").read_text(encoding="utf-8")
    topics.write_text(text + f'- code: {long_code}\n  vi: "Dài"\n  en: "Long"\n', encoding="utf-8")
    [problem] = check_topics(topics)
    assert "dài quá cho nút bấm" in str(problem) and long_code in str(problem)
