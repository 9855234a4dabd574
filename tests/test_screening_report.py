"""Attendance, no-shows, referrals, and the monthly report checked against a known month."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from openpyxl import load_workbook
from sqlalchemy import select

from bot.models.core import AuditLog
from bot.models.screening import EligibleResident, Registration
from bot.screening.attendance import add_referral, mark_attended, mark_no_shows
from bot.screening.monthly import Line, monthly_report, parse_month, report_workbook
from bot.screening.people import identity
from bot.screening.sessions import ScreeningError
from bot.xlsx import save_workbook
from tests.screening_rows import add_registration, add_session_row

FIXTURE = Path(__file__).parent / "data" / "screening" / "month_2026_11.yaml"
TODAY = date(2026, 11, 24)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
async def known_month(database):
    spec = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    async with database.sessions() as session:
        sessions = {
            name: await add_session_row(session, s["day"], s["areas"], round_label=s["round"])
            for name, s in spec["sessions"].items()
        }
        listed = {}
        for key, e in spec["eligible"].items():
            imported = e.get("imported_at", date(2026, 11, 1))
            listed[key] = EligibleResident(
                full_name=f"Người {key}",
                birth_year=1950,
                groups=e["groups"],
                area=e["area"],
                identity=identity(f"Người {key}", 1950, e["area"]),
                imported_at=datetime.combine(imported, datetime.min.time(), UTC),
            )
            session.add(listed[key])
        await session.commit()
        for r in spec["registrations"]:
            await add_registration(
                session, sessions[r["session"]], r["code"], r["area"], r["groups"],
                status=r["status"], referral=r.get("referral"), full_name=f"Người {r['code']}",
                eligible_id=listed[r["listed"]].id if "listed" in r else None,
            )  # fmt: skip


async def _november(database):
    async with database.sessions() as session:
        return await monthly_report(
            session, parse_month("2026-11"), today=TODAY, tz=TZ, actor="lan"
        )


async def test_report_numbers_match_the_known_month(database, known_month):
    report = await _november(database)
    assert report.sessions == 2
    # listed, registered, attended, no-show (the month); attended, listed attended (the year)
    assert report.total == Line("Tổng", 8, 5, 3, 1, 4, 3)
    assert report.total.coverage == 37.5  # an, cường, em of 8 listed; not the walk-in B5
    by_area = {line.label: line for line in report.by_area}
    assert by_area["Tổ 1"] == Line("Tổ 1", 4, 1, 1, 0, 2, 2)
    assert by_area["Tổ 2"] == Line("Tổ 2", 2, 3, 2, 1, 2, 1)
    assert by_area["Tổ 2"].coverage == 50.0  # two examined, one of them on the list
    assert by_area["Tổ 3"] == Line("Tổ 3", 2, 1, 0, 0, 0, 0)
    assert by_area["Tổ 4"] == Line("Tổ 4") and by_area["Tổ 4"].coverage is None
    assert [line.label for line in report.by_area][:3] == ["Tổ 1", "Tổ 2", "Tổ 3"]
    by_group = {line.label: line for line in report.by_group}
    assert by_group["Người cao tuổi"] == Line("Người cao tuổi", 4, 3, 2, 1, 3, 2)
    assert by_group["Người cao tuổi"].coverage == 50.0
    assert by_group["Hộ nghèo"] == Line("Hộ nghèo", 2, 1, 1, 0, 1, 1)
    assert by_group["Người khuyết tật"].coverage == 100.0
    assert by_group["Người neo đơn"] == Line("Người neo đơn", 2, 1, 0, 0, 0, 0)
    assert [(r.code, r.area, r.day) for r in report.referrals] == [
        ("B1", "Tổ 1", date(2026, 11, 10))
    ]
    assert report.referrals[0].groups == "Người cao tuổi, Hộ nghèo"


async def test_report_workbook_has_no_names_or_phones(database, known_month, tmp_path):
    report = await _november(database)
    path = tmp_path / "report.xlsx"
    save_workbook(report_workbook(report), path)
    book = load_workbook(path)
    assert book.sheetnames == ["Tổng hợp", "Theo đối tượng", "Theo tổ dân phố", "Chuyển tuyến"]
    summary = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(min_row=3, values_only=True)}
    assert summary["Tỷ lệ bao phủ từ đầu năm (%)"] == 37.5
    assert summary["Đã khám trong tháng"] == 3
    areas = list(book["Theo tổ dân phố"].iter_rows(min_row=3, values_only=True))
    assert areas[0] == ("Tổ 1", 4, 1, 1, 0, 2, 2, 50)
    assert areas[-1][0] == "Tổng"
    cells = " ".join(
        str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row
    )
    assert "Người B1" not in cells and "0912345678" not in cells


async def test_report_is_audited(database, known_month):
    await _november(database)
    async with database.sessions() as session:
        audit = await session.scalar(select(AuditLog).where(AuditLog.action == "screening.report"))
    assert audit.actor == "lan" and audit.detail == "Tháng 11/2026"


@pytest.mark.parametrize("text", ["2026", "2026-H1", "13/2026", "2026-13"])
def test_only_a_month_is_accepted(text):
    with pytest.raises(ScreeningError):
        parse_month(text)


def test_a_month_as_the_report_writes_it_is_accepted():
    assert parse_month("11/2026") == parse_month("2026-11")


async def test_cli_report_prints_a_summary_and_writes_xlsx(cli, known_month, tmp_path):
    output = tmp_path / "bao-cao.xlsx"
    code, out, err = cli("screening", "report", "--month", "2026-11", "-o", str(output))
    assert code == 0, err
    assert "Tháng 11/2026" in out and "Đã khám trong tháng: 3" in out
    assert "Tỷ lệ bao phủ từ đầu năm (%): 37.5" in out
    assert "Tổ 1" in out and "Người cao tuổi" in out and output.exists()
    code, _, err = cli("screening", "report", "--month", "tháng 11")
    assert code == 2 and "2026-11" in err


async def _status(database, code: str) -> Registration:
    async with database.sessions() as session:
        return await session.scalar(select(Registration).where(Registration.code == code))


async def test_attendance_no_shows_and_referrals(database, known_month):
    async with database.sessions() as session:
        assert await mark_no_shows(session, today=TODAY) == 1
        # B3 was marked a no-show, then turns up on the list of those examined after all
        b3 = await mark_attended(session, " b3 ", today=TODAY, actor="lan")
        assert b3.status == "attended"
        with pytest.raises(ScreeningError, match="chưa diễn ra"):
            await mark_attended(session, "C1", today=TODAY, actor="lan")
        with pytest.raises(ScreeningError, match="đã bị hủy"):
            await mark_attended(session, "B4", today=TODAY, actor="lan")
        with pytest.raises(ScreeningError, match="không có mã đăng ký 'XX99'"):
            await mark_attended(session, "XX99", today=TODAY, actor="lan")
        with pytest.raises(ScreeningError, match="chưa được ghi nhận đã khám"):
            await add_referral(session, "C1", "Chuyển khám mắt", actor="lan")
        with pytest.raises(ScreeningError, match="ghi chú"):
            await add_referral(session, "B3", "   ", actor="lan")
        await add_referral(session, "B3", "Chuyển khám mắt", actor="lan")
        assert await mark_no_shows(session, today=TODAY) == 0
    assert (await _status(database, "B3")).referral == "Chuyển khám mắt"
    assert (await _status(database, "C1")).status == "registered"
    report = await _november(database)
    assert (report.total.attended, report.total.no_show, len(report.referrals)) == (4, 0, 2)
    assert report.total.coverage == 50.0  # B3 (giang, on the list) came after all


async def test_cli_attend_and_referral(cli, database, tmp_path):
    async with database.sessions() as session:
        held = await add_session_row(session, date(2026, 1, 5), ["Tổ 5"])
        await add_registration(session, held, "QW12", "Tổ 5", ["nguoi_cao_tuoi"])
        await add_registration(session, held, "QW13", "Tổ 5", ["nguoi_cao_tuoi"])
    code, out, err = cli("screening", "attend", "qw12", "QW13", "--as", "lan")
    assert code == 0, err
    assert "Mã QW12: đã khám" in out and "Mã QW13: đã khám" in out
    code, out, _ = cli("screening", "referral", "QW12", "--note", "Huyết áp cao")
    assert code == 0 and "QW12" in out
    code, _, err = cli("screening", "attend", "NOPE")
    assert code == 2 and "không có mã đăng ký 'NOPE'" in err
    assert (await _status(database, "QW12")).referral == "Huyết áp cao"
