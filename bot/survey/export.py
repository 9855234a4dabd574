"""`loaphuong survey export -o results.xlsx` and the dashboard's download: a survey's
results as a workbook, audited like every export (there are no names in it, but the
"Khác" words are residents' own)."""

from __future__ import annotations

from collections.abc import Callable

from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models.core import AuditLog
from bot.survey.results import BREAKDOWNS, STATUS_NAMES, Results, load_results
from bot.xlsx import write_sheet
from content.station import load_station
from content.surveys import Survey


async def export_results(
    session: AsyncSession,
    survey: Survey,
    actor: str,
    save: Callable[[Workbook], None] | None = None,
) -> Workbook:
    """The workbook (handed to `save`, when given, before the export is audited)."""
    results = await load_results(session, survey)
    book = results_workbook(results)
    if save is not None:
        save(book)
    session.add(
        AuditLog(
            actor=actor,
            action="survey.export",
            detail=f"khảo sát {survey.code}; {results.answered} người trả lời",
        )
    )
    await session.commit()
    return book


def results_workbook(results: Results) -> Workbook:
    survey = results.survey
    title = f"{survey.text('title', 'vi')} — {load_station().name}"
    book = Workbook()
    summary = book.active
    summary.title = "Tổng quan"
    write_sheet(
        summary,
        title,
        ["Chỉ số", "Số lượng"],
        [
            ["Người trả lời ít nhất một câu", results.answered],
            *([name, results.statuses[code]] for code, name in STATUS_NAMES.items()),
            *([f"{BREAKDOWNS['age']}: {g}", n] for g, n in results.groups("age").items()),
        ],
    )
    write_sheet(
        book.create_sheet("Theo câu hỏi"),
        f"{title} — số người chọn",
        ["Câu hỏi", "Lựa chọn", "Số người"],
        [
            [question.vi, label, count]
            for question in survey.questions
            for label, count in results.chosen(question).items()
        ],
    )
    for breakdown, name in BREAKDOWNS.items():
        groups = list(results.groups(breakdown))
        rows = []
        for question in survey.questions:
            rows += [[question.vi, *row] for row in results.crosstab(question, breakdown)[1]]
        write_sheet(
            book.create_sheet(f"Theo {name.lower()}"),
            f"{title} — theo {name.lower()}",
            ["Câu hỏi", "Lựa chọn", *groups],
            rows,
        )
    write_sheet(
        book.create_sheet("Ý kiến khác"),
        f"{title} — ý kiến khác (không kèm tên)",
        ["Câu hỏi", "Ý kiến"],
        results.other_texts,
    )
    return book
