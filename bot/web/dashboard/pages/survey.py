"""The information-needs survey's results, by age group, tổ dân phố and channel (a choice
of groups narrows every chart), its "Khác" words, and the XLSX download."""

from __future__ import annotations

from aiohttp import web
from markupsafe import Markup

from bot.survey.export import export_results
from bot.survey.results import BREAKDOWNS, STATUS_NAMES, load_results
from bot.web.dashboard.charts import bar_chart
from bot.web.dashboard.pages.common import download, redirect, render, services, staff_name
from content.surveys import Survey, find_survey, load_surveys

TITLE = "Khảo sát"
PATH = "/admin/survey"
routes = web.RouteTableDef()


def chosen_survey(request: web.Request) -> Survey:
    """The survey asked for (`?khao_sat=`), else the newest."""
    surveys = load_surveys()
    survey = find_survey(request.query.get("khao_sat", "")) or (surveys[-1] if surveys else None)
    if survey is None:
        raise redirect("/admin/", "Chưa có khảo sát nào trong content/surveys/.")
    return survey


@routes.get("/survey", name="survey")
async def survey_page(request: web.Request) -> web.Response:
    survey = chosen_survey(request)
    async with services(request).sessions() as session:
        results = await load_results(session, survey)
    wanted = {name: request.query.get(name, "") for name in BREAKDOWNS}
    shown = results.only(**wanted)
    by_group = [
        Markup(bar_chart(f"Người trả lời theo {name.lower()}", results.groups(breakdown)))
        for breakdown, name in BREAKDOWNS.items()
    ]
    by_question = [
        Markup(bar_chart(question.vi, results.chosen(question, shown)))
        for question in survey.questions
    ]
    return render(
        "survey.html",
        request,
        {
            "survey": survey,
            "surveys": load_surveys(),
            "results": results,
            "statuses": [(name, results.statuses[code]) for code, name in STATUS_NAMES.items()],
            "filters": [
                (breakdown, name, list(results.groups(breakdown)), wanted[breakdown])
                for breakdown, name in BREAKDOWNS.items()
            ],
            "shown": len(shown),
            "group_charts": by_group,
            "question_charts": by_question,
        },
    )


@routes.get("/survey/export.xlsx", name="survey_export")
async def export(request: web.Request) -> web.Response:
    survey = chosen_survey(request)
    async with services(request).sessions() as session:
        book = await export_results(session, survey, staff_name(request))
    return await download(book, f"khao-sat-{survey.code}.xlsx")
