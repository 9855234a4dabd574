"""Attendance by file: the exported list with its 'Ký nhận' column filled in.

The ward office prints `screening export`, people sign at the session, and someone marks
those rows (an "x" is enough) in the workbook's 'Ký nhận' column; importing the file marks
them as examined. Any CSV/XLSX with a 'Mã' column works too: without a marking column,
every listed code counts. Every problem is reported with its sheet and row, and then
nothing is marked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.screening.attendance import attendable, mark_all_attended
from bot.screening.lists import ListFileError, find_header, place, read_tables
from bot.screening.sessions import ScreeningError
from content.text import fold

CODE_HEADERS = {"ma", "ma dang ky", "code"}
MARK_HEADERS = {"ky nhan", "da kham", "co mat", "attended"}


@dataclass(frozen=True)
class ListedCode:
    where: str
    code: str


@dataclass
class AttendanceReport:
    marked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


async def attend_from_file(
    session: AsyncSession, name: str, data: bytes, *, today: date, actor: str
) -> AttendanceReport:
    """Mark every listed (and, with a marking column, marked) code as examined, or none."""
    listed = list({item.code.upper(): item for item in _listed_codes(name, data)}.values())
    if not listed:
        raise ListFileError("không có dòng nào được đánh dấu trong cột 'Ký nhận'")
    report = AttendanceReport()
    for item in listed:
        try:
            await attendable(session, item.code, today)
        except ScreeningError as error:
            report.problems.append(f"{item.where}: {error}")
    if not report.problems:
        codes = [item.code for item in listed]
        marked = await mark_all_attended(session, codes, today=today, actor=actor)
        report.marked = [registration.code for registration in marked]
    return report


def _listed_codes(name: str, data: bytes) -> Iterator[ListedCode]:
    found_header = False
    for table in read_tables(name, data):
        columns = find_header(table.rows, _code_columns)
        if columns is None:
            continue
        found_header = True
        code_column, mark_column = columns
        for number, cells in table.rows:
            code = _cell(cells, code_column)
            if code and (mark_column is None or _cell(cells, mark_column)):
                yield ListedCode(place(table.sheet, number), code)
    if not found_header:
        raise ListFileError("không thấy cột 'Mã' (mã đăng ký) trong tệp")


def _code_columns(cells: list[str]) -> tuple[int, int | None] | None:
    """(code column, marking column) if these cells are the header row."""
    names = [fold(cell) for cell in cells]
    code = next((i for i, text in enumerate(names) if text in CODE_HEADERS), None)
    if code is None:
        return None
    return code, next((i for i, text in enumerate(names) if text in MARK_HEADERS), None)


def _cell(cells: list[str], column: int) -> str:
    return cells[column].strip() if column < len(cells) else ""
