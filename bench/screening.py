"""Screening lists at ward scale: import N rows (CSV and XLSX) and export N registrations.

Each import goes into a fresh database, so both do the full work (nothing is a
duplicate); the export is of N registrations spread over the station's tổ dân phố,
written to an XLSX file as `loaphuong screening export` does.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import resource
import tempfile
from datetime import date, time, timedelta
from itertools import product
from pathlib import Path
from time import perf_counter
from typing import Any

from openpyxl import Workbook
from sqlalchemy import insert

from bot.db import Database
from bot.models.screening import Registration, ScreeningSession
from bot.models.types import utcnow
from bot.screening.export import export_registrations
from bot.screening.lists import import_list
from bot.xlsx import save_workbook
from content.station import load_screening_groups, load_station

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
MIDDLE = ("Văn", "Thị", "Hữu", "Minh", "Đức", "Thu", "Ngọc", "Quang", "Thanh", "Xuân")
GIVEN = ("An", "Bình", "Cúc", "Dũng", "Giang", "Hà", "Hùng", "Lan", "Mai", "Nam", "Oanh", "Phúc",
         "Quý", "Sơn", "Tâm", "Uyên", "Vinh", "Yến")  # fmt: skip
HEADER = ["STT", "Họ và tên", "Năm sinh", "Đối tượng", "Tổ dân phố", "Số điện thoại"]


SUMMARY = "danh sách khám sàng lọc cỡ phường: nhập N dòng (CSV, XLSX), xuất N lượt đăng ký"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", type=int, default=10_000, help="số dòng (mặc định 10000)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    rows = list(_rows(args.rows))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_s = asyncio.run(_time_import(folder / "csv.db", "ds.csv", _csv_bytes(rows)))
        xlsx_s = asyncio.run(_time_import(folder / "xlsx.db", "ds.xlsx", _xlsx_bytes(rows)))
        export_s, size = asyncio.run(_time_export(folder, args.rows))
    return {
        "rows": args.rows,
        "import_csv_s": round(csv_s, 2),
        "import_xlsx_s": round(xlsx_s, 2),
        "export_s": round(export_s, 2),
        "import_csv_plus_export_s": round(csv_s + export_s, 2),
        "export_kb": size // 1024,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def _rows(count: int) -> list[list[object]]:
    """Distinct people: name × birth year × tổ dân phố never repeats."""
    areas = load_station().areas
    groups = [g.vi for g in load_screening_groups()]
    names = [" ".join(parts) for parts in product(FAMILY, MIDDLE, GIVEN, GIVEN)]
    return [
        [
            index + 1,
            names[index % len(names)],
            1930 + index // len(names) % 90,
            groups[index % len(groups)],
            areas[index % len(areas)],
            f"09{index:08d}" if index % 2 else "",
        ]
        for index in range(count)
    ]


def _csv_bytes(rows: list[list[object]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8-sig")


def _xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def _time_import(db_path: Path, name: str, data: bytes) -> float:
    database = Database(f"sqlite+aiosqlite:///{db_path}")
    await database.migrate()
    try:
        async with database.sessions() as session:
            started = perf_counter()
            report = await import_list(session, name, data, today=date.today(), actor="bench")
            elapsed = perf_counter() - started
        if not report.written or report.rejected or report.duplicates:
            raise RuntimeError(f"bench list not imported cleanly: {report.rejected[:3]}")
        return elapsed
    finally:
        await database.close()


async def _time_export(folder: Path, count: int) -> tuple[float, int]:
    database = Database(f"sqlite+aiosqlite:///{folder / 'export.db'}")
    await database.migrate()
    today = date.today()
    try:
        async with database.sessions() as session:
            held = ScreeningSession(
                round="bench", day=today + timedelta(days=1), start=time(7, 30),
                place="Nhà văn hóa", areas=list(load_station().areas), capacity=count,
                seats_taken=count,
            )  # fmt: skip
            session.add(held)
            await session.commit()
            await session.execute(insert(Registration), _registrations(held, count))
            await session.commit()
            started = perf_counter()
            book = await export_registrations(session, today=today, actor="bench")
            path = folder / "export.xlsx"
            save_workbook(book, path)
            return perf_counter() - started, path.stat().st_size
    finally:
        await database.close()


def _registrations(held: ScreeningSession, count: int) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {
            "code": f"B{index:07d}",
            "session_id": held.id,
            "round": held.round,
            "full_name": row[1],
            "phone": row[5] or None,
            "birth_year": row[2],
            "groups": ["nguoi_cao_tuoi"],
            "area": row[4],
            "status": "registered",
            "for_relative": False,
            "consent_at": now,
            "created_at": now,
        }
        for index, row in enumerate(_rows(count))
    ]
