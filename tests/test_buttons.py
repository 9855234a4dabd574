"""Button data packs and parses itself, and refuses what a platform would not carry."""

from __future__ import annotations

import shutil

import pytest

from bot.buttons import (
    MAX_BYTES,
    AlertAreaChoice,
    AreaChoice,
    ButtonTooLong,
    ScreeningAreaChoice,
    SessionChoice,
)
from content.station import AREA_NAME_BYTES, check_station
from tests.test_content_check import OK


def test_packs_and_parses_back_in_its_own_namespace():
    assert AreaChoice("Tổ 3").pack() == "area:Tổ 3"
    assert ScreeningAreaChoice.parse("screening:area:Tổ 3") == ScreeningAreaChoice("Tổ 3")
    assert AreaChoice.parse("screening:area:Tổ 3") is None  # another router's button
    assert SessionChoice.parse(SessionChoice(42).pack()) == SessionChoice(42)
    assert SessionChoice.parse("screening:session:abc") is None
    assert SessionChoice.parse("screening:session:" + "9" * 40) is None


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
