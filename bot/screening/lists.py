"""Import a tổ dân phố's list of residents eligible for free screening (CSV or XLSX).

Seed 004 asks for lists "without missing anyone or counting anyone twice", so every
row is checked (row numbers as the spreadsheet shows them) and a person already on a
list — same folded name, birth year and tổ dân phố — is reported as a duplicate, not
stored again. One rejected row, or a file that cannot be read, writes nothing: a ward
office fixes the file and imports it again, and never has to untangle half an import.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.areas import match_area
from bot.models.core import AuditLog
from bot.models.screening import EligibleResident
from bot.models.types import utcnow
from bot.screening.people import identity, normalize_phone
from bot.screening.sessions import ScreeningError
from bot.text import fold
from content.station import load_screening_groups, load_station

# Ward lists often carry a title or two above the header row.
HEADER_SEARCH_ROWS = 10
CHUNK = 500
MAX_NAME = 120
OLDEST_BIRTH_YEAR = 1900
# Folded header spellings → field; the Vietnamese name is what errors show.
COLUMNS: dict[str, tuple[str, set[str]]] = {
    "full_name": ("Họ và tên", {"ho va ten", "ho ten", "ten", "name", "full name"}),
    "birth_year": ("Năm sinh", {"nam sinh", "birth year", "year of birth"}),
    "groups": ("Đối tượng", {"doi tuong", "nhom doi tuong", "nhom", "group", "groups"}),
    "area": ("Tổ dân phố", {"to dan pho", "tdp", "to", "area"}),
    "phone": ("Số điện thoại", {"so dien thoai", "dien thoai", "sdt", "so dt", "phone"}),
}
REQUIRED = ("full_name", "birth_year", "groups", "area")
_GROUP_SEPARATORS = re.compile(r"[,;/+\n]+")


class ListFileError(ScreeningError):
    """The file as a whole cannot be used (unreadable, wrong format, missing columns)."""


@dataclass(frozen=True)
class RowNote:
    row: int
    reason: str


@dataclass
class ImportReport:
    source: str
    accepted: int = 0
    duplicates: list[RowNote] = field(default_factory=list)
    rejected: list[RowNote] = field(default_factory=list)
    written: bool = False


@dataclass(frozen=True)
class ListRow:
    row: int
    full_name: str
    birth_year: int
    groups: list[str]
    area: str
    phone: str | None
    identity: str


async def import_list(
    session: AsyncSession,
    name: str,
    data: bytes,
    *,
    today: date,
    actor: str,
    check_only: bool = False,
) -> ImportReport:
    """Validate the file `name` (its bytes) and, when no row is rejected, store the new rows."""
    report = ImportReport(source=Path(name).name)
    rows = _read_rows(name, data)
    accepted = _validate(rows, report, today)
    known = await _known_identities(session, [row.identity for row in accepted])
    new_rows = []
    for row in accepted:
        if row.identity in known:
            report.duplicates.append(RowNote(row.row, "đã có trong danh sách đã nhập trước"))
        else:
            new_rows.append(row)
    report.accepted = len(new_rows)
    report.duplicates.sort(key=lambda note: note.row)
    if report.rejected or check_only or not new_rows:
        return report
    await _store(session, new_rows, report, actor)
    return report


def _read_rows(name: str, data: bytes) -> Iterator[tuple[int, list[str]]]:
    for _title, rows in read_tables(name, data, every_sheet=False):
        yield from rows


def read_tables(
    name: str, data: bytes, *, every_sheet: bool = True
) -> Iterator[tuple[str, Iterator[tuple[int, list[str]]]]]:
    """(title, numbered rows) per table: a CSV file is one, a workbook one per sheet
    (or only the sheet Excel opens on)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        yield Path(name).name, _csv_rows(name, data)
    elif suffix in (".xlsx", ".xlsm"):
        yield from _xlsx_tables(name, data, every_sheet)
    else:
        raise ListFileError(
            f"tệp '{Path(name).name}' không phải .xlsx hoặc .csv; trong Excel chọn Lưu thành .xlsx"
        )


def _csv_rows(name: str, data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ListFileError(
            f"tệp '{Path(name).name}' không phải CSV UTF-8; trong Excel chọn Lưu thành 'CSV UTF-8'"
        ) from None
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], ",;\t")
    except csv.Error:
        dialect = csv.excel
    for number, cells in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        yield number, [cell.strip() for cell in cells]


def _xlsx_tables(
    name: str, data: bytes, every_sheet: bool
) -> Iterator[tuple[str, Iterator[tuple[int, list[str]]]]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ListFileError(f"không mở được tệp Excel '{Path(name).name}' (tệp hỏng?)") from None
    try:
        for sheet in book.worksheets if every_sheet else [book.active]:
            yield (
                sheet.title,
                (
                    (number, [_cell_text(value) for value in values])
                    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
                ),
            )
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    # Excel stores typed numbers as floats: 1950.0, and phones lose their leading zero.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _validate(
    rows: Iterator[tuple[int, list[str]]], report: ImportReport, today: date
) -> list[ListRow]:
    columns = _find_header(rows)
    matcher = _Matcher(list(load_station().areas))
    accepted: list[ListRow] = []
    first_seen: dict[str, int] = {}
    for number, cells in rows:
        values = {key: cells[index] if index < len(cells) else "" for key, index in columns.items()}
        # Ward templates come with numbered blank rows (only "STT" filled): not data.
        if not any(values.values()):
            continue
        row, problems = _check_row(number, values, matcher, today)
        if row is None:
            report.rejected.append(RowNote(number, "; ".join(problems)))
        elif row.identity in first_seen:
            report.duplicates.append(RowNote(number, f"trùng với dòng {first_seen[row.identity]}"))
        else:
            first_seen[row.identity] = number
            accepted.append(row)
    if not accepted and not report.rejected and not report.duplicates:
        raise ListFileError(f"tệp '{report.source}' không có dòng dữ liệu nào dưới dòng tiêu đề")
    return accepted


def _find_header(rows: Iterator[tuple[int, list[str]]]) -> dict[str, int]:
    """Consume rows up to the header; the column index of each known field."""
    for number, cells in rows:
        columns: dict[str, int] = {}
        for index, cell in enumerate(cells):
            key = next((k for k, (_, names) in COLUMNS.items() if fold(cell) in names), None)
            if key is not None and key not in columns:
                columns[key] = index
        if "full_name" in columns and len(columns) >= 2:
            missing = [COLUMNS[key][0] for key in REQUIRED if key not in columns]
            if missing:
                raise ListFileError(f"thiếu cột: {', '.join(missing)}")
            return columns
        if number >= HEADER_SEARCH_ROWS:
            break
    wanted = ", ".join(label for label, _ in COLUMNS.values())
    raise ListFileError(
        f"không tìm thấy dòng tiêu đề ({wanted}) trong {HEADER_SEARCH_ROWS} dòng đầu"
    )


def _check_row(
    number: int, values: dict[str, str], matcher: _Matcher, today: date
) -> tuple[ListRow | None, list[str]]:
    problems: list[str] = []
    full_name = " ".join(values["full_name"].split())
    if not full_name:
        problems.append("thiếu họ tên")
    elif len(full_name) > MAX_NAME or any(ch.isdigit() for ch in full_name):
        problems.append("họ tên không hợp lệ (có chữ số hoặc quá dài — lệch cột?)")
    birth_year = _birth_year(values["birth_year"], today)
    if birth_year is None:
        problems.append(f"năm sinh '{values['birth_year']}' không hợp lệ")
    groups, unknown = matcher.groups(values["groups"])
    if unknown:
        problems.append(f"đối tượng không rõ: {', '.join(unknown)}")
    elif not groups:
        problems.append("thiếu đối tượng")
    area = matcher.area(values["area"])
    if area is None:
        problems.append(f"tổ dân phố '{values['area']}' không có trong danh sách của trạm")
    raw_phone = values.get("phone", "")
    phone = normalize_phone(raw_phone) if raw_phone else None
    if raw_phone and phone is None:
        problems.append("số điện thoại không phải số di động Việt Nam")
    if problems or birth_year is None or area is None:
        return None, problems
    key = identity(full_name, birth_year, area)
    return ListRow(number, full_name, birth_year, groups, area, phone, key), []


def _birth_year(text: str, today: date) -> int | None:
    text = text.strip()
    if not (len(text) == 4 and text.isdigit()):
        return None
    year = int(text)
    return year if OLDEST_BIRTH_YEAR <= year <= today.year else None


class _Matcher:
    """Groups (by code or label, folded) and tổ dân phố, cached per distinct cell text."""

    def __init__(self, areas: list[str]) -> None:
        self._areas = areas
        self._area_cache: dict[str, str | None] = {}
        self._labels: dict[str, str] = {}
        for group in load_screening_groups():
            for spelling in (group.code, group.code.replace("_", " "), group.vi, group.en):
                self._labels[fold(spelling)] = group.code

    def area(self, text: str) -> str | None:
        if text not in self._area_cache:
            self._area_cache[text] = match_area(text, self._areas)
        return self._area_cache[text]

    def groups(self, text: str) -> tuple[list[str], list[str]]:
        """(codes, parts not understood) of a cell like 'Người cao tuổi, hộ nghèo'."""
        codes: list[str] = []
        unknown: list[str] = []
        for part in filter(None, (p.strip() for p in _GROUP_SEPARATORS.split(text))):
            code = self._group(fold(part))
            if code is None:
                unknown.append(part)
            elif code not in codes:
                codes.append(code)
        return codes, unknown

    def _group(self, folded: str) -> str | None:
        if folded in self._labels:
            return self._labels[folded]
        # "Người thuộc hộ nghèo" holds the label "hộ nghèo"; "đối tượng khác" is held by one.
        found = {
            code
            for label, code in self._labels.items()
            if len(label) >= 4 and (label in folded or folded in label)
        }
        return found.pop() if len(found) == 1 else None


async def _known_identities(session: AsyncSession, keys: list[str]) -> set[str]:
    known: set[str] = set()
    for first in range(0, len(keys), CHUNK):
        known.update(
            await session.scalars(
                select(EligibleResident.identity).where(
                    EligibleResident.identity.in_(keys[first : first + CHUNK])
                )
            )
        )
    return known


async def _store(
    session: AsyncSession, rows: list[ListRow], report: ImportReport, actor: str
) -> None:
    now = utcnow()
    values = [
        {
            "full_name": row.full_name,
            "birth_year": row.birth_year,
            "groups": row.groups,
            "area": row.area,
            "phone": row.phone,
            "identity": row.identity,
            "source": report.source[:200],
            "imported_at": now,
        }
        for row in rows
    ]
    table = EligibleResident.__table__  # type: ignore[attr-defined]
    try:
        for first in range(0, len(values), CHUNK):
            await session.execute(insert(table), values[first : first + CHUNK])
        session.add(
            AuditLog(
                actor=actor,
                action="screening.import",
                detail=f"{report.source}: {len(rows)} dòng mới, {len(report.duplicates)} trùng",
            )
        )
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise ScreeningError("một danh sách khác vừa được nhập cùng lúc; hãy nhập lại") from None
    report.written = True
