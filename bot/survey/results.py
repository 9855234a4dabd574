"""A survey's results: who took part, and each question's answers counted, overall and
by age group, tổ dân phố and channel. Never a name: a response is its tổ, its channel
and its answers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models.survey import SurveyAnswer, SurveyResponse
from content.surveys import OTHER, Question, Survey

# What staff read for each breakdown and each status.
BREAKDOWNS = {"age": "Nhóm tuổi", "area": "Tổ dân phố", "channel": "Kênh"}
STATUS_NAMES = {
    "done": "Trả lời hết",
    "stopped": "Dừng giữa chừng",
    "started": "Đang trả lời",
    "declined": "Không muốn trả lời",
}
CHANNEL_NAMES = {"web": "Web", "telegram": "Telegram", "zalo_bot": "Zalo", "zalo_oa": "Zalo OA"}
UNKNOWN = "Không rõ"
OTHER_LABEL = "Khác"


@dataclass
class Respondent:
    """One response that answered something: what it is broken down by, and its answers."""

    age: str
    area: str
    channel: str
    answers: dict[str, list[str]] = field(default_factory=dict)

    def group(self, breakdown: str) -> str:
        return getattr(self, breakdown)


@dataclass
class Results:
    survey: Survey
    statuses: Counter[str]
    respondents: list[Respondent]
    other_texts: list[tuple[str, str]]  # (question text, words)

    @property
    def answered(self) -> int:
        return len(self.respondents)

    def chosen(
        self, question: Question, respondents: list[Respondent] | None = None
    ) -> dict[str, int]:
        """Option label → how many chose it, in the survey's order ("Khác" last)."""
        counts = Counter(
            code for r in (respondents if respondents is not None else self.respondents)
            for code in r.answers.get(question.code, [])
        )  # fmt: skip
        labels = {o.code: o.vi for o in question.options} | {OTHER: OTHER_LABEL}
        return {labels[code]: counts[code] for code in labels if code in counts or code != OTHER}

    def groups(self, breakdown: str) -> dict[str, int]:
        """Respondents per group of `breakdown` (age, area, channel)."""
        counts = Counter(r.group(breakdown) for r in self.respondents)
        order = self.group_order(breakdown)
        return {g: counts[g] for g in [*order, *sorted(set(counts) - set(order))] if g in counts}

    def group_order(self, breakdown: str) -> list[str]:
        age = self.survey.age_question
        if breakdown == "age" and age is not None:
            return [o.vi for o in age.options]
        return []

    def only(self, **wanted: str) -> list[Respondent]:
        """The respondents of the groups asked for (empty values: everyone)."""
        return [
            r for r in self.respondents
            if all(not value or r.group(name) == value for name, value in wanted.items())
        ]  # fmt: skip

    def crosstab(self, question: Question, breakdown: str) -> tuple[list[str], list[list]]:
        """Columns (the groups) and rows [option label, count per group…] for a sheet."""
        groups = list(self.groups(breakdown))
        per_group = {
            g: self.chosen(question, [r for r in self.respondents if r.group(breakdown) == g])
            for g in groups
        }
        labels = list(self.chosen(question))
        return groups, [[label, *(per_group[g].get(label, 0) for g in groups)] for label in labels]

    def top_topics(self, limit: int = 5) -> list[tuple[str, int]]:
        question = self.survey.topic_question
        if question is None:
            return []
        counts = {k: v for k, v in self.chosen(question).items() if k != OTHER_LABEL and v}
        return sorted(counts.items(), key=lambda item: -item[1])[:limit]


async def load_results(
    session: AsyncSession,
    survey: Survey,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Results:
    """The survey's results (of the responses begun from `since` until `until`, if given)."""
    scope = [SurveyResponse.survey == survey.code]
    if since is not None and until is not None:
        scope += [SurveyResponse.created_at >= since, SurveyResponse.created_at < until]
    statuses = Counter(
        dict(
            (await session.execute(
                select(SurveyResponse.status, func.count())
                .where(*scope)
                .group_by(SurveyResponse.status)
            )).all()
        )
    )  # fmt: skip
    rows = await session.execute(
        select(
            SurveyResponse.id, SurveyResponse.area, SurveyResponse.channel,
            SurveyAnswer.question, SurveyAnswer.choice, SurveyAnswer.text,
        )
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(*scope)
        .order_by(SurveyResponse.id, SurveyAnswer.id)
    )  # fmt: skip
    by_id: dict[int, Respondent] = {}
    others: list[tuple[str, str]] = []
    age = survey.age_question
    ages = {o.code: o.vi for o in age.options} if age else {}
    for response_id, area, channel, question, choice, text in rows:
        respondent = by_id.setdefault(
            response_id,
            Respondent(UNKNOWN, area or UNKNOWN, CHANNEL_NAMES.get(channel, channel)),
        )
        respondent.answers.setdefault(question, []).append(choice)
        if age is not None and question == age.code:
            respondent.age = ages.get(choice, UNKNOWN)
        if text and (asked := survey.question(question)):
            others.append((asked.vi, text))
    return Results(survey, statuses, list(by_id.values()), others)
