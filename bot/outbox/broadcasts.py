"""Create, count and cancel broadcasts. These functions flush but never commit:
the caller commits, so a broadcast and the record that caused it land together."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, insert, literal, null, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models.core import AuditLog, Subscriber, SubscriberTopic
from bot.models.outbox import Broadcast, BroadcastKind, BroadcastStatus, OutboxMessage
from bot.models.types import utcnow
from bot.outbox.audience import Audience
from bot.scheduling.plan import Timing

# Replies to someone who just wrote go before urgent alerts, which go before the rest.
REPLY_PRIORITY = 20
URGENT_PRIORITY = 10
ROUTINE_PRIORITY = 0
# Rows per INSERT: keeps every statement under SQLite's bound-parameter limit.
INSERT_CHUNK = 2000
# Progress reports the delivery rate over this many recent seconds.
RATE_WINDOW_S = 10

TextsFor = Callable[[Subscriber, list[str]], str | None]


@dataclass(frozen=True)
class Progress:
    total: int
    sent: int
    pending: int
    failed: int
    blocked: int
    outside_window: int
    cancelled: int
    rate_per_s: float
    # Rows whose lease expired mid-send (crash): each may have reached its chat twice.
    in_doubt: int = 0
    # Rows past their `not_after` (a dated message no longer worth sending).
    expired: int = 0

    @property
    def done(self) -> bool:
        return self.pending == 0

    def summary(self) -> str:
        """The counts as staff read them, in the CLI and on the dashboard; only the
        counts that say something (no row of zeros)."""
        if not self.total:
            return "chưa có người nhận"
        others = [
            ("chờ", self.pending),
            ("lỗi", self.failed),
            ("bị chặn", self.blocked),
            ("ngoài khung 48 giờ", self.outside_window),
            ("đã hủy", self.cancelled),
            ("hết hạn", self.expired),
        ]
        return ", ".join(
            [f"đã gửi {self.sent}/{self.total}", *(f"{name} {n}" for name, n in others if n)]
        )


@dataclass(frozen=True)
class BroadcastRequest:
    """One message for many: what, to whom, when, and how fast.

    Routine broadcasts may be spread evenly over `spread` of sending time (so the
    station's phone is not flooded): with `quiet` hours given, the spread skips them.
    Urgent ones ignore it and overtake routine rows already queued. Rows still unsent
    at `not_after` expire. `photo` goes with the first part of every message.
    `texts_for(subscriber, topics)` gives a per-recipient text; None skips them.
    A second request with a `key` already used creates nothing.
    """

    text: str
    audience: Audience
    text_en: str | None = None
    kind: BroadcastKind = BroadcastKind.STAFF
    key: str | None = None
    title: str = ""
    urgent: bool = False
    not_before: datetime | None = None
    not_after: datetime | None = None
    spread: timedelta | None = None
    quiet: Timing | None = None
    photo: str | None = None
    created_by: str = "system"
    texts_for: TextsFor | None = None


async def create_broadcast(session: AsyncSession, request: BroadcastRequest) -> Broadcast | None:
    """Queue the request's text for every subscriber in its audience; None if its `key`
    was used before."""
    now = utcnow()
    start = max(request.not_before or now, now)
    window = timedelta(0) if request.urgent or request.spread is None else request.spread
    broadcast_id = await _insert_broadcast(
        session,
        key=request.key,
        kind=request.kind,
        title=request.title[:200],
        text=request.text,
        text_en=request.text_en,
        photo=request.photo,
        audience=request.audience.to_json(),
        urgent=request.urgent,
        created_by=request.created_by,
        created_at=now,
        not_before=start,
        spread_seconds=int(window.total_seconds()),
        status=BroadcastStatus.QUEUED,
    )
    if broadcast_id is None:
        return None
    priority = URGENT_PRIORITY if request.urgent else ROUTINE_PRIORITY
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    if request.texts_for is None and not window:
        # One text, one time: the database copies the audience itself, whatever its size.
        rows = _outbox_rows_of(
            request.audience, broadcast_id, priority, start, request.not_after, request.text_en
        )
        await session.execute(insert(table).from_select(list(rows.selected_columns.keys()), rows))
        return await session.get(Broadcast, broadcast_id)
    recipients = await _recipients(session, request.audience, request.text_en, request.texts_for)
    count = len(recipients)
    spread_over = SendingTime(start, window, request.quiet)
    # Row dicts a chunk at a time: a city-wide broadcast never holds them all at once.
    for first in range(0, count, INSERT_CHUNK):
        rows = [
            {
                "broadcast_id": broadcast_id,
                "subscriber_id": subscriber_id,
                "channel": channel,
                "chat_id": chat_id,
                "kind": chat_kind,
                "priority": priority,
                "status": "pending",
                "not_before": spread_over.after(window * index / count),
                "not_after": request.not_after,
                "attempts": 0,
                "parts_sent": 0,
                "in_doubt": 0,
                "text": row_text,
            }
            for index, (subscriber_id, channel, chat_id, chat_kind, row_text) in enumerate(
                recipients[first : first + INSERT_CHUNK], start=first
            )
        ]
        await session.execute(insert(table), rows)
    return await session.get(Broadcast, broadcast_id)


class SendingTime:
    """`length` of time when routine messages may go out, from `start` on: the quiet
    hours (whole local hours, as Timing has them) are skipped, not counted."""

    def __init__(self, start: datetime, length: timedelta, quiet: Timing | None) -> None:
        self.start = start
        self.spans: list[tuple[datetime, datetime]] = []
        left, moment = length, start
        while left > timedelta(0):
            opens = _next_hour_where(moment, quiet, quiet_wanted=False)
            closes = min(_next_hour_where(opens, quiet, quiet_wanted=True), opens + left)
            self.spans.append((opens, closes))
            left -= closes - opens
            moment = closes

    def after(self, offset: timedelta) -> datetime:
        """The moment `offset` of sending time after the start."""
        for opens, closes in self.spans:
            if opens + offset < closes:
                return opens + offset
            offset -= closes - opens
        return self.end

    @property
    def end(self) -> datetime:
        return self.spans[-1][1] if self.spans else self.start


def _next_hour_where(moment: datetime, quiet: Timing | None, *, quiet_wanted: bool) -> datetime:
    """`moment` itself when its hour is (not) quiet as wanted, else the next whole local
    hour that is; far in the future when no hour ever is."""
    if quiet is None or quiet.quiet_start == quiet.quiet_end:
        return moment if not quiet_wanted else datetime.max.replace(tzinfo=UTC)
    local = moment.astimezone(quiet.tz)
    for _ in range(25):
        if quiet.is_quiet_hour(local.hour) == quiet_wanted:
            return local.astimezone(UTC)
        local = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    raise AssertionError("unreachable: quiet and open hours alternate within a day")


def _outbox_rows_of(
    audience: Audience,
    broadcast_id: int,
    priority: int,
    start: datetime,
    not_after: datetime | None,
    text_en: str | None,
) -> Select:  # type: ignore[type-arg]
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    english = (
        case((Subscriber.language == "en", literal(text_en)), else_=null()) if text_en else null()
    )
    return audience.where(
        select(
            literal(broadcast_id).label("broadcast_id"),
            Subscriber.id.label("subscriber_id"),
            Subscriber.channel.label("channel"),
            Subscriber.chat_id.label("chat_id"),
            Subscriber.kind.label("kind"),
            literal(priority).label("priority"),
            literal("pending").label("status"),
            literal(start, table.c.not_before.type).label("not_before"),
            literal(not_after, table.c.not_after.type).label("not_after"),
            literal(0).label("attempts"),
            literal(0).label("parts_sent"),
            literal(0).label("in_doubt"),
            english.label("text"),
        )
    )


async def _insert_broadcast(session: AsyncSession, **values: Any) -> int | None:
    """INSERT … ON CONFLICT (key) DO NOTHING: race-safe idempotency on both databases."""
    table = Broadcast.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = make(table).values(**values)
    if values["key"] is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["key"])
    return await session.scalar(statement.returning(table.c.id))


Recipient = tuple[int, str, str, str, str | None]


async def _recipients(
    session: AsyncSession, audience: Audience, text_en: str | None, texts_for: TextsFor | None
) -> list[Recipient]:
    if texts_for is None:
        columns = select(
            Subscriber.id, Subscriber.channel, Subscriber.chat_id, Subscriber.kind,
            Subscriber.language,
        )  # fmt: skip
        result = await session.execute(audience.where(columns).order_by(Subscriber.id))
        return [
            (sid, channel, chat_id, kind, text_en if text_en and language == "en" else None)
            for sid, channel, chat_id, kind, language in result
        ]
    subscribers = list(await session.scalars(audience.subscribers()))
    topics = await _topics_of([s.id for s in subscribers if s.id is not None], session)
    recipients: list[Recipient] = []
    for subscriber in subscribers:
        assert subscriber.id is not None
        own = texts_for(subscriber, topics.get(subscriber.id, []))
        if own is not None:
            recipients.append(
                (subscriber.id, subscriber.channel, subscriber.chat_id, subscriber.kind, own)
            )
    return recipients


async def _topics_of(ids: Sequence[int], session: AsyncSession) -> dict[int, list[str]]:
    topics: dict[int, list[str]] = {}
    for first in range(0, len(ids), INSERT_CHUNK):
        rows = await session.execute(
            select(SubscriberTopic.subscriber_id, SubscriberTopic.topic).where(
                SubscriberTopic.subscriber_id.in_(ids[first : first + INSERT_CHUNK])
            )
        )
        for subscriber_id, topic in rows:
            topics.setdefault(subscriber_id, []).append(topic)
    return topics


async def broadcast_progress(session: AsyncSession, broadcast_id: int) -> Progress:
    """Counts by status, and the delivery rate over the last ten seconds."""
    counts: dict[str, int] = {}
    by_status = (
        select(OutboxMessage.status, func.count(), func.sum(OutboxMessage.in_doubt))
        .where(OutboxMessage.broadcast_id == broadcast_id)
        .group_by(OutboxMessage.status)
    )
    in_doubt = 0
    for status, count, doubted in await session.execute(by_status):
        counts[status] = count
        in_doubt += doubted or 0
    recent = await session.scalar(
        select(func.count()).where(
            OutboxMessage.broadcast_id == broadcast_id,
            OutboxMessage.status == "sent",
            OutboxMessage.sent_at >= utcnow() - timedelta(seconds=RATE_WINDOW_S),
        )
    )
    return Progress(
        total=sum(counts.values()),
        sent=counts.get("sent", 0),
        pending=counts.get("pending", 0) + counts.get("sending", 0),
        failed=counts.get("failed", 0),
        blocked=counts.get("blocked", 0),
        outside_window=counts.get("outside_window", 0),
        cancelled=counts.get("cancelled", 0),
        rate_per_s=round((recent or 0) / RATE_WINDOW_S, 1),
        in_doubt=in_doubt,
        expired=counts.get("expired", 0),
    )


@dataclass(frozen=True)
class FailureReason:
    """Why rows failed, for staff: what it means in Vietnamese, how many, one platform answer."""

    label: str
    count: int
    example: str


# Reasons the outbox (bot.outbox.worker) writes whole in last_error of a failed row.
EMPTY_TEXT_REASON = "empty text"
MIGRATED_ONTO_SUBSCRIBED_REASON = "migrated to a chat that is subscribed already"

# What the outbox writes in last_error (bot.outbox.worker), as staff read it.
_FAILURE_LABELS = {
    "invalid": "nền tảng từ chối tin (chat không còn, hoặc tin không hợp lệ)",
    "transient": "lỗi mạng hoặc máy chủ của nền tảng, đã thử lại nhiều lần",
    "migrated": "nhóm đã đổi địa chỉ nhiều lần",
    EMPTY_TEXT_REASON: "nội dung trống sau khi định dạng",
    MIGRATED_ONTO_SUBSCRIBED_REASON: "nhóm đã nâng cấp thành nhóm đã đăng ký sẵn",
}


async def failure_reasons(
    session: AsyncSession, broadcast_id: int, top: int = 3
) -> list[FailureReason]:
    """The most common reasons this broadcast's rows failed, most frequent first."""
    rows = await session.execute(
        select(OutboxMessage.last_error, func.count())
        .where(OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == "failed")
        .group_by(OutboxMessage.last_error)
        .order_by(func.count().desc())
        .limit(50)
    )
    counts: dict[str, int] = {}
    examples: dict[str, str] = {}
    for reason, count in rows:
        kind, _, answer = (reason or "").partition(": ")
        label = _FAILURE_LABELS.get(reason or "") or _FAILURE_LABELS.get(kind, reason or "?")
        counts[label] = counts.get(label, 0) + count
        examples.setdefault(label, answer or reason or "")
    ranked = sorted(counts.items(), key=lambda item: -item[1])[:top]
    return [FailureReason(label, count, examples[label]) for label, count in ranked]


async def cancel_broadcast(session: AsyncSession, broadcast_id: int) -> int:
    """Withdraw what is not yet sent; returns how many rows were cancelled.

    Rows a worker has already taken in hand (at most about a second's worth) may still
    go out; they then count as sent. A broadcast with nothing left to withdraw keeps
    its status: it was delivered, not cancelled."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.broadcast_id == broadcast_id,
            OutboxMessage.status.in_(("pending", "sending")),
        )
        .values(status="cancelled")
    )
    withdrawn: int = result.rowcount or 0  # type: ignore[attr-defined]
    if withdrawn:
        await session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id)
            .values(status=BroadcastStatus.CANCELLED)
        )
    return withdrawn


async def cancel_broadcast_as(session: AsyncSession, broadcast_id: int, actor: str) -> int:
    """cancel_broadcast, written to the audit log as done by `actor` (staff CLI, dashboard)."""
    withdrawn = await cancel_broadcast(session, broadcast_id)
    detail = f"tin số {broadcast_id}: rút {withdrawn} tin chưa gửi"
    session.add(AuditLog(actor=actor, action="broadcast.cancel", detail=detail))
    await session.flush()
    return withdrawn
