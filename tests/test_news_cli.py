"""`loaphuong news …`: items in, clear Vietnamese refusals, a preview of exactly what goes out."""

from __future__ import annotations

from datetime import date

import pytest


async def test_items_are_added_listed_previewed_and_removed(cli, database):
    code, out, _ = cli(
        "news", "add", "--title", "Tiêm vắc xin cúm",
        "--summary", "Trạm tiêm vắc xin cúm cho người từ 60 tuổi. Mang theo CCCD.",
        "--link", "https://suckhoe.vn/cum", "--topic", "Người cao tuổi", "--area", "to 3",
        "--date", "2026-12-03",
    )  # fmt: skip
    assert code == 0 and "tin số 1" in out
    cli("news", "add", "--title", "Khám mắt", "--summary", "Khám mắt miễn phí.",
        "--date", "2026-12-05")  # fmt: skip
    code, out, _ = cli("news", "list")
    assert "nguoi_cao_tuoi, Tổ 3" in out and "mọi người" in out

    code, out, _ = cli("news", "preview", "--period", "week", "--date", "2026-12-07")
    assert "Điểm tin y tế tuần 30/11 – 06/12/2026" in out
    assert "Khám mắt" in out and "Tiêm vắc xin cúm" not in out  # that one is for Tổ 3 only

    assert cli("news", "remove", "2")[0] == 0
    code, out, _ = cli("news", "preview", "--period", "week", "--date", "2026-12-07")
    assert "không có tin nào để gửi" in out


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--link", "ftp:/x"], "đường dẫn không hợp lệ"),
        (["--topic", "bong da"], "không có chủ đề 'bong da'"),
        (["--area", "Tổ 99"], "không có tổ dân phố 'Tổ 99'"),
        (["--summary", "Một. Hai. Ba. Bốn."], "tóm tắt có 4 câu"),
    ],
)
async def test_bad_input_is_refused_naming_the_problem(cli, database, options, words):
    code, _, err = cli("news", "add", "--title", "Tin", "--summary", "Một câu.", *options)
    assert code == 2 and words in err


@pytest.mark.parametrize(
    ("day", "said"),
    [
        (
            "2026-12-06",
            ["hằng ngày ngày 07/12/2026, hằng tuần ngày 07/12/2026, hằng tháng ngày 01/01/2027."],
        ),
        ("2026-12-05", ["hằng ngày ngày 06/12/2026 (nếu chưa qua giờ gửi)"]),
        (
            "2026-12-01",
            [
                "hằng tuần ngày 07/12/2026",
                "điểm tin hằng ngày ngày 02/12/2026 đã gửi mà không có tin này",
            ],
        ),
        ("2026-10-20", ["tháng ngày 01/11/2026 đã gửi", "Tin này sẽ không được gửi đi"]),
    ],
)
def test_adding_an_item_says_which_digests_will_carry_it(cli, database, monkeypatch, day, said):
    monkeypatch.setattr("bot.cli.news._today", lambda: date(2026, 12, 6))  # a Sunday
    code, out, _ = cli("news", "add", "--title", "Tin", "--summary", "Một câu.", "--date", day)
    assert code == 0
    for words in said:
        assert words in out
