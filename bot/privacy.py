"""/xoadulieu: forget one resident's chat — deletion that really deletes.

Gone: the subscriber row and its topics, dialogue state, the web chat inbox, questions
handed to staff, the return address of rumor reports, survey answers. The person's name
and phone are masked wherever they were copied as text (rumor reports and corrections, the FAQ question
log, answers, queued and sent outbox texts, audit details). Delivery rows stay, cut from
the person (no subscriber, no chat id, no text), so the ward's counts do not change; rows
still queued are cancelled. Screening registrations made from the account lose the name,
phone and identity hash; group, tổ dân phố, birth year and status stay as anonymous counts
for the monthly report, and upcoming ones are cancelled so their seats go to others.
On SQLite the freed pages are zeroed (secure_delete) and the WAL is emptied afterwards,
so no copy is left in the database file or beside it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.core import Incoming
from bot.faq import ask
from bot.models.core import AuditLog, DialogueStateRow, Subscriber, WebMessage
from bot.models.faq import FaqHandoff, FaqQuestion
from bot.models.outbox import OutboxMessage
from bot.models.screening import Registration, WaitlistEntry
from bot.models.staff import RumorReport
from bot.models.survey import SurveyAnswer, SurveyResponse
from bot.screening.registrations import erase_registrations, upcoming_of
from bot.subscribers import find_subscriber

log = logging.getLogger(__name__)

MASK = "[đã xóa]"
# Every column that may hold a copy of what a resident typed or was told about them.
_TEXT_COLUMNS: tuple[InstrumentedAttribute, ...] = (
    RumorReport.text,
    RumorReport.correction,
    FaqQuestion.text,
    FaqHandoff.text,
    FaqHandoff.answer,
    OutboxMessage.text,
    AuditLog.detail,
    WebMessage.text,
)
_PERSONAL_KEYS = ("full_name", "phone", "name")
# Emptying the WAL while another checkpoint runs: tries, and the pause between two (a
# checkpoint takes a few milliseconds, at most ~0.1 s while it waits for readers).
WAL_TRIES = 200
WAL_PAUSE_S = 0.01


async def upcoming_count(session: AsyncSession, incoming: Incoming, today: date) -> int:
    """How many screening seats erasing this chat would give back."""
    subscriber = await find_subscriber(session, incoming.channel, incoming.chat_id)
    if subscriber is None or subscriber.id is None:
        return 0
    return len(await upcoming_of(session, subscriber.id, today))


async def forget_chat(session: AsyncSession, incoming: Incoming, today: date) -> int:
    """Erase everything kept about this private chat; returns the registrations anonymised."""
    channel, chat_id = incoming.channel, incoming.chat_id
    anonymised = 0
    subscriber = await find_subscriber(session, channel, chat_id)
    personal = await _personal_strings(session, subscriber, channel, chat_id)
    copies = await masked_copies(session, personal)
    if subscriber is not None and subscriber.id is not None:
        await _cut_deliveries(session, subscriber.id)
        anonymised = await erase_registrations(session, subscriber.id, today)
        # The subscriber's deletion cascades to these; said outright, it needs no foreign keys.
        responses = select(SurveyResponse.id).where(SurveyResponse.subscriber_id == subscriber.id)
        await session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id.in_(responses)))
        await session.execute(delete(SurveyResponse).where(SurveyResponse.id.in_(responses)))
        await session.execute(
            delete(WaitlistEntry).where(WaitlistEntry.subscriber_id == subscriber.id)  # type: ignore[arg-type]
        )
        await session.delete(subscriber)
    await session.execute(
        delete(DialogueStateRow).where(
            DialogueStateRow.channel == channel, DialogueStateRow.chat_id == chat_id
        )
    )
    if channel == "web":
        await session.execute(delete(WebMessage).where(WebMessage.user_id == chat_id))
    await session.execute(
        delete(FaqHandoff).where(FaqHandoff.channel == channel, FaqHandoff.chat_id == chat_id)
    )
    await session.execute(
        update(RumorReport)
        .where(RumorReport.channel == channel, RumorReport.chat_id == chat_id)
        .values(channel=None, chat_id=None)
    )
    for copy in copies:  # rows deleted above are no longer there to update
        await copy.store(session)
    session.add(
        AuditLog(
            actor="resident",
            action="privacy.erase",
            detail=f"{channel}; {anonymised} đăng ký khám đã ẩn danh",
        )
    )
    await session.commit()
    await empty_sqlite_wal(session)
    # The answer cache holds recent questions' words in memory: this chat's among them.
    ask.cache_clear()
    return anonymised


async def _cut_deliveries(session: AsyncSession, subscriber_id: int) -> None:
    """Keep the person's delivery rows for the counts, without anything that leads to them."""
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.subscriber_id == subscriber_id,
            OutboxMessage.status.in_(("pending", "sending")),
        )
        .values(status="cancelled", lease_until=None)
    )
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.subscriber_id == subscriber_id)
        .values(subscriber_id=None, chat_id="", text=None, platform_message_id=None)
    )


async def _personal_strings(
    session: AsyncSession, subscriber: Subscriber | None, channel: str, chat_id: str
) -> set[str]:
    """The names and phone numbers this chat gave, in the forms they may have been copied."""
    found: set[str] = set()
    if subscriber is not None:
        found.add(subscriber.phone or "")
        rows = await session.execute(
            select(Registration.full_name, Registration.phone).where(
                Registration.subscriber_id == subscriber.id
            )
        )
        for name, phone in rows:
            found.update((name or "", phone or ""))
    states = await session.scalars(
        select(DialogueStateRow.data).where(
            DialogueStateRow.channel == channel, DialogueStateRow.chat_id == chat_id
        )
    )
    for data in states:
        found.update(_personal_values(data))
    return {value.strip() for value in found if len(value.strip()) >= 3}


def _personal_values(data: str) -> Iterable[str]:
    try:
        values = json.loads(data)
    except ValueError:
        return ()
    if not isinstance(values, dict):
        return ()
    return [str(values[key]) for key in _PERSONAL_KEYS if isinstance(values.get(key), str)]


def personal_pattern(personal: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for every way the strings may have been typed: a name in any case and
    spacing, a phone 0912345678 also as "0912 345 678", "0912.345.678" or "+84 912…"."""
    forms = []
    for value in sorted(personal, key=len, reverse=True):
        digits = re.sub(r"[^0-9]", "", value)
        if re.fullmatch(r"0[0-9]{9}", digits):
            spaced = "".join(rf"[\s.-]*{digit}" for digit in digits[1:])
            forms.append(rf"(?<!\d)(?:\+?84|0){spaced}(?!\d)")
        else:
            forms.append(r"\s+".join(re.escape(word) for word in value.split()))
    return re.compile("|".join(forms), re.IGNORECASE) if forms else None


async def masked_copies(session: AsyncSession, personal: Iterable[str]) -> list[MaskedCopy]:
    """Every stored text holding the person's name or phone, masked. Every row is read: SQL's
    LIKE cannot see "0912 345 678" or another letter case. Done before the erasure writes
    anything, so the file's write lock is not held meanwhile, and matched on a worker
    thread: a busy ward's chat history runs to hundreds of thousands of rows, seconds of
    work that on the event loop held up every chat."""
    pattern = personal_pattern(personal)
    if pattern is None:
        return []
    copies = []
    for column in _TEXT_COLUMNS:
        rows = (
            await session.execute(select(column.class_.id, column).where(column.is_not(None)))
        ).all()
        changed = await asyncio.to_thread(_masked, pattern, rows)
        copies.extend(MaskedCopy(column, row_id, text) for row_id, text in changed)
    return copies


def _masked(pattern: re.Pattern[str], rows: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
    return [
        (row_id, masked) for row_id, text in rows if (masked := pattern.sub(MASK, text)) != text
    ]


@dataclass(frozen=True)
class MaskedCopy:
    column: InstrumentedAttribute
    row_id: int
    text: str

    async def store(self, session: AsyncSession) -> None:
        table = self.column.class_
        await session.execute(
            update(table).where(table.id == self.row_id).values({self.column.key: self.text})
        )


async def empty_sqlite_wal(session: AsyncSession) -> None:
    """Copy the WAL into the (secure_delete) database file and truncate it to nothing, so
    erased rows do not wait there for later writes to overwrite them. A no-op elsewhere."""
    if session.bind.dialect.name != "sqlite":
        return
    # It waits for readers and writers, but not for another checkpoint (the hot statements
    # make one every few hundred writes): SQLite then answers "busy" at once.
    for _ in range(WAL_TRIES):
        busy = (await session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))).scalar()
        await session.commit()
        if not busy:
            return
        await asyncio.sleep(WAL_PAUSE_S)
    log.warning("erasure: the SQLite WAL could not be emptied (other checkpoints kept running)")


# The web chat's conversation is kept this long, for reloads; erasure removes it at once.
HISTORY_KEPT = timedelta(days=30)


async def forget_old_chat_history(session: AsyncSession, now: datetime) -> int:
    """Periodic job: delete web chat conversation rows older than HISTORY_KEPT."""
    result = await session.execute(
        delete(WebMessage).where(
            WebMessage.role != "inbox", WebMessage.created_at < now - HISTORY_KEPT
        )
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


# A dialogue left half-way (say, a registration with a name and phone typed in) is
# forgotten after this long, so abandoned answers do not stay in the database.
ABANDONED_AFTER = timedelta(days=7)


async def forget_abandoned_dialogues(session: AsyncSession, now: datetime) -> int:
    """Periodic job: delete dialogue states untouched for ABANDONED_AFTER; returns how many."""
    result = await session.execute(
        delete(DialogueStateRow).where(DialogueStateRow.updated_at < now - ABANDONED_AFTER)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
