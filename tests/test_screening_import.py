"""Importing eligible-resident lists (CSV, XLSX): row checks, duplicates, all-or-nothing;
then inviting listed residents who are subscribers through the outbox."""

from __future__ import annotations

import io
import unicodedata
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.utils.datetime import from_excel
from sqlalchemy import func, select

from bot.models.core import AuditLog, Subscriber
from bot.models.outbox import OutboxMessage
from bot.models.screening import EligibleResident
from bot.screening.invites import invite_listed_subscribers
from bot.screening.lists import ListFileError, RowNote, import_list
from bot.screening.reminders import STATION_TZ
from bot.screening.sessions import ScreeningError
from tests.screening_rows import add_registration, add_session_row

DATA = Path(__file__).parent / "data" / "screening"
TODAY = date(2026, 11, 24)
NOW = datetime.now(STATION_TZ)  # for invitations, which look at the real sessions ahead


async def _import(session, name, data=None, **options):
    data = (DATA / name).read_bytes() if data is None else data
    return await import_list(session, name, data, today=TODAY, actor="lan", **options)


async def _listed(session) -> dict[str, EligibleResident]:
    return {r.full_name: r for r in await session.scalars(select(EligibleResident))}


async def test_good_csv_is_stored_in_normal_form(database):
    async with database.sessions() as session:
        report = await _import(session, "good.csv")
        assert (report.accepted, report.duplicates, report.rejected, report.written) == (
            4, [], [], True,
        )  # fmt: skip
        rows = await _listed(session)
    assert {name: (r.area, r.groups, r.phone) for name, r in rows.items()} == {
        "Nguyễn Văn An": ("Tổ 1", ["nguoi_cao_tuoi"], "0912345678"),
        "Trần Thị Bình": ("Tổ 1", ["ho_ngheo", "nguoi_khuyet_tat"], None),
        "Lê Văn Cường": ("Tổ 2", ["tre_em_hoan_canh_dac_biet"], "0987654321"),
        "Phạm Thị Dung": ("Tổ 3", ["nguoi_neo_don", "nguoi_co_cong"], "0903111222"),
    }
    assert rows["Nguyễn Văn An"].source == "good.csv"


async def test_good_xlsx_with_a_title_row_and_excel_numbers(database):
    book = Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH ĐỐI TƯỢNG KHÁM SÀNG LỌC — TỔ 6"])
    sheet.append([])
    sheet.append(["STT", "Họ tên", "Năm sinh", "Nhóm đối tượng", "TDP", "SĐT"])
    sheet.append([1, "Trịnh Văn Nam", 1952, "Người cao tuổi, hộ cận nghèo", "Tổ 6", 912000111])
    sheet.append([2, "Lý Thị Oanh", 1949.0, "bao_tro_xa_hoi", "tổ 6", None])
    buffer = io.BytesIO()
    book.save(buffer)
    async with database.sessions() as session:
        report = await _import(session, "to6.xlsx", buffer.getvalue())
        assert report.accepted == 2 and report.written
        rows = await _listed(session)
    assert rows["Trịnh Văn Nam"].phone == "0912000111"
    assert rows["Trịnh Văn Nam"].groups == ["nguoi_cao_tuoi", "ho_can_ngheo"]
    assert (rows["Lý Thị Oanh"].birth_year, rows["Lý Thị Oanh"].area) == (1949, "Tổ 6")


async def test_the_abbreviations_ward_lists_use_for_groups_are_read(database):
    data = (
        "Họ và tên,Năm sinh,Đối tượng,Tổ dân phố\n"
        "Vũ Văn Giang,1950,NCT; HCN,Tổ 5\n"
        "Bùi Thị Hạnh,1970,nkt,Tổ 5\n"
    ).encode()
    async with database.sessions() as session:
        report = await _import(session, "viet-tat.csv", data)
        assert report.rejected == [] and report.written
        rows = await _listed(session)
    assert rows["Vũ Văn Giang"].groups == ["nguoi_cao_tuoi", "ho_can_ngheo"]
    assert rows["Bùi Thị Hạnh"].groups == ["nguoi_khuyet_tat"]


async def test_duplicates_within_the_file_and_against_earlier_lists(database):
    async with database.sessions() as session:
        await _import(session, "good.csv")
        report = await _import(session, "duplicates.csv")
        assert report.duplicates == [
            RowNote(4, "trùng với dòng 2"),
            RowNote(5, "đã có trong danh sách đã nhập trước"),
        ]
        assert report.accepted == 2 and report.written
        assert await session.scalar(select(func.count()).select_from(EligibleResident)) == 6
        again = await _import(session, "duplicates.csv")
        assert again.accepted == 0 and len(again.duplicates) == 4 and not again.written


async def test_one_bad_row_writes_nothing_and_every_reason_is_given(database):
    async with database.sessions() as session:
        report = await _import(session, "broken.csv")
        assert not report.written and report.accepted == 1
        reasons = {note.row: note.reason for note in report.rejected}
        assert sorted(reasons) == [3, 4, 5, 6, 7]
        assert "thiếu họ tên" in reasons[3]
        assert "năm sinh '19xx'" in reasons[4]
        assert "đối tượng không rõ: Người giàu có" in reasons[5]
        assert "tổ dân phố 'Tổ 99'" in reasons[6]
        assert "số máy bàn hoặc tổng đài, không phải số di động" in reasons[7]
        assert await session.scalar(select(func.count()).select_from(EligibleResident)) == 0
        assert await session.scalar(select(func.count()).select_from(AuditLog)) == 0


@pytest.mark.parametrize(
    ("name", "data", "complaint"),
    [
        ("missing_column.csv", None, "thiếu cột: Đối tượng"),
        ("rac.xlsx", b"this is not a workbook", "không mở được tệp Excel 'rac.xlsx'"),
        ("cu.xls", b"\xd0\xcf\x11\xe0", "không phải .xlsx hoặc .csv"),
        ("latin.csv", "Họ và tên,Năm sinh\n".encode("utf-16"), "không phải CSV UTF-8"),
        ("trong.csv", b"", "không tìm thấy dòng tiêu đề"),
        ("chi-tieu-de.csv", "Họ và tên,Năm sinh,Đối tượng,Tổ dân phố\n".encode(), "không có dòng"),
    ],
)
async def test_unusable_files_are_named_and_change_nothing(database, name, data, complaint):
    async with database.sessions() as session:
        with pytest.raises(ListFileError, match=complaint):
            await _import(session, name, data)
        assert await session.scalar(select(func.count()).select_from(EligibleResident)) == 0


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HEADER = ["Họ và tên", "Năm sinh", "Đối tượng", "Tổ dân phố", "Số điện thoại"]


async def test_every_sheet_of_a_workbook_is_read_and_named_in_the_notes(database):
    data = workbook(
        {
            "Tổ 7": [
                ["DANH SÁCH ĐỐI TƯỢNG"],
                HEADER,
                ["Vũ Văn Khải", 1945, "Người cao tuổi", "Tổ 7", 912345000],
                ["Vũ Thị Liên", 1950, "Hộ cận nghèo", "Tổ 7", None],
            ],
            "Tổ 8": [
                HEADER,
                ["Đinh Văn Nam", 1950, "Người cao tuổi", "Tổ 8", None],
                ["VŨ VĂN KHẢI", 1945, "Người cao tuổi", "Tổ 7", None],
            ],
            "Trống": [],
            "Hướng dẫn": [["Điền mỗi tổ một trang"]],
        }
    )
    async with database.sessions() as session:
        report = await _import(session, "phuong.xlsx", data)
        assert report.written and report.accepted == 3
        assert sorted(await _listed(session)) == ["Vũ Thị Liên", "Vũ Văn Khải", "Đinh Văn Nam"]
    assert [note.where for note in report.duplicates] == ["trang 'Tổ 8', dòng 3"]
    assert report.duplicates[0].reason == "trùng với trang 'Tổ 7', dòng 3"
    assert report.skipped_sheets == ["Hướng dẫn"]


async def test_a_sheet_missing_a_column_is_named_and_nothing_is_written(database):
    data = workbook(
        {
            "Tổ 7": [HEADER, ["Vũ Văn Khải", 1945, "Người cao tuổi", "Tổ 7"]],
            "Tổ 8": [["Họ và tên", "Năm sinh", "Tổ dân phố"], ["Đinh Văn Nam", 1950, "Tổ 8"]],
        }
    )
    async with database.sessions() as session:
        with pytest.raises(ListFileError, match="trang 'Tổ 8': thiếu cột: Đối tượng"):
            await _import(session, "phuong.xlsx", data)
        assert await _listed(session) == {}


async def test_birth_years_in_date_cells_and_names_follow_the_dialogue_rules(database):
    data = workbook(
        {
            "Tổ 7": [
                HEADER,
                # 1950 typed into a date-formatted cell: Excel shows 03/05/1905
                ["Vũ Văn Khải", from_excel(1950), "Người cao tuổi", "Tổ 7"],
                ["Vũ Thị Liên", datetime(1960, 1, 1), "Hộ nghèo", "Tổ 7"],
                [unicodedata.normalize("NFD", "Đỗ Thị Ngọc"), 1948, "Hộ nghèo", "Tổ 7"],
            ]
        }
    )
    async with database.sessions() as session:
        report = await _import(session, "to7.xlsx", data)
        assert report.written
        listed = await _listed(session)
    years = {name: row.birth_year for name, row in listed.items()}
    assert years == {"Vũ Văn Khải": 1950, "Vũ Thị Liên": 1960, "Đỗ Thị Ngọc": 1948}
    async with database.sessions() as session:
        bad = await _import(session, "x.csv", csv_list("Lê Văn Tư (con),1950,Hộ nghèo,Tổ 7"))
    assert "họ tên chỉ gồm chữ cái" in bad.rejected[0].reason


def csv_list(*rows: str) -> bytes:
    return "\n".join(["Họ và tên,Năm sinh,Đối tượng,Tổ dân phố", *rows, ""]).encode()


async def import_after(database, earlier: bytes, data: bytes):
    """Import `earlier`, then `data`: the second report, and who is listed by then."""
    async with database.sessions() as session:
        await _import(session, "a.csv", earlier)
        report = await _import(session, "b.csv", data)
        return report, await _listed(session)


async def test_a_repeat_row_adds_its_groups_instead_of_dropping_them(database):
    report, listed = await import_after(
        database,
        csv_list("Hoàng Văn Em,1950,Người cao tuổi,Tổ 4"),
        csv_list(
            "Đỗ Thị Phượng,1962,Hộ cận nghèo,Tổ 4",
            "Đỗ Thị Phượng,1962,Người khuyết tật,Tổ 4",
            "Hoàng Văn Em,1950,Người cao tuổi; Hộ nghèo,Tổ 4",
        ),
    )
    assert listed["Đỗ Thị Phượng"].groups == ["ho_can_ngheo", "nguoi_khuyet_tat"]
    assert listed["Hoàng Văn Em"].groups == ["nguoi_cao_tuoi", "ho_ngheo"]
    assert [(n.row, n.reason) for n in report.duplicates] == [
        (3, "trùng với dòng 2; thêm đối tượng: Người khuyết tật"),
        (4, "đã có trong danh sách đã nhập trước; thêm đối tượng: Hộ nghèo"),
    ]
    assert (report.accepted, report.completed, report.written) == (1, 1, True)


async def test_a_namesake_in_another_area_is_imported_with_a_warning(database):
    report, _listed_now = await import_after(
        database,
        csv_list("Lê Văn Hùng,1960,Hộ nghèo,Tổ 1"),
        csv_list(
            "Lê Văn Hùng,1960,Hộ nghèo,Tổ 2",
            "Trần Văn Tú,1955,Hộ nghèo,Tổ 2",
            "Trần Văn Tú,1955,Hộ nghèo,Tổ 3",
        ),
    )
    assert report.accepted == 3 and report.written
    assert [(n.row, n.reason.split(":")[0]) for n in report.warnings] == [
        (2, "cùng họ tên và năm sinh với một người đã có trong danh sách Tổ 1"),
        (4, "cùng họ tên và năm sinh với dòng 3 (Tổ 2)"),
    ]


def test_cli_reports_rows_and_refuses_a_broken_file(cli):
    code, out, err = cli("screening", "import", str(DATA / "broken.csv"))
    assert code == 2 and "không nhập dòng nào: 5 dòng bị từ chối" in err
    assert "dòng 4: năm sinh '19xx' không hợp lệ" in out
    assert "dòng mới" not in out and "chưa nhập dòng nào (1 dòng hợp lệ" in out
    code, out, _ = cli("screening", "import", str(DATA / "good.csv"), "--check")
    assert code == 0 and "4 dòng mới" in out and "chưa ghi" in out
    code, out, _ = cli("screening", "import", str(DATA / "good.csv"))
    assert code == 0 and "Đã ghi 4 người" in out
    code, out, _ = cli("screening", "import", str(DATA / "duplicates.csv"))
    assert code == 0 and "dòng 5: đã có trong danh sách" in out
    code, _, err = cli("screening", "import", str(DATA / "khong-co.csv"))
    assert code == 2 and "không đọc được tệp" in err


async def _subscriber(session, chat_id: str, phone: str | None, language: str = "vi") -> Subscriber:
    row = Subscriber(channel="telegram", chat_id=chat_id, phone=phone, language=language)
    session.add(row)
    await session.commit()
    return row


async def _outbox(session) -> dict[int, str]:
    return {
        row.subscriber_id: row.text or ""
        for row in await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    }


async def test_invites_reach_listed_subscribers_once(database):
    today = NOW.date()
    async with database.sessions() as session:
        await add_session_row(
            session, today + timedelta(days=5), ["Tổ 1"], place="Nhà văn hóa tổ 1"
        )
        await add_session_row(session, today + timedelta(days=6), ["Tổ 3"], place="Trạm y tế")
        # started at midnight today: too late to invite anyone to
        await add_session_row(session, today, ["Tổ 1"], place="Đã bắt đầu", start=time(0))
        await _import(session, "good.csv")
        an = await _subscriber(session, "1", "0912345678")
        dung = await _subscriber(session, "2", "0903111222", language="en")
        await _subscriber(session, "3", "0999999999")  # not on any list
        result = await invite_listed_subscribers(session, now=NOW, actor="lan")
        assert (result.invited, result.skipped_already_invited) == (2, 0)
        texts = await _outbox(session)
        assert set(texts) == {an.id, dung.id}
        assert "Nhà văn hóa tổ 1" in texts[an.id] and "Trạm y tế" not in texts[an.id]
        assert "Đã bắt đầu" not in texts[an.id]
        assert "/dangky" in texts[an.id] and "Nguyễn" not in texts[an.id]
        assert "Trạm y tế" in texts[dung.id] and "invites" in texts[dung.id]
        again = await invite_listed_subscribers(session, now=NOW, actor="lan")
        assert (again.invited, again.skipped_already_invited) == (0, 2)
        assert len(await _outbox(session)) == 2
        audit = list(
            await session.scalars(select(AuditLog).where(AuditLog.action == "screening.invite"))
        )
        assert len(audit) == 2 and all("09" not in row.detail for row in audit)


async def test_invites_skip_people_already_registered_and_need_an_open_session(database):
    today = NOW.date()
    async with database.sessions() as session:
        with pytest.raises(ScreeningError, match="không còn buổi khám"):
            await invite_listed_subscribers(session, now=NOW, actor="lan")
        held = await add_session_row(session, today + timedelta(days=5), ["Tổ 1", "Tổ 2"])
        await _import(session, "good.csv")
        await _subscriber(session, "1", "0912345678")
        cuong = await _subscriber(session, "2", "0987654321")
        await add_registration(
            session, held, "AB12", "Tổ 1", ["nguoi_cao_tuoi"], phone="0912345678"
        )
        result = await invite_listed_subscribers(session, now=NOW, actor="lan")
        assert result.invited == 1 and set(await _outbox(session)) == {cuong.id}
