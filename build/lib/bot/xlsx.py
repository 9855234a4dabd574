"""Printable spreadsheets for the ward office: a title row, a bold frozen header, sane widths.

Saving checks the path first and turns every OS refusal into a Vietnamese one-line reason,
so staff never see a traceback for a mistyped `-o`.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

MAX_WIDTH = 60
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
_REASONS = {
    errno.EACCES: "không có quyền ghi",
    errno.EPERM: "không có quyền ghi",
    errno.EROFS: "ổ đĩa chỉ cho đọc",
    errno.ENOENT: "không có tệp hay thư mục đó",
    errno.ENOTDIR: "một phần của đường dẫn không phải thư mục",
    errno.EISDIR: "đó là một thư mục",
    errno.ENOSPC: "ổ đĩa đã đầy",
    errno.ENAMETOOLONG: "tên tệp quá dài",
}


class WorkbookPathError(ValueError):
    """The workbook cannot be written where asked; the message says why, in Vietnamese."""


def write_sheet(
    sheet: Worksheet | WriteOnlyWorksheet,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> None:
    """A title row, a bold header and the rows, columns as wide as their content.

    Works on a write-only sheet too (a big export streams to disk instead of holding
    every cell), which needs all about the sheet set before its first row."""
    rows = [list(row) for row in rows]
    widths = [len(str(h)) for h in header]
    for row in rows:
        for index, value in enumerate(row[: len(widths)]):
            widths[index] = max(widths[index], len(str(value if value is not None else "")))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(10, width + 2), MAX_WIDTH)
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "1:2"
    sheet.append([_styled(sheet, title, Font(bold=True, size=13))])
    sheet.append([_styled(sheet, name, Font(bold=True), HEADER_ALIGNMENT) for name in header])
    for row in rows:
        sheet.append(row)


def _styled(
    sheet: Worksheet | WriteOnlyWorksheet,
    value: object,
    font: Font,
    alignment: Alignment | None = None,
) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value)  # type: ignore[arg-type]
    cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    return cell


def discard(book: Workbook) -> None:
    """Finish the write-only sheets of a workbook that will not be saved: left open, they
    complain on stderr when collected."""
    for sheet in book.worksheets:
        if isinstance(sheet, WriteOnlyWorksheet) and not sheet.closed:
            sheet.close()


def writable_path(path: Path) -> Path:
    """`path` if a workbook can be written there (checked by opening it), else WorkbookPathError.

    A file that did not exist before is removed again, so a failed export leaves nothing."""
    if path.is_dir():
        raise WorkbookPathError(f"'{path}' là một thư mục; cho tên tệp, ví dụ {path / 'ds.xlsx'}")
    if path.suffix.lower() != ".xlsx":
        raise WorkbookPathError(f"tệp ra '{path}' phải có đuôi .xlsx")
    existed = path.exists()
    with _explained(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab"):
            pass
        if not existed:
            path.unlink()
    return path


def save_workbook(book: Workbook, path: Path) -> None:
    with _explained(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        book.save(path)


def os_reason(error: OSError) -> str:
    """The OS's refusal in a few Vietnamese words."""
    return _REASONS.get(error.errno or 0, f"lỗi hệ thống ({error.strerror or error})")


@contextmanager
def _explained(path: Path) -> Iterator[None]:
    """Turn an OSError while writing `path` into a WorkbookPathError naming the reason."""
    try:
        yield
    except OSError as error:
        raise WorkbookPathError(f"không ghi được tệp '{path}': {os_reason(error)}") from None
