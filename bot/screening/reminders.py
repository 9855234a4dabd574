"""Screening reminders through the outbox, each queued once: periodic scheduler hooks.

Per registration: the evening before (18:00), the morning of the session (07:00, for
sessions from 08:00 on; an earlier session's evening reminder says there is no morning
one), and, once staff have marked the person as attended, the day after (09:00) a note
that the results are in the Sổ sức khỏe điện tử on VNeID. `reminder_slots` is the one
rule for which reminders a registration gets: the hooks queue by it and the dialogue's
confirmation promises by it. For staff: on the 15th, the monthly
report due before the 20th. Each broadcast has its own key, so running the hooks
every few minutes, after a restart or on two instances still sends each one once.

A hook that finds its moment passed catches up only inside the same window (never
after 21:00, never a "tomorrow" reminder on the day itself). Names go only into the
per-recipient outbox row, which /xoadulieu deletes with the account; the broadcast
row, which staff pages show and which stays, carries the registration code instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core import ChatKind
from bot.i18n import translator
from bot.models.core import Subscriber
from bot.models.outbox import Broadcast, BroadcastKind
from bot.models.screening import Registration, RegistrationStatus, ScreeningSession
from bot.models.staff import StaffMember
from bot.outbox.audience import Audience
from bot.outbox.broadcasts import BroadcastRequest, create_broadcast
from content.dates import format_full_date
from content.station import load_station

log = logging.getLogger(__name__)

STATION_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
EVE_AT = time(18)
MORNING_AT = time(7)
# The quiet hours end at 07:00 and the hooks run every ten minutes, so a morning reminder
# for a session before 08:00 could land minutes before the start: too late to help.
MORNING_REMINDER_FROM = time(8)
RESULTS_AT = time(9)
# The station's quiet hours start here: nothing routine is queued later in the day.
EVENING_LIMIT = time(21)
RESULTS_NOTE_DAYS = 14
REPORT_DAY = 15
REPORT_REMINDER_AT = time(8)
BROADCAST_KIND = BroadcastKind.SCREENING


class Reminder(StrEnum):
    EVE = "eve"
    MORNING = "morning"
    RESULTS = "results"


@dataclass(frozen=True)
class Window:
    opens: datetime
    closes: datetime

    def holds(self, moment: datetime) -> bool:
        return self.opens <= moment < self.closes


def has_morning_reminder(held: ScreeningSession) -> bool:
    return held.start >= MORNING_REMINDER_FROM


def window(kind: Reminder, held: ScreeningSession, tz: tzinfo) -> Window | None:
    """When the reminder of `kind` may be queued for a session, in local time (None: never)."""

    def at(day: date, hour: time) -> datetime:
        return datetime.combine(day, hour, tzinfo=tz)

    if kind is Reminder.EVE:
        eve = held.day - timedelta(days=1)
        return Window(at(eve, EVE_AT), at(eve, EVENING_LIMIT))
    if kind is Reminder.MORNING:
        if not has_morning_reminder(held):
            return None
        return Window(at(held.day, MORNING_AT), at(held.day, held.start))
    after = held.day + timedelta(days=1)
    return Window(
        at(after, RESULTS_AT), at(held.day + timedelta(days=RESULTS_NOTE_DAYS), EVENING_LIMIT)
    )


def reminder_slots(
    held: ScreeningSession, registered_at: datetime, tz: tzinfo
) -> dict[Reminder, Window]:
    """The reminders before the session that a registration made at `registered_at` gets."""
    slots = {}
    for kind in (Reminder.EVE, Reminder.MORNING):
        slot = window(kind, held, tz)
        # Someone who registered after the reminder time was just told everything.
        if slot is not None and registered_at < slot.opens:
            slots[kind] = slot
    return slots


def due_reminder(
    registration: Registration, held: ScreeningSession, now: datetime, tz: tzinfo
) -> Reminder | None:
    """The reminder this registration should get now, if any."""
    if registration.status == RegistrationStatus.ATTENDED:
        local = now.astimezone(tz)
        daytime = MORNING_AT <= local.time() < EVENING_LIMIT
        results = window(Reminder.RESULTS, held, tz)
        return Reminder.RESULTS if daytime and results and results.holds(now) else None
    if registration.status != RegistrationStatus.REGISTERED:
        return None
    slots = reminder_slots(held, registration.created_at, tz)
    return next((kind for kind, slot in slots.items() if slot.holds(now)), None)


async def queue_due_reminders(
    session: AsyncSession, now: datetime, *, tz: tzinfo = STATION_TZ
) -> int:
    """Queue every reminder due at `now` not queued before; returns how many. No commit."""
    today = now.astimezone(tz).date()
    rows = await session.execute(
        select(Registration, ScreeningSession)
        .join(ScreeningSession, ScreeningSession.id == Registration.session_id)
        .where(
            Registration.subscriber_id.is_not(None),
            or_(
                and_(
                    Registration.status == RegistrationStatus.REGISTERED,
                    ScreeningSession.day.between(today, today + timedelta(days=1)),
                ),
                and_(
                    Registration.status == RegistrationStatus.ATTENDED,
                    ScreeningSession.day.between(today - timedelta(days=RESULTS_NOTE_DAYS), today),
                ),
            ),
        )
    )
    due = {
        f"screening:{kind}:{registration.id}": (kind, registration, held)
        for registration, held in rows
        if (kind := due_reminder(registration, held, now, tz))
    }
    queued = await _existing_keys(session, list(due))
    for key, (kind, registration, held) in due.items():
        if key not in queued:
            await _queue_reminder(session, key, kind, registration, held)
    created = len(due) - len(queued)
    if created:
        log.info("screening: queued %d reminders", created)
    return created


async def remind_staff_of_monthly_report(
    session: AsyncSession,
    now: datetime,
    *,
    tz: tzinfo = STATION_TZ,
    settings: Settings | None = None,
) -> bool:
    """On the 15th, tell staff chats the month's report is due before the 20th; once a month.

    Staff chats: accounts linked with `loaphuong staff add --telegram-id/--zalo-id`,
    and those in STAFF_IDS when `settings` is given. No commit."""
    local = now.astimezone(tz)
    if local.day != REPORT_DAY or not REPORT_REMINDER_AT <= local.time() < EVENING_LIMIT:
        return False
    month = f"{local:%Y-%m}"

    def text(language: str) -> str:
        _ = translator(language)
        return _(
            "**Nhắc việc: báo cáo khám sàng lọc tháng {thang}**\n\n"
            "Báo cáo tháng cần gửi trước ngày 20. Lập báo cáo bằng lệnh "
            "`loaphuong screening report --month {thang} -o bao-cao.xlsx` "
            "hoặc tải ở trang quản trị, mục Khám sàng lọc."
        ).format(thang=month)

    broadcast = await create_broadcast(
        session,
        BroadcastRequest(
            text=text("vi"),
            audience=Audience(
                subscriber_ids=await staff_subscriber_ids(session, settings),
                kinds=[ChatKind.PRIVATE],
            ),
            kind=BROADCAST_KIND,
            key=f"screening-report-reminder:{month}",
            title=f"Nhắc báo cáo khám sàng lọc tháng {month}",
            texts_for=lambda subscriber, _topics: text(subscriber.language),
        ),
    )
    return broadcast is not None


async def staff_subscriber_ids(session: AsyncSession, settings: Settings | None) -> list[int]:
    """Private chats of staff: linked staff accounts, plus STAFF_IDS if settings are given."""
    linked = [
        and_(
            Subscriber.channel == "telegram",
            Subscriber.chat_id.in_(select(StaffMember.telegram_id)),
        ),
        and_(
            Subscriber.channel.in_(("zalo_bot", "zalo_oa")),
            Subscriber.chat_id.in_(select(StaffMember.zalo_id)),
        ),
    ]
    if settings is not None:
        channels = await session.scalars(select(Subscriber.channel).distinct())
        linked += [
            and_(
                Subscriber.channel == channel,
                Subscriber.chat_id.in_(settings.staff_ids_for(channel)),
            )
            for channel in channels
        ]
    return list(
        await session.scalars(
            select(Subscriber.id)
            .where(Subscriber.kind == ChatKind.PRIVATE, or_(*linked))
            .order_by(Subscriber.id)
        )
    )


async def _existing_keys(session: AsyncSession, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return set(await session.scalars(select(Broadcast.key).where(Broadcast.key.in_(keys))))


async def _queue_reminder(
    session: AsyncSession,
    key: str,
    kind: Reminder,
    registration: Registration,
    held: ScreeningSession,
) -> None:
    assert registration.subscriber_id is not None
    await create_broadcast(
        session,
        BroadcastRequest(
            text=reminder_text(kind, "vi", registration, held, named=False),
            audience=Audience(
                subscriber_ids=[registration.subscriber_id], kinds=[ChatKind.PRIVATE]
            ),
            kind=BROADCAST_KIND,
            key=key,
            title=f"Nhắc lịch khám ({kind}) — mã {registration.code}",
            texts_for=lambda subscriber, _topics: reminder_text(
                kind, subscriber.language, registration, held
            ),
        ),
    )


def reminder_text(
    kind: Reminder,
    locale: str,
    registration: Registration,
    held: ScreeningSession,
    *,
    named: bool = True,
) -> str:
    """The reminder in `locale`; `named=False` leaves the person's name out (code only)."""
    _ = translator(locale)
    station = load_station().in_language(locale)
    code = _("mã {ma}").format(ma=registration.code)
    person = f"**{registration.full_name}** ({code})" if named and registration.full_name else code
    values = {
        "nguoi": person,
        "ngay": format_full_date(held.day, "en" if locale == "en" else "vi"),
        "gio": f"{held.start:%H:%M}",
        "dia_diem": held.place,
        "dien_thoai": station.phone,
    }
    if kind is Reminder.EVE:
        template = _(
            "**Ngày mai có lịch khám sức khỏe miễn phí**\n\n"
            "Lịch khám của {nguoi}: {ngay}, lúc {gio}, tại {dia_diem}.\n\n"
            "- Mang theo căn cước (CCCD) và thẻ BHYT nếu có\n"
            "- Đến sớm vài phút để làm thủ tục{sang_som}\n\n"
            "Không đi được: gõ /huy để nhường chỗ cho người khác. Cần hỏi: gọi {dien_thoai}."
        )
        values["sang_som"] = (
            ""
            if has_morning_reminder(held)
            else "\n- "
            + _(
                "Buổi khám bắt đầu sớm nên sáng mai mình không nhắn lại; bà con đặt báo thức giúp nhé"
            )
        )
    elif kind is Reminder.MORNING:
        template = _(
            "**Hôm nay có lịch khám sức khỏe miễn phí**\n\n"
            "Lịch khám của {nguoi}: lúc {gio}, tại {dia_diem}.\n\n"
            "Nhớ mang căn cước (CCCD) và thẻ BHYT nếu có. Cần hỏi: gọi {dien_thoai}."
        )
    else:
        template = _(
            "**Kết quả khám sức khỏe có trong Sổ sức khỏe điện tử**\n\n"
            "Cảm ơn {nguoi} đã đến khám ngày {ngay}. Trạm y tế cập nhật kết quả khám vào "
            "Sổ sức khỏe điện tử; bà con xem trên ứng dụng VNeID:\n\n"
            "- Mở ứng dụng VNeID, đăng nhập tài khoản định danh điện tử\n"
            "- Chọn mục **Sổ sức khỏe điện tử**\n"
            "- Xem lần khám gần nhất\n\n"
            "Chưa thấy kết quả hoặc cần giải thích: gọi {dien_thoai}."
        )
    return template.format(**values)
