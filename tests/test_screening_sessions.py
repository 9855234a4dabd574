"""Screening sessions: validated adding, seats left, the current round, archiving, and the CLI."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from bot.models.core import AuditLog
from bot.screening.sessions import (
    ScreeningError,
    add_session,
    archive_session,
    list_sessions,
    parse_areas,
    parse_day,
    parse_start,
)
from tests.screening_rows import add_session_row

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-05", date(2026, 12, 5)),
        ("05/12/2026", date(2026, 12, 5)),
        (" 5-12-2026 ", date(2026, 12, 5)),
    ],
)
def test_day_formats(text, expected):
    assert parse_day(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("7:30", time(7, 30)), ("07:05", time(7, 5)), ("7h30", time(7, 30)), ("14h", time(14, 0))],
)
def test_time_formats(text, expected):
    assert parse_start(text) == expected


@pytest.mark.parametrize(
    ("parse", "text", "complaint"),
    [
        (parse_day, "31/02/2026", "ngày '31/02/2026' không hợp lệ"),
        (parse_day, "mai", "không hợp lệ"),
        (parse_start, "25:00", "giờ '25:00' không hợp lệ"),
        (parse_start, "7:75", "không hợp lệ"),
        (parse_areas, "Tổ 1, Tổ 99", "không có tổ dân phố 'Tổ 99'"),
        (parse_areas, " , ", "cần ít nhất một tổ dân phố"),
    ],
)
def test_bad_input_is_named(parse, text, complaint):
    with pytest.raises(ScreeningError, match=complaint):
        parse(text)


def test_areas_are_matched_to_the_station_list():
    assert parse_areas("to 1, TDP 2,Tổ 1") == ["Tổ 1", "Tổ 2"]


async def _add(session, **changes):
    values = {
        "day": TODAY + timedelta(days=3),
        "start": time(7, 30),
        "place": "Nhà văn hóa tổ 1",
        "areas": ["Tổ 1", "Tổ 2"],
        "capacity": 40,
        "today": TODAY,
        "actor": "lan",
    } | changes
    return await add_session(session, **values)


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"day": TODAY - timedelta(days=1)}, "đã qua"),
        ({"place": "  "}, "địa điểm"),
        ({"capacity": 0}, "số chỗ"),
        ({"capacity": 5000}, "số chỗ"),
        ({"areas": ["Tổ 99"]}, "Tổ 99"),
        ({"areas": []}, "tổ dân phố"),
    ],
)
async def test_invalid_sessions_are_refused(database, changes, complaint):
    async with database.sessions() as session:
        with pytest.raises(ScreeningError, match=complaint):
            await _add(session, **changes)
        assert await list_sessions(session) == []


async def test_round_defaults_to_the_current_one(database):
    async with database.sessions() as session:
        first = await _add(session, day=date(2026, 12, 2))
        second = await _add(session, day=date(2027, 1, 6))
        named = await _add(session, round_label="Đợt 2/2026")
        assert first.round == second.round == "2026-12"
        assert named.round == "Đợt 2/2026"
        await archive_session(session, first.id, actor="lan")
        await archive_session(session, second.id, actor="lan")
        await archive_session(session, named.id, actor="lan")
        assert (await _add(session, day=date(2027, 2, 3))).round == "2027-02"
        actions = list(await session.scalars(select(AuditLog.action)))
        assert actions.count("screening.session_add") == 4
        assert actions.count("screening.session_archive") == 3


async def test_list_shows_seats_left_and_hides_archived(database):
    async with database.sessions() as session:
        later = await add_session_row(session, date(2026, 12, 3), ["Tổ 3"], capacity=10)
        earlier = await add_session_row(session, date(2026, 12, 1), ["Tổ 1"], capacity=5)
        old = await add_session_row(
            session, date(2026, 6, 1), ["Tổ 1"], round_label="2026-06", archived=True
        )
        later.seats_taken = 4
        earlier.seats_taken = 5
        await session.commit()
        current = await list_sessions(session)
        assert [(s.session.id, s.seats_left) for s in current] == [(earlier.id, 0), (later.id, 6)]
        everything = await list_sessions(session, include_archived=True)
        assert [s.session.id for s in everything] == [old.id, earlier.id, later.id]
        assert [s.session.id for s in await list_sessions(session, round_label="2026-06")] == [
            old.id
        ]


async def test_archiving_an_unknown_session_says_so(database):
    async with database.sessions() as session:
        with pytest.raises(ScreeningError, match="không có buổi khám số 42"):
            await archive_session(session, 42, actor="lan")


def test_cli_add_list_archive(cli):
    day = date.today() + timedelta(days=10)
    code, out, err = cli(
        "screening", "session", "add", "--date", f"{day:%d/%m/%Y}", "--time", "7h30",
        "--place", "Nhà văn hóa tổ 1", "--to", "to 1,Tổ 2", "--capacity", "25", "--as", "lan",
    )  # fmt: skip
    assert code == 0, err
    assert "số 1" in out and "Tổ 1, Tổ 2" in out and "25 chỗ" in out
    code, out, _ = cli("screening", "session", "list")
    assert code == 0 and f"{day:%d/%m/%Y} 07:30" in out and "25/25" in out
    assert cli("screening", "session", "archive", "1")[0] == 0
    assert "Chưa có buổi khám" in cli("screening", "session", "list")[1]
    assert "đã lưu trữ" in cli("screening", "session", "list", "--all")[1]


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (("--date", "2020-01-01", "--to", "Tổ 1"), "đã qua"),
        (("--date", "2099-01-01", "--to", "Tổ 42"), "không có tổ dân phố 'Tổ 42'"),
        (("--date", "hôm nay", "--to", "Tổ 1"), "ngày 'hôm nay' không hợp lệ"),
    ],
)
def test_cli_mistakes_are_one_clear_line(cli, argv, complaint):
    code, _, err = cli(
        "screening", "session", "add", "--time", "8:00", "--place", "Trạm", "--capacity", "5",
        *argv,
    )  # fmt: skip
    assert code == 2 and complaint in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (("report",), "thiếu tham số: --month"),
        (("session", "add", "--date", "2099-01-01", "--time", "8:00", "--place", "Trạm",
          "--to", "Tổ 1", "--capacity", "nhiều"), "tham số --capacity: 'nhiều' không phải số nguyên"),
        (("session", "archive"), "thiếu tham số: SỐ"),
    ],
)  # fmt: skip
def test_cli_usage_mistakes_are_told_in_vietnamese(cli, capsys, argv, complaint):
    with pytest.raises(SystemExit) as exited:
        cli("screening", *argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2 and f"lỗi: {complaint}" in err and "error" not in err
