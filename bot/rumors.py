"""Rumor reports: residents forward suspicious messages; staff answer; reporters are told.

A correction states the true fact first (content guide), and can become an alert in one step.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts import AlertTarget, draft_alert
from bot.direct import message_chat
from bot.i18n import Gettext, translator
from bot.models.core import AuditLog
from bot.models.outbox import BroadcastKind
from bot.models.staff import Alert, AlertStatus, RumorReport, RumorStatus, Verdict
from bot.models.types import utcnow
from content.text import fold

# What staff read for each verdict (audit log, error messages).
VERDICT_NAMES = {Verdict.TRUE: "Đúng", Verdict.FALSE: "Sai", Verdict.CHECKING: "Đang kiểm tra"}
OPEN_STATUSES = (RumorStatus.NEW, RumorStatus.CHECKING)
# Reports whose folded texts are this similar (0–100) are shown as one group.
SIMILAR = 80
MAX_REPORT_TEXT = 4000
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
IN_VIETNAMESE = translator("vi")


class RumorError(ValueError):
    """A rumor action that cannot be done; the message says why (Vietnamese)."""


@dataclass(frozen=True)
class Answered:
    """A verdict recorded on `reporters` reports; `told` of them could be messaged."""

    reporters: int
    told: int

    @property
    def unreachable(self) -> int:
        return self.reporters - self.told

    def summary(self, _: Gettext = IN_VIETNAMESE) -> str:
        """For staff: how many reporters were messaged, and honestly how many could not be."""
        text = _("Đã ghi kết luận và nhắn cho {told}/{count} người báo.").format(
            told=self.told, count=self.reporters
        )
        if self.unreachable:
            text += " " + _(
                "{count} người không nhắn được: họ đã dừng nhận tin, chưa đăng ký hoặc đã xóa dữ liệu."
            ).format(count=self.unreachable)
        return text


@dataclass
class RumorGroup:
    """Similar open reports, answered together."""

    reports: list[RumorReport]

    @property
    def sample(self) -> RumorReport:
        return self.reports[0]


def new_reference() -> str:
    return "TD-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(5))


async def file_report(
    session: AsyncSession, *, text: str, photo: str | None, channel: str, chat_id: str
) -> RumorReport:
    text = text.strip()[:MAX_REPORT_TEXT]
    if not text and not photo:
        raise RumorError("Tin báo đang trống.")
    for _attempt in range(5):
        report = RumorReport(
            reference=new_reference(), text=text, photo=photo, channel=channel, chat_id=chat_id
        )
        session.add(report)
        try:
            await session.commit()
            return report
        except IntegrityError:
            await session.rollback()
    raise RumorError("Không tạo được mã tin báo; xin thử lại sau.")


async def open_groups(session: AsyncSession) -> list[RumorGroup]:
    """Open reports, similar ones grouped, oldest group first."""
    reports = list(
        await session.scalars(
            select(RumorReport)
            .where(RumorReport.status.in_(OPEN_STATUSES))
            .order_by(RumorReport.id)
        )
    )
    groups: list[tuple[str, RumorGroup]] = []
    for report in reports:
        key = fold(report.text)
        for group_key, group in groups:
            if key and fuzz.token_set_ratio(key, group_key) >= SIMILAR:
                group.reports.append(report)
                break
        else:
            groups.append((key, RumorGroup([report])))
    return [group for _key, group in groups]


def verdict_text(report: RumorReport) -> str:
    """What the reporter is told. The true fact comes first; the rumor is not repeated."""
    if report.verdict == Verdict.FALSE:
        return (
            f"**Sự thật:** {report.correction}\n\n"
            f"Tin bà con báo (mã {report.reference}) là **tin sai**. Cảm ơn bà con đã báo để "
            "trạm kịp đính chính; xin đừng chia sẻ tiếp tin đó ạ."
        )
    if report.verdict == Verdict.TRUE:
        note = f"\n\n{report.correction}" if report.correction else ""
        return (
            f"Tin bà con báo (mã {report.reference}) là **đúng** theo kiểm tra của trạm y tế.{note}"
        )
    return f"Trạm y tế đang kiểm tra tin bà con báo (mã {report.reference}); có kết quả mình sẽ nhắn lại ạ."


async def answer_reports(
    session: AsyncSession,
    report_ids: list[int],
    verdict: str,
    actor: str,
    correction: str | None = None,
) -> Answered:
    """Record the verdict on these reports and message each reporter who can be reached."""
    if verdict not in VERDICT_NAMES:
        raise RumorError(f"Kết luận phải là một trong: {', '.join(VERDICT_NAMES.values())}.")
    if verdict == Verdict.FALSE and not (correction or "").strip():
        raise RumorError("Tin sai cần nội dung đính chính: sự thật là gì, theo nguồn nào.")
    told = 0
    references = []
    for report_id in report_ids:
        report = await session.get(RumorReport, report_id)
        if report is None:
            raise RumorError(f"Không có tin báo số {report_id}.")
        references.append(report.reference)
        report.verdict = verdict
        checking = verdict == Verdict.CHECKING
        report.status = RumorStatus.CHECKING if checking else RumorStatus.ANSWERED
        report.correction = (correction or "").strip() or None
        report.answered_by = actor
        report.answered_at = utcnow()
        session.add(report)
        told += await _notify_reporter(session, report)
    detail = f"{VERDICT_NAMES[verdict]}: tin báo {', '.join(references)}"
    session.add(AuditLog(actor=actor, action="rumor.answer", detail=detail))
    await session.commit()
    return Answered(reporters=len(report_ids), told=told)


async def answer_similar(
    session: AsyncSession,
    report_id: int,
    verdict: str,
    actor: str,
    correction: str | None = None,
) -> Answered | None:
    """Answer this report and every open report similar to it; None if it is not open."""
    if await session.get(RumorReport, report_id) is None:
        raise RumorError(f"Không có tin báo số {report_id}.")
    group = next(
        (g for g in await open_groups(session) if any(r.id == report_id for r in g.reports)),
        None,
    )
    if group is None:
        return None
    ids = [r.id for r in group.reports if r.id is not None]
    return await answer_reports(session, ids, verdict, actor, correction)


async def _notify_reporter(session: AsyncSession, report: RumorReport) -> int:
    if not report.channel or not report.chat_id:
        return 0  # the reporter deleted their data
    told = await message_chat(
        session,
        channel=report.channel,
        chat_id=report.chat_id,
        text=verdict_text(report),
        kind=BroadcastKind.RUMOR_REPLY,
        key=f"rumor:{report.reference}:{report.verdict}",
        title=f"Trả lời tin báo {report.reference}",
        created_by=report.answered_by or "staff",
    )
    return int(told)


async def correction_to_alert(session: AsyncSession, report_id: int, actor: str) -> Alert:
    """Turn a 'false' verdict's correction into a ward-wide alert draft (the open one, if any)."""
    report = await session.get(RumorReport, report_id)
    if report is None or report.verdict != Verdict.FALSE or not report.correction:
        raise RumorError(
            "Chỉ tin đã kết luận là sai, có nội dung đính chính, mới thành cảnh báo được."
        )
    text = f"**Đính chính:** {report.correction}"
    open_draft = await session.scalar(
        select(Alert)
        .where(Alert.status == AlertStatus.DRAFT, Alert.text == text)
        .order_by(Alert.id)
    )
    if open_draft is not None:
        return open_draft
    return await draft_alert(
        session,
        text=text,
        target=AlertTarget(),
        urgent=False,
        drafted_by=actor,
    )
