"""`loaphuong content check` on broken and valid fixtures, and message rendering."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import bot.app
import content.check as content_check
from bot.cli import main
from content import CONTENT_DIR
from content.check import CHECKERS, check_all
from content.dates import format_full_date
from content.messages import render_message, render_reminder
from content.station import read_station
from content.yamlfile import ContentError, loads_yaml
from content.years import unpassed_years

DATA = Path(__file__).parent / "data"
BROKEN = DATA / "content_broken"
OK = DATA / "content_ok"

# (file under content_broken/, line, words the message must contain): one row per mistake.
EXPECTED = [
    ("station.yaml", 2, "thiếu 'phone'"),
    ("station.yaml", 7, "'en' chỉ được có name, address, hours"),
    ("observances.yaml", 25, "chủ đề 'thu_cung' không có"),
    ("observances.yaml", 29, "thiếu tên tiếng en"),
    ("observances.yaml", 36, "31/4 không có trong lịch"),
    ("observances.yaml", 42, "29/2 không có mỗi năm"),
    ("observances.yaml", 48, "n phải là 1, 2, 3, 4 hoặc -1"),
    ("observances.yaml", 54, "'end' phải sau 'start'"),
    ("observances.yaml", 60, "kind 'weekly' không hợp lệ"),
    ("observances.yaml", 64, "ID 'world_tb_day' bị lặp"),
    ("observances.yaml", 71, "tên vi quá dài"),
    ("observances.yaml", 76, "thiếu source"),
    ("observances.yaml", 80, "priority phải là normal hoặc high"),
    ("observances.yaml", 86, "since phải là năm đã qua"),
    ("observances.yaml", 99, "không có ngày lễ 'no_such_day'"),
    ("observances.yaml", 16, "hiv_action_month: thiếu tin nhắn tiếng en"),
    ("observance_ids.yaml", 5, "thiếu ngày lễ 'world_sight_day' trong observances.yaml"),
    ("messages/en/bad_bytes_day.md", 3, "khóa phải là chữ hoặc số, không phải danh sách"),
    ("messages/en/vietnam_doctors_day.md", 6, "{den_ngay} chỉ dùng cho tuần/tháng"),
    ("messages/en/world_tb_day.md", 2, "thiếu source"),
    ("messages/en/world_tb_day.md", 3, "khóa 'sourse' không dùng"),
    ("messages/vi/bad_bytes_day.md", 7, "tệp không phải UTF-8 (byte 0xff)"),
    ("messages/vi/hiv_action_month.md", 3, "reminder dài"),
    ("messages/vi/unknown_day.md", 1, "không có ngày lễ nào có ID 'unknown_day'"),
    ("messages/vi/vietnam_doctors_day.md", 3, "reminder không bao giờ được gửi"),
    ("messages/vi/vietnam_doctors_day.md", 5, "sau khi điền (tối đa 1000)"),
    ("messages/vi/world_tb_day.md", 6, "{so_nam} chỉ dùng cho ngày lễ có 'since'"),
    ("messages/vi/world_tb_day.md", 8, "chỗ điền {ten_tram} không có"),
    ("messages/vi/world_tb_day.md", 9, "dấu '{' lẻ"),
    # A year that has not passed goes stale (2099: still ahead whenever this runs); the
    # founding year 1982 on the same line has passed and is allowed.
    ("messages/vi/world_tb_day.md", 11, "năm 2099 viết cứng sẽ lỗi thời"),
    ("faq/vi.yaml", 16, "screening.eligibility: năm 2099 viết cứng sẽ lỗi thời"),
    ("faq/en.yaml", 39, "screening.register: source thiếu ngày kiểm tra"),
    ("screening_groups.yaml", 6, "aliases phải là danh sách chữ"),
]


def test_every_mistake_is_named_with_file_and_line():
    problems = check_all(BROKEN)
    found = {(p.file.relative_to(BROKEN).as_posix(), p.line, p.message) for p in problems}
    for file, line, words in EXPECTED:
        assert any(f == file and n == line and words in m for f, n, m in found), (file, line, words)
    assert len(problems) == len(EXPECTED)


def test_cli_prints_file_line_problems_and_exits_1(capsys):
    assert main(["content", "check", "--content-dir", str(BROKEN)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"Có {len(EXPECTED)} lỗi trong nội dung."
    assert any(
        line.endswith("content_broken/observances.yaml:64: ID 'world_tb_day' bị lặp")
        for line in lines
    )


def test_cli_prints_one_summary_line_when_valid(capsys):
    assert main(["content", "check", "--content-dir", str(OK)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Nội dung hợp lệ: 3 ngày lễ, 6 tin nhắn, 3 chủ đề, 3 tổ dân phố."
    ]


def test_checkers_are_a_list_others_can_extend():
    assert all(callable(checker) for checker in CHECKERS)
    assert check_all(OK) == []


def test_shipped_content_is_valid_and_complete():
    """What the station installs: every observance has its message in both languages."""
    assert check_all(CONTENT_DIR) == []
    messages = {
        p.relative_to(CONTENT_DIR / "messages").as_posix()
        for p in (CONTENT_DIR / "messages").rglob("*.md")
    }
    ids = {p.stem for p in (CONTENT_DIR / "messages" / "vi").glob("*.md")}
    assert len(ids) == 65
    assert messages == {f"{lang}/{i}.md" for lang in ("vi", "en") for i in ids}


@pytest.mark.parametrize(
    ("day", "locale", "text"),
    [
        (date(2026, 3, 24), "vi", "Thứ Ba, ngày 24 tháng 3 năm 2026"),
        (date(2026, 3, 29), "vi", "Chủ Nhật, ngày 29 tháng 3 năm 2026"),
        (date(2028, 2, 29), "vi", "Thứ Ba, ngày 29 tháng 2 năm 2028"),
        (date(2026, 3, 24), "en", "Tuesday, March 24, 2026"),
    ],
)
def test_full_dates(day, locale, text):
    assert format_full_date(day, locale) == text


def test_render_fills_station_dates_and_anniversary():
    station = read_station(OK / "station.yaml")
    text = render_message("vietnam_doctors_day", "vi", 2026, station, OK)
    assert text.startswith("**Ngày Thầy thuốc Việt Nam – Thứ Sáu, ngày 27 tháng 2 năm 2026**")
    assert "kỷ niệm 71 năm" in text and "Trạm Y tế phường Thử, số 1 đường Thử" in text
    assert "72 years" in render_message("vietnam_doctors_day", "en", 2027, station, OK)
    assert "70 năm Hệ Y tế dự phòng" in render_message("world_sight_day", "vi", 2026, station, OK)


def test_render_range_with_reminder_and_literal_braces():
    station = read_station(OK / "station.yaml")
    text = render_message("hiv_action_month", "vi", 2026, station, OK)
    assert "Thứ Ba, ngày 10 tháng 11 năm 2026 đến Thứ Năm, ngày 10 tháng 12 năm 2026" in text
    assert "Viết {tram} để in ngoặc." in text
    reminder = render_reminder("hiv_action_month", "vi", 2026, station, OK)
    assert reminder == (
        "Tháng hành động còn đến Thứ Năm, ngày 10 tháng 12 năm 2026: "
        "xét nghiệm HIV miễn phí tại Trạm Y tế phường Thử."
    )
    assert render_reminder("vietnam_doctors_day", "vi", 2026, station, OK) is None


def test_no_anniversary_text_before_the_first_anniversary():
    station = read_station(OK / "station.yaml")
    assert "kỷ niệm 1 năm" in render_message("vietnam_doctors_day", "vi", 1956, station, OK)
    with pytest.raises(ContentError, match="năm 1955 chưa có kỷ niệm"):
        render_message("vietnam_doctors_day", "vi", 1955, station, OK)


def test_render_refuses_broken_content():
    with pytest.raises(ContentError):
        render_message("world_tb_day", "vi", 2026, read_station(BROKEN / "station.yaml"), BROKEN)


def test_a_yaml_typo_other_checkers_read_is_reported_once_not_raised(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(OK, content)
    (content / "station.yaml").write_text('name: "Trạm"\nhours: [7h–17h\n', encoding="utf-8")
    problems = check_all(content)
    assert [(p.file.name, p.message.startswith("YAML:")) for p in problems] == [
        ("station.yaml", True)
    ]


@pytest.mark.parametrize(
    ("written", "mistake", "problem"),
    [
        ("topics: [chung]\n    source: \"IAPB\"", "topics: [chung\n    source: \"IAPB\"", ":20: YAML: dấu '['"),
        ("    priority: high\n", "    priority: high\n    priority: normal\n", ":7: YAML: khóa 'priority' bị lặp"),
    ],
)  # fmt: skip
def test_one_yaml_mistake_in_the_calendar_is_one_problem(tmp_path, written, mistake, problem):
    """Not one more for each message file whose observance then "does not exist"."""
    content = tmp_path / "content"
    shutil.copytree(OK, content)
    calendar = content / "observances.yaml"
    calendar.write_text(calendar.read_text(encoding="utf-8").replace(written, mistake), "utf-8")
    problems = [str(p) for p in check_all(content)]
    assert len(problems) == 1 and problems[0].startswith(f"{calendar}{problem}"), problems


@pytest.mark.parametrize(
    ("text", "line", "vietnamese"),
    [
        ("a:\n  b: 1\n c: 2\n", 3, "thụt lề sai"),
        ("a: b: c\n", 1, "dấu ':' không đúng chỗ"),
        ("a:\n\tb: 1\n", 2, "có dấu tab"),
        ('a: "mở\nb: 1\n\n', 1, "dấu ngoặc kép mở ở đây chưa được đóng"),
        ('a: "mở\nb: "x"\n', 1, "dấu ngoặc kép mở ở đây chưa được đóng"),
        ('areas:\n  - "Tổ 1\n  - "Tổ 2"\n', 2, "dấu ngoặc kép mở ở đây chưa được đóng"),
        ('a: "mở\n# ghi chú\nb: 1\nc: "x"\n', 1, "dấu ngoặc kép mở ở đây chưa được đóng"),
        ("a: {x: 1\n", 1, "dấu '{' chưa đóng"),
        ("a: 1\nb\nc: 2\n", 3, "thiếu dấu ':'"),
        ("a: 2026-02-30\n", 1, "giá trị không đọc được"),
        ("a: !!int x\n", 1, "giá trị không đọc được"),
        ("? [a, b]\n: 1\n", 1, "khóa phải là chữ hoặc số"),
        ("a: 1\nb: x\x01\n", 2, "tệp có ký tự điều khiển"),
    ],
)
def test_yaml_mistakes_are_explained_in_vietnamese_with_their_line(text, line, vietnamese):
    with pytest.raises(ContentError) as raised:
        loads_yaml(text, Path("x.yaml"))
    [problem] = raised.value.problems
    assert (problem.line, problem.message.startswith(f"YAML: {vietnamese}")) == (line, True)


def test_a_file_that_is_not_utf8_is_named_with_its_line(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(OK, content)
    calendar = content / "observances.yaml"
    calendar.write_bytes(calendar.read_bytes() + b"# \xff\n")
    lines = calendar.read_bytes().count(b"\n")
    [problem] = check_all(content)
    assert (problem.file, problem.line) == (calendar, lines)
    assert "không phải UTF-8" in problem.message


def test_run_refuses_to_start_on_broken_content(monkeypatch, capsys):
    two_problems = check_all(BROKEN)[:2]
    monkeypatch.setattr(content_check, "CHECKERS", [lambda _dir: two_problems])

    async def started(_settings):
        raise AssertionError("the bot started on broken content")

    monkeypatch.setattr(bot.app, "serve", started)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "station.yaml:2: thiếu 'phone'" in err
    assert "nội dung có 2 lỗi" in err


def test_only_years_not_yet_passed_are_stale():
    today = date(2026, 12, 6)
    text = "Ngày Thầy thuốc 27/02/1955.\nLuật có hiệu lực từ 1/7/2025.\nKhám từ tháng 5/2026, năm 2027."
    found = unpassed_years(text, today)
    assert [(line, message.split()[1]) for line, message in found] == [(2, "2026"), (2, "2027")]
    assert unpassed_years("Tổng đài 1800 6606, 20260 lượt", today) == []


def test_content_check_names_this_years_dates_in_an_answer_and_a_message(tmp_path):
    """'Năm 2026' and 'từ tháng 5/2026', written in 2026, are wrong next January."""
    year = date.today().year
    content = tmp_path / "content"
    shutil.copytree(OK, content)
    faq = content / "faq" / "vi.yaml"
    faq.write_text(
        faq.read_text(encoding="utf-8").replace(
            "    Danh sách do tổ dân phố rà soát.",
            f"    Năm {year} phường khám từ tháng 5/{year}.\n    Danh sách do tổ dân phố rà soát.",
            1,
        ),
        encoding="utf-8",
    )
    message = content / "messages" / "vi" / "world_sight_day.md"
    message.write_text(
        message.read_text(encoding="utf-8") + f"\nKhám mắt miễn phí từ tháng 5/{year}.\n",
        encoding="utf-8",
    )
    found = [
        (p.file.relative_to(content).as_posix(), p.line, p.message) for p in check_all(content)
    ]
    stale = f"năm {year} viết cứng sẽ lỗi thời"
    faq_line = next(
        n
        for n, line in enumerate(faq.read_text(encoding="utf-8").splitlines(), 1)
        if "Năm " in line
    )
    message_line = len(message.read_text(encoding="utf-8").splitlines())
    assert {(f, n) for f, n, m in found if stale in m} == {
        ("faq/vi.yaml", faq_line),
        ("messages/vi/world_sight_day.md", message_line),
    }
    assert len(found) == 2


def test_the_content_library_imports_nothing_of_the_bot():
    """content/ is data and its loaders: the bot builds on it, never the other way round."""
    code = (
        "import sys, content.check; "
        "print(sorted(m for m in sys.modules if m == 'bot' or m.startswith('bot.')))"
    )
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
