"""content check names the file and line of every mistake in a survey file."""

from __future__ import annotations

import shutil
from pathlib import Path

from content import CONTENT_DIR
from content.surveys import check_surveys

BROKEN = """\
code: Khảo sát
invite_on: 2027-02-01
closes_on: 2027-01-01
title: {vi: "Khảo sát", en: "Survey"}
intro: {vi: "Mời bà con", en: ""}
invitation: {vi: "Mời", en: "Please"}
thanks: {vi: "Cảm ơn", en: "Thanks"}
questions:
  - code: kenh
    kind: one
    vi: "Kênh nào?"
    en: "Which channel?"
    options:
      - {code: zalo, vi: Zalo, en: Zalo}
      - {code: zalo, vi: Zalo, en: Zalo}
      - {code: khac, vi: Khác, en: Other}
  - code: chu_de
    kind: multiple
    vi: "Chủ đề?"
    options: topics
"""


def test_the_surveys_shipped_are_valid():
    assert check_surveys(CONTENT_DIR) == []


def test_every_mistake_is_named_with_its_line(tmp_path: Path):
    shutil.copy(CONTENT_DIR / "topics.yaml", tmp_path / "topics.yaml")
    (tmp_path / "surveys").mkdir()
    (tmp_path / "surveys" / "bad.yaml").write_text(BROKEN, encoding="utf-8")
    found = {(p.line, p.message.split(" ")[0]) for p in check_surveys(tmp_path)}
    assert {line for line, _ in found} == {1, 3, 5, 10, 15, 16, 17}
    messages = [str(p) for p in check_surveys(tmp_path)]
    assert all(m.startswith(f"{tmp_path / 'surveys' / 'bad.yaml'}:") for m in messages)
    assert any("'closes_on' trước 'invite_on'" in m for m in messages)
    assert any("lựa chọn 'zalo' bị lặp" in m for m in messages)
