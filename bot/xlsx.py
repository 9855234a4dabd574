"""Printable spreadsheets for the ward office: a title row, a bold frozen header, sane widths."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

MAX_WIDTH = 60


def write_sheet(
    sheet: Worksheet, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(list(header))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    widths = [len(str(h)) for h in header]
    for row in rows:
        sheet.append(list(row))
        for index, value in enumerate(row[: len(widths)]):
            widths[index] = max(widths[index], len(str(value if value is not None else "")))
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "1:2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(10, width + 2), MAX_WIDTH)


def save_workbook(book: Workbook, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
