"""Import a tổ dân phố's list of residents eligible for free screening (CSV or XLSX).

Seed 004 asks for lists "without missing anyone or counting anyone twice", so every
row is checked (row numbers as the spreadsheet shows them) and a person already on a
list — same folded name, birth year and tổ dân phố — is reported as a duplicate, not
stored again; the groups a repeat adds are kept. A workbook is read sheet by sheet
(one tổ per sheet is common); a sheet with content but no header row is named in the
report, never skipped in silence. The same name and birth year in two tổ dân phố is
imported as two people, with a warning to check. One rejected row, or a file that
cannot be read, writes nothing: a ward office fixes the file and imports it again,
and never has to untangle half an import. Registrations made before their list came
in are linked to their list row, for the report's coverage.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain
from pathlib import Path
from typing import TypeVar

from openpyxl import load_workbook
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.areas import match_area
from bot.models.core import AuditLog
from bot.models.screening import EligibleResident, Registration
from bot.models.types import utcnow
from bot.screening.people import (
    NAME_LENGTH,
    PhoneProblem,
    clean_name,
    identity,
    is_birth_year,
    normalize_phone,
    phone_problem,
    phones_agree,
)
from bot.screening.sessions import ScreeningError
from content.station import load_screening_groups, load_station
from content.text import fold

# Ward lists often carry a title or two above the header row.
HEADER_SEARCH_ROWS = 10
CHUNK = 500
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
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NOT_A_MOBILE = "số điện thoại không phải số di động Việt Nam"
_PHONE_PROBLEMS = {
    PhoneProblem.TOO_SHORT: "số điện thoại thiếu số (số di động có 10 chữ số)",
    PhoneProblem.TOO_LONG: "số điện thoại thừa số (số di động có 10 chữ số)",
    PhoneProblem.NOT_MOBILE: "số máy bàn hoặc tổng đài, không phải số di động",
}
T = TypeVar("T")
Rows = Iterator[tuple[int, list[str]]]


class ListFileError(ScreeningError):
    """The file as a whole cannot be used (unreadable, wrong format, missing columns)."""


def place(sheet: str, row: int) -> str:
    """Where a row is, as the ward office finds it: 'dòng 4', or "trang 'Tổ 7', dòng 4"."""
    return f"trang '{sheet}', dòng {row}" if sheet else f"dòng {row}"


@dataclass(frozen=True)
class Table:
    """A CSV file, or one sheet of a workbook: its numbered rows, blank rows left out."""

    sheet: str  # the sheet's title; "" for a CSV file
    rows: Rows


@dataclass(frozen=True)
class RowNote:
    row: int
    reason: str
    sheet: str = ""

    @property
    def where(self) -> str:
        return place(self.sheet, self.row)


@dataclass
class ImportReport:
    source: str
    accepted: int = 0
    duplicates: list[RowNote] = field(default_factory=list)
    rejected: list[RowNote] = field(default_factory=list)
    # imported all the same, but worth a look (a namesake in another tổ dân phố)
    warnings: list[RowNote] = field(default_factory=list)
    # sheets with content but no header row: not read
    skipped_sheets: list[str] = field(default_factory=list)
    # people already listed whose groups the file completes
    completed: int = 0
    written: bool = False


@dataclass(frozen=True)
class ListRow:
    sheet: str
    row: int
    full_name: str
    birth_year: int
    groups: list[str]
    area: str
    phone: str | None
    identity: str

    def ref(self, sheet: str) -> str:
        """This row as named from a row of `sheet`."""
        return f"dòng {self.row}" if sheet == self.sheet else place(self.sheet, self.row)


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
    sheets: list[str] = []
    accepted = _validate(_remembering(read_tables(name, data), sheets), report, today)
    known = await _known_groups(session, [row.identity for row in accepted])
    new_rows: list[ListRow] = []
    completions: dict[int, list[str]] = {}
    for row in accepted:
        if row.identity not in known:
            new_rows.append(row)
            continue
        listed_id, groups = known[row.identity]
        added = _complete(groups, row.groups)
        if added:
            completions[listed_id] = groups
        reason = _with_added("đã có trong danh sách đã nhập trước", added)
        report.duplicates.append(RowNote(row.row, reason, row.sheet))
    report.warnings += await _namesakes_listed_before(session, new_rows)
    report.accepted, report.completed = len(new_rows), len(completions)
    for notes in (report.duplicates, report.warnings):
        notes.sort(key=lambda note: (sheets.index(note.sheet), note.row))
    if report.rejected or check_only or not (new_rows or completions):
        return report
    await _store(session, new_rows, completions, report, actor)
    return report


def _remembering(tables: Iterator[Table], sheets: list[str]) -> Iterator[Table]:
    for table in tables:
        sheets.append(table.sheet)
        yield table


def read_tables(name: str, data: bytes) -> Iterator[Table]:
    """The file's tables: a CSV file is one, a workbook one per sheet."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        yield Table("", _csv_rows(name, data))
    elif suffix in (".xlsx", ".xlsm"):
        yield from _xlsx_tables(name, data)
    else:
        raise ListFileError(
            f"tệp '{Path(name).name}' không phải .xlsx hoặc .csv; trong Excel chọn Lưu thành .xlsx"
        )


def find_header(rows: Rows, recognise: Callable[[list[str]], T | None]) -> T | None:
    """Consume rows up to the header (searched in the first HEADER_SEARCH_ROWS rows);
    what `recognise` made of it, or None when no row was one."""
    for number, cells in rows:
        found = recognise(cells)
        if found is not None:
            return found
        if number >= HEADER_SEARCH_ROWS:
            break
    return None


def _csv_rows(name: str, data: bytes) -> Rows:
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
    numbered = enumerate(csv.reader(io.StringIO(text), dialect), start=1)
    return _filled((number, [cell.strip() for cell in cells]) for number, cells in numbered)


def _xlsx_tables(name: str, data: bytes) -> Iterator[Table]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ListFileError(f"không mở được tệp Excel '{Path(name).name}' (tệp hỏng?)") from None
    try:
        for sheet in book.worksheets:
            numbered = enumerate(sheet.iter_rows(values_only=True), start=1)
            yield Table(
                sheet.title,
                _filled(
                    (number, [_cell_text(value) for value in values]) for number, values in numbered
                ),
            )
    finally:
        book.close()


def _filled(rows: Iterable[tuple[int, list[str]]]) -> Rows:
    return ((number, cells) for number, cells in rows if any(cells))


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    # Excel stores typed numbers as floats: 1950.0, and phones lose their leading zero.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    return str(value).strip()


def _validate(tables: Iterator[Table], report: ImportReport, today: date) -> list[ListRow]:
    matcher = _Matcher(list(load_station().areas))
    accepted = _Accepted(report)
    read_any = False
    for table in tables:
        columns = _columns_of(table, report)
        if columns is None:
            continue
        read_any = True
        for number, cells in table.rows:
            values = {key: cells[i] if i < len(cells) else "" for key, i in columns.items()}
            # Ward templates come with numbered blank rows (only "STT" filled): not data.
            if not any(values.values()):
                continue
            row, problems = _check_row(table.sheet, number, values, matcher, today)
            if row is None:
                report.rejected.append(RowNote(number, "; ".join(problems), table.sheet))
            else:
                accepted.take(row)
    if not read_any:
        wanted = ", ".join(label for label, _ in COLUMNS.values())
        raise ListFileError(
            f"không tìm thấy dòng tiêu đề ({wanted}) trong {HEADER_SEARCH_ROWS} dòng đầu"
        )
    if not accepted.rows and not report.rejected and not report.duplicates:
        raise ListFileError(f"tệp '{report.source}' không có dòng dữ liệu nào dưới dòng tiêu đề")
    return accepted.rows


class _Accepted:
    """The file's people so far: a repeat completes the first row's groups, and a namesake
    (same name and birth year) in another tổ dân phố is flagged."""

    def __init__(self, report: ImportReport) -> None:
        self.rows: list[ListRow] = []
        self._report = report
        self._by_identity: dict[str, ListRow] = {}
        self._by_name_year: dict[tuple[str, int], ListRow] = {}

    def take(self, row: ListRow) -> None:
        first = self._by_identity.get(row.identity)
        if first is not None:
            reason = _with_added(
                f"trùng với {first.ref(row.sheet)}", _complete(first.groups, row.groups)
            )
            self._report.duplicates.append(RowNote(row.row, reason, row.sheet))
            return
        self._by_identity[row.identity] = row
        self.rows.append(row)
        namesake = self._by_name_year.setdefault((fold(row.full_name), row.birth_year), row)
        if namesake.area != row.area:
            other = f"{namesake.ref(row.sheet)} ({namesake.area})"
            self._report.warnings.append(_namesake_note(row, other))


def _complete(groups: list[str], more: list[str]) -> list[str]:
    """Append to `groups` the codes of `more` it lacks; returns those codes."""
    added = [code for code in more if code not in groups]
    groups.extend(added)
    return added


def _with_added(reason: str, added: list[str]) -> str:
    if not added:
        return reason
    labels = _group_labels()
    return f"{reason}; thêm đối tượng: " + ", ".join(labels.get(code, code) for code in added)


def _columns_of(table: Table, report: ImportReport) -> dict[str, int] | None:
    """The header's column of each known field, leaving `table.rows` after it; None for an
    empty sheet or, named in the report, a sheet without a header row."""
    first = next(table.rows, None)
    if first is None:
        return None
    columns = find_header(chain([first], table.rows), _list_columns)
    if columns is None:
        if table.sheet:
            report.skipped_sheets.append(table.sheet)
        return None
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in columns]
    if missing:
        where = f"trang '{table.sheet}': " if table.sheet else ""
        raise ListFileError(f"{where}thiếu cột: {', '.join(missing)}")
    return columns


def _list_columns(cells: list[str]) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = next((k for k, (_, names) in COLUMNS.items() if fold(cell) in names), None)
        if key is not None and key not in columns:
            columns[key] = index
    return columns if "full_name" in columns and len(columns) >= 2 else None


def _namesake_note(row: ListRow, other: str) -> RowNote:
    return RowNote(
        row.row,
        f"cùng họ tên và năm sinh với {other}: vẫn nhập là hai người; "
        "xem lại nếu đó là một người được hai tổ ghi tên",
        row.sheet,
    )


def _check_row(
    sheet: str, number: int, values: dict[str, str], matcher: _Matcher, today: date
) -> tuple[ListRow | None, list[str]]:
    problems: list[str] = []
    full_name = clean_name(values["full_name"])
    if not values["full_name"].strip():
        problems.append("thiếu họ tên")
    elif full_name is None:
        problems.append(
            f"họ tên chỉ gồm chữ cái, tối đa {NAME_LENGTH[-1]} ký tự "
            "(có chữ số hay ký hiệu — lệch cột?)"
        )
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
        problems.append(_PHONE_PROBLEMS.get(phone_problem(raw_phone), _NOT_A_MOBILE))
    if problems or full_name is None or birth_year is None or area is None:
        return None, problems
    key = identity(full_name, birth_year, area)
    return ListRow(sheet, number, full_name, birth_year, groups, area, phone, key), []


def _birth_year(text: str, today: date) -> int | None:
    """'1950'; a date of birth gives its year. A year typed into a date-formatted cell is
    stored by Excel as that day number (1950 shows as 03/05/1905): read back as typed."""
    text = text.strip()
    if _ISO_DAY.match(text):
        day = date.fromisoformat(text)
        serial = int(to_excel(day))
        year = serial if is_birth_year(serial, today) else day.year
    elif len(text) == 4 and text.isdigit():
        year = int(text)
    else:
        return None
    return year if is_birth_year(year, today) else None


def _group_labels() -> dict[str, str]:
    return {group.code: group.vi for group in load_screening_groups()}


class _Matcher:
    """Groups (by code or label, folded) and tổ dân phố, cached per distinct cell text."""

    def __init__(self, areas: list[str]) -> None:
        self._areas = areas
        self._area_cache: dict[str, str | None] = {}
        self._labels: dict[str, str] = {}
        self._aliases: dict[str, str] = {}
        for group in load_screening_groups():
            for spelling in (group.code, group.code.replace("_", " "), group.vi, group.en):
                self._labels[fold(spelling)] = group.code
            # Abbreviations count only as the whole cell part: "NCT", not inside a word.
            self._aliases.update({fold(alias): group.code for alias in group.aliases})

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
        if folded in self._labels or folded in self._aliases:
            return self._labels.get(folded) or self._aliases[folded]
        # "Người thuộc hộ nghèo" holds the label "hộ nghèo"; "đối tượng khác" is held by one.
        found = {
            code
            for label, code in self._labels.items()
            if len(label) >= 4 and (label in folded or folded in label)
        }
        return found.pop() if len(found) == 1 else None


async def _known_groups(session: AsyncSession, keys: list[str]) -> dict[str, tuple[int, list[str]]]:
    """Identity → (id, groups) of the people among `keys` already listed."""
    known: dict[str, tuple[int, list[str]]] = {}
    for first in range(0, len(keys), CHUNK):
        rows = await session.execute(
            select(EligibleResident.identity, EligibleResident.id, EligibleResident.groups).where(
                EligibleResident.identity.in_(keys[first : first + CHUNK])
            )
        )
        known.update((key, (listed_id, list(groups))) for key, listed_id, groups in rows)
    return known


async def _namesakes_listed_before(session: AsyncSession, rows: list[ListRow]) -> list[RowNote]:
    """Notes for new rows whose name and birth year are already listed in another tổ dân phố."""
    if not rows:
        return []
    # Birth years run from OLDEST_BIRTH_YEAR to this year: far fewer than a query can hold.
    years = sorted({row.birth_year for row in rows})
    listed: dict[tuple[str, int], set[str]] = defaultdict(set)
    found = await session.execute(
        select(EligibleResident.full_name, EligibleResident.birth_year, EligibleResident.area)
        .where(EligibleResident.birth_year.in_(years))
        .where(EligibleResident.full_name.is_not(None))
    )
    for full_name, birth_year, area in found:
        listed[(fold(full_name), birth_year)].add(area)
    notes = []
    for row in rows:
        others = sorted(listed.get((fold(row.full_name), row.birth_year), set()) - {row.area})
        if others:
            notes.append(
                _namesake_note(row, f"một người đã có trong danh sách {', '.join(others)}")
            )
    return notes


async def _store(
    session: AsyncSession,
    rows: list[ListRow],
    completions: dict[int, list[str]],
    report: ImportReport,
    actor: str,
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
    insert_rows = insert(table).returning(table.c.identity, table.c.id)
    listed_ids: dict[str, int] = {}
    try:
        for first in range(0, len(values), CHUNK):
            inserted = await session.execute(insert_rows, values[first : first + CHUNK])
            listed_ids.update((key, listed_id) for key, listed_id in inserted)
        for listed_id, groups in completions.items():
            await session.execute(
                update(EligibleResident)
                .where(EligibleResident.id == listed_id)
                .values(groups=groups)
            )
        await _link_registrations(session, rows, listed_ids)
        session.add(
            AuditLog(
                actor=actor,
                action="screening.import",
                detail=f"{report.source}: {len(rows)} dòng mới, {len(report.duplicates)} trùng, "
                f"{len(completions)} người thêm đối tượng",
            )
        )
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise ScreeningError("một danh sách khác vừa được nhập cùng lúc; hãy nhập lại") from None
    report.written = True


async def _link_registrations(
    session: AsyncSession, rows: list[ListRow], listed_ids: dict[str, int]
) -> None:
    """Registrations made before their list came in: linked to their new list row
    (`listed_ids`: identity → id of the rows just inserted)."""
    waiting = list(
        await session.scalars(
            select(Registration).where(
                Registration.eligible_id.is_(None),
                Registration.full_name.is_not(None),
                Registration.area.in_(sorted({row.area for row in rows})),
            )
        )
    )
    if not waiting:
        return
    phones = {row.identity: row.phone for row in rows}
    for registration in waiting:
        assert registration.full_name is not None
        key = identity(registration.full_name, registration.birth_year, registration.area)
        listed_id = listed_ids.get(key)
        if listed_id is not None and phones_agree(phones[key], registration.phone):
            registration.eligible_id = listed_id
    await session.flush()
