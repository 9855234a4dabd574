"""Staff export: one printable sheet per tổ dân phố, read back with openpyxl."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.models.core import AuditLog
from bot.models.screening import Registration
from bot.screening.attendance_file import attend_from_file
from bot.screening.export import HEADER, export_registrations
from bot.screening.sessions import ScreeningError
from bot.xlsx import save_workbook
from tests.screening_rows import add_registration, add_session_row

TODAY = date(2026, 11, 24)


@pytest.fixture
async def registrations(database):
    """Current round: a past session (Tổ 1, Tổ 2) and a coming one (Tổ 3); an archived round."""
    async with database.sessions() as session:
        past = await add_session_row(session, date(2026, 11, 20), ["Tổ 1", "Tổ 2"])
        coming = await add_session_row(session, date(2026, 11, 28), ["Tổ 3"], place="Trạm y tế")
        old = await add_session_row(
            session, date(2026, 6, 10), ["Tổ 1"], round_label="2026-06", archived=True
        )
        await add_registration(
            session, past, "K1", "Tổ 1", ["nguoi_cao_tuoi"], status="attended",
            full_name="Nguyễn Văn An", phone="0912345678", referral="Huyết áp cao — chuyển TTYT",
        )  # fmt: skip
        await add_registration(session, past, "K2", "Tổ 1", ["ho_ngheo"], full_name="Bùi Văn Bảo")
        await add_registration(
            session, past, "K3", "Tổ 2", ["nguoi_khuyet_tat"], full_name=None, phone=None
        )
        await add_registration(session, past, "K4", "Tổ 2", ["nguoi_cao_tuoi"], status="cancelled")
        await add_registration(session, coming, "K5", "Tổ 3", ["nguoi_neo_don"], full_name="Lê Cúc")
        await add_registration(
            session, old, "K6", "Tổ 1", ["nguoi_cao_tuoi"], status="attended", full_name="Cũ"
        )


async def _export(database, tmp_path, **options):
    async with database.sessions() as session:
        book = await export_registrations(session, today=TODAY, actor="lan", **options)
    path = tmp_path / "out.xlsx"
    save_workbook(book, path)
    return load_workbook(path)


def _rows(sheet) -> list[dict[str, object]]:
    header = [cell.value for cell in sheet[2]]
    return [
        dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=3, values_only=True)
    ]


async def test_current_round_one_sheet_per_area(database, registrations, tmp_path):
    book = await _export(database, tmp_path)
    assert book.sheetnames == ["Tổ 1", "Tổ 2", "Tổ 3"]
    first = book["Tổ 1"]
    assert tuple(cell.value for cell in first[2]) == HEADER
    rows = _rows(first)
    assert [(r["Mã"], r["Họ và tên"], r["Trạng thái"]) for r in rows] == [
        ("K2", "Bùi Văn Bảo", "Vắng"),  # registered for a past session: a no-show
        ("K1", "Nguyễn Văn An", "Đã khám"),
    ]
    assert rows[1]["Số điện thoại"] == "0912345678"
    assert rows[1]["Chuyển tuyến"] == "Huyết áp cao — chuyển TTYT"
    assert rows[1]["Đối tượng"] == "Người cao tuổi"
    assert rows[1]["Buổi khám"] == "20/11/2026 07:30"
    assert "1 đã khám, 1 vắng" in first["A1"].value
    # cancelled rows are left out; erased personal data stays erased
    assert [(r["Mã"], r["Họ và tên"]) for r in _rows(book["Tổ 2"])] == [
        ("K3", "(đã xóa theo yêu cầu)")
    ]
    assert [r["Trạng thái"] for r in _rows(book["Tổ 3"])] == ["Đã đăng ký"]


async def test_sheets_are_printable(database, registrations, tmp_path):
    sheet = (await _export(database, tmp_path))["Tổ 1"]
    assert sheet.freeze_panes == "A3"
    assert sheet.print_title_rows == "$1:$2"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet["A2"].font.bold
    name_width = sheet.column_dimensions["C"].width
    assert name_width >= len("Nguyễn Văn An") and name_width <= 60


async def test_round_and_area_filters(database, registrations, tmp_path):
    old = await _export(database, tmp_path, round_label="2026-06")
    assert old.sheetnames == ["Tổ 1"] and [r["Mã"] for r in _rows(old["Tổ 1"])] == ["K6"]
    only = await _export(database, tmp_path, areas=["Tổ 2"])
    assert only.sheetnames == ["Tổ 2"]
    async with database.sessions() as session:
        with pytest.raises(ScreeningError, match="không có buổi khám nào trong đợt '2025-01'"):
            await export_registrations(session, today=TODAY, actor="lan", round_label="2025-01")


async def test_every_export_is_audited_without_personal_data(database, registrations, tmp_path):
    await _export(database, tmp_path)
    await _export(database, tmp_path, areas=["Tổ 3"])
    async with database.sessions() as session:
        audit = list(
            await session.scalars(select(AuditLog).where(AuditLog.action == "screening.export"))
        )
    assert [row.actor for row in audit] == ["lan", "lan"]
    assert "4 dòng" in audit[0].detail and "Tổ 3" in audit[1].detail
    for row in audit:
        assert "Nguyễn" not in row.detail and "0912" not in row.detail


def test_cli_export(cli, tmp_path):
    day = date.today() + timedelta(days=7)
    cli(
        "screening", "session", "add", "--date", day.isoformat(), "--time", "8:00",
        "--place", "Trạm y tế", "--to", "Tổ 3,Tổ 4", "--capacity", "20",
    )  # fmt: skip
    output = tmp_path / "ds" / "to3.xlsx"
    code, out, err = cli("screening", "export", "--to", "to 3", "-o", str(output), "--as", "lan")
    assert code == 0, err
    assert "Tổ 3" in out and load_workbook(output).sheetnames == ["Tổ 3"]
    code, _, err = cli("screening", "export", "--round", "2019-01", "-o", str(output))
    assert code == 2 and "không có buổi khám" in err


@pytest.mark.parametrize(
    ("output", "complaint"),
    [
        ("/proc/x.xlsx", "không ghi được tệp '/proc/x.xlsx'"),
        (".", "là một thư mục"),
        ("ds.csv", "phải có đuôi .xlsx"),
    ],
)
async def test_cli_export_to_an_unwritable_path_is_one_line_and_not_audited(
    cli, database, registrations, output, complaint
):
    code, out, err = cli("screening", "export", "-o", output)
    assert code == 2 and complaint in err and err.count("\n") == 1 and out == ""
    async with database.sessions() as session:
        audited = await session.scalar(
            select(AuditLog).where(AuditLog.action == "screening.export")
        )
    assert audited is None


async def test_a_file_that_cannot_be_saved_after_the_check_is_not_audited(
    database, registrations, tmp_path
):
    def refuse(_book) -> None:
        raise OSError(28, "No space left on device")

    async with database.sessions() as session:
        with pytest.raises(OSError):
            await export_registrations(session, today=TODAY, actor="lan", save=refuse)
    async with database.sessions() as session:
        assert (
            await session.scalar(select(AuditLog).where(AuditLog.action == "screening.export"))
            is None
        )


def test_cli_report_to_a_directory_is_one_line(cli, tmp_path):
    code, _, err = cli("screening", "report", "--month", "2026-11", "-o", str(tmp_path))
    assert code == 2 and "là một thư mục" in err and err.count("\n") == 1


async def _statuses(database) -> dict[str, str]:
    async with database.sessions() as session:
        return {r.code: r.status for r in await session.scalars(select(Registration))}


async def _attend_file(database, name: str, data: bytes):
    async with database.sessions() as session:
        return await attend_from_file(session, name, data, today=TODAY, actor="lan")


def _sign(book, marks: dict[str, list[str]]) -> bytes:
    """Type an x in 'Ký nhận' for these codes, sheet by sheet, as the ward office would."""
    for title, codes in marks.items():
        sheet = book[title]
        header = [cell.value for cell in sheet[2]]
        for row in sheet.iter_rows(min_row=3):
            if row[header.index("Mã")].value in codes:
                row[header.index("Ký nhận")].value = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_the_signed_export_marks_attendance(database, registrations, tmp_path):
    book = await _export(database, tmp_path)
    report = await _attend_file(
        database, "ky-nhan.xlsx", _sign(book, {"Tổ 1": ["K2"], "Tổ 2": ["K3"]})
    )
    assert report.problems == [] and sorted(report.marked) == ["K2", "K3"]
    statuses = await _statuses(database)
    assert statuses["K2"] == statuses["K3"] == "attended"  # K2 was an automatic no-show
    assert statuses["K5"] == "registered"  # listed, but nobody marked it


async def test_one_bad_row_in_the_file_marks_nobody(database, registrations, tmp_path):
    book = await _export(database, tmp_path)
    signed = _sign(book, {"Tổ 1": ["K2"], "Tổ 3": ["K5"]})
    report = await _attend_file(database, "ky-nhan.xlsx", signed)
    assert report.marked == []
    assert report.problems == [
        "trang 'Tổ 3', dòng 3: buổi khám của mã K5 (28/11/2026) chưa diễn ra"
    ]
    assert (await _statuses(database))["K2"] == "no_show"


async def test_a_plain_list_of_codes_marks_every_code(database, registrations):
    report = await _attend_file(database, "ma.csv", "Mã\nk2\nK3\n".encode())
    assert sorted(report.marked) == ["K2", "K3"]
    report = await _attend_file(database, "ma.csv", "Mã\nK2\nZZ9\n".encode())
    assert report.problems == ["dòng 3: không có mã đăng ký 'ZZ9'"]
    with pytest.raises(ScreeningError, match="không thấy cột 'Mã'"):
        await _attend_file(database, "ma.csv", "Tên\nAn\n".encode())


def test_cli_attend_is_all_or_nothing(cli, tmp_path):
    day = date.today() - timedelta(days=1)
    cli(
        "screening", "session", "add", "--date", day.isoformat(), "--time", "8:00",
        "--place", "Trạm y tế", "--to", "Tổ 3", "--capacity", "20",
    )  # fmt: skip
    code, _, err = cli("screening", "attend", "NOPE1", "NOPE2")
    assert code == 2 and "không có mã đăng ký 'NOPE1'" in err
    listed = tmp_path / "ma.csv"
    listed.write_text("Mã\nNOPE1\n", encoding="utf-8")
    code, out, err = cli("screening", "attend", "--file", str(listed))
    assert code == 2 and "dòng 2: không có mã đăng ký 'NOPE1'" in out and "không ghi nhận" in err
    code, _, err = cli("screening", "attend", "X1", "--file", str(listed))
    assert code == 2 and "không cả hai" in err
