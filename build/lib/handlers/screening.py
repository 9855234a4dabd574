"""/dangky: register oneself or a relative for free health screening; /huy: cancel one;
/sdt: share (or delete) a phone number so the station can invite the resident.

Flow (docs/screening-dialogue.mmd); after consent every step has "Quay lại" and "Hủy"
(typed "quay lại" / "hủy" at a typing step act the same):
    /dangky or screening:start → CONSENT ("Không": nothing is stored) → WHO → NAME
    → BIRTH_YEAR → GROUPS (toggle, "Xong") → AREA → PHONE → SESSION → CONFIRM
    → seat taken, code given (a session filled or closed meanwhile sends the person back
    to SESSION). A person already registered in the round is told so at PHONE; the code is
    shown only to the account that registered them.
Answers wait in the dialogue state (ctx.data), so a restart resumes the same step.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import Enum, auto

from bot.areas import match_area
from bot.core import Button, Incoming, Reply
from bot.models.core import AuditLog, Subscriber
from bot.models.screening import ScreeningSession
from bot.models.types import utcnow
from bot.routing import Context, Handler, HandlerResult, Router
from bot.screening.people import OLDEST_BIRTH_YEAR, clean_name, is_birth_year, normalize_phone
from bot.screening.registrations import (
    Applicant,
    Outcome,
    Upcoming,
    cancel,
    current_registration,
    open_sessions_for,
    register,
    unavailable_reason,
    upcoming_of,
)
from bot.screening.reminders import Reminder, reminder_slots
from bot.screening.sessions import local_now
from bot.state import step_name
from bot.subscribers import find_subscriber, require_subscriber, update_subscriber
from bot.text import fold
from content.dates import format_full_date
from content.station import load_screening_groups, load_station
from handlers.common import PRIVATE, back_button, cancel_button
from handlers.subscribe import area_question

# Personal data is asked and shown in private chats only, never in a group.
router = Router("screening", chats=PRIVATE)

# Người cao tuổi: from 60 (Luật Người cao tuổi 2009, Điều 2); the group is pre-ticked.
OLDER_PERSON_AGE = 60
OLDER_PERSON_GROUP = "nguoi_cao_tuoi"
_YEAR = re.compile(r"\b(\d{4})\b")
# Typed at a typing step, these act like the "Hủy" and "Quay lại" buttons (folded forms).
CANCEL_WORDS = {"huy", "huy bo", "thoi", "cancel"}
BACK_WORDS = {"quay lai", "tro lai", "back"}


class ScreeningStep(Enum):
    CONSENT = auto()
    WHO = auto()
    NAME = auto()
    BIRTH_YEAR = auto()
    GROUPS = auto()
    AREA = auto()
    PHONE = auto()
    SESSION = auto()
    CONFIRM = auto()


STEPS = list(ScreeningStep)


class PhoneShareStep(Enum):
    """/sdt: the resident was told what the number is for and is asked to type it."""

    ASK = auto()


def during(*steps: ScreeningStep) -> Callable[[Handler], Handler]:
    """Let a button act only at its own step; an old button re-asks the current question."""
    names = {step_name(step) for step in steps}

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(incoming: Incoming, ctx: Context) -> HandlerResult:
            if ctx.state is not None and ctx.state.step in names:
                return await handler(incoming, ctx)
            current = current_step(ctx)
            if current is None:
                return Reply(ctx._("Nút này đã cũ. Gõ /dangky để đăng ký khám ạ."))
            return await go_to(ctx, current, ctx._("Bà con trả lời giúp câu hỏi này trước ạ."))

        return guarded

    return wrap


def typed_way_out(handler: Handler) -> Handler:
    """At a typing step, let typed "hủy" / "quay lại" do what the buttons do."""

    @functools.wraps(handler)
    async def guarded(incoming: Incoming, ctx: Context) -> HandlerResult:
        typed = fold(incoming.text or "")
        if typed in CANCEL_WORDS:
            return await quit_registration(incoming, ctx)
        if typed in BACK_WORDS:
            return await go_back(incoming, ctx)
        return await handler(incoming, ctx)

    return guarded


@router.command("dangky")
@router.button("screening:start")
async def on_register(_incoming: Incoming, ctx: Context) -> Reply:
    """Start afresh: say what is kept and why, and ask for consent."""
    await ctx.end_dialogue()
    return await go_to(ctx, ScreeningStep.CONSENT)


@router.button("screening:consent:yes")
@during(ScreeningStep.CONSENT)
async def give_consent(_incoming: Incoming, ctx: Context) -> Reply:
    """Note when consent was given and ask who is being registered."""
    return await go_to(ctx, ScreeningStep.WHO, consent_at=utcnow().isoformat())


@router.button("screening:consent:no")
@during(ScreeningStep.CONSENT)
async def refuse_consent(_incoming: Incoming, ctx: Context) -> Reply:
    """End without storing anything."""
    await ctx.end_dialogue()
    return Reply(ctx._("Dạ, mình không lưu thông tin gì. Khi cần đăng ký, bà con gõ /dangky ạ."))


@router.button("screening:who:")
@during(ScreeningStep.WHO)
async def choose_who(incoming: Incoming, ctx: Context) -> Reply:
    """Self or a relative, then ask the full name."""
    relative = incoming.button == "screening:who:relative"
    return await go_to(ctx, ScreeningStep.NAME, for_relative=relative)


@router.step(ScreeningStep.NAME)
@typed_way_out
async def receive_name(incoming: Incoming, ctx: Context) -> HandlerResult:
    """Keep the full name, then ask the birth year."""
    name = clean_name(incoming.text or "")
    if name is None:
        note = ctx._("Họ và tên chỉ gồm chữ, ví dụ “Nguyễn Thị Mai”.")
        return await go_to(ctx, ScreeningStep.NAME, note)
    return await go_to(ctx, ScreeningStep.BIRTH_YEAR, full_name=name)


@router.step(ScreeningStep.BIRTH_YEAR)
@typed_way_out
async def receive_birth_year(incoming: Incoming, ctx: Context) -> HandlerResult:
    """Keep a sane birth year, then ask the groups (age shown back)."""
    today = local_now(ctx.settings.tz).date()
    this_year = today.year
    found = _YEAR.findall(incoming.text or "")
    year = int(found[0]) if len(found) == 1 else 0
    if not is_birth_year(year, today):
        note = ctx._("Năm sinh gồm 4 chữ số, từ {first} đến {last}, ví dụ 1955.").format(
            first=OLDEST_BIRTH_YEAR, last=this_year
        )
        return await go_to(ctx, ScreeningStep.BIRTH_YEAR, note)
    groups = ctx.data.get("groups") or (
        [OLDER_PERSON_GROUP] if this_year - year >= OLDER_PERSON_AGE else []
    )
    return await go_to(ctx, ScreeningStep.GROUPS, birth_year=year, groups=groups)


@router.button("screening:group:")
@during(ScreeningStep.GROUPS)
async def toggle_group(incoming: Incoming, ctx: Context) -> Reply:
    """Tick or untick one group and show the list again."""
    code = (incoming.button or "").removeprefix("screening:group:")
    chosen = list(ctx.data.get("groups", []))
    if code in {group.code for group in load_screening_groups()}:
        chosen = [c for c in chosen if c != code] if code in chosen else [*chosen, code]
    return await go_to(ctx, ScreeningStep.GROUPS, groups=chosen)


@router.button("screening:groups_done")
@during(ScreeningStep.GROUPS)
async def finish_groups(_incoming: Incoming, ctx: Context) -> Reply:
    """At least one group, then ask the tổ dân phố."""
    if not ctx.data.get("groups"):
        note = ctx._("Bà con chọn ít nhất một đối tượng ạ.")
        return await go_to(ctx, ScreeningStep.GROUPS, note)
    return await go_to(ctx, ScreeningStep.AREA)


@router.button("screening:area:")
@during(ScreeningStep.AREA)
async def choose_area_button(incoming: Incoming, ctx: Context) -> Reply:
    """The tổ dân phố picked with a button."""
    return await save_area(ctx, (incoming.button or "").removeprefix("screening:area:"))


@router.step(ScreeningStep.AREA)
@typed_way_out
async def choose_area_text(incoming: Incoming, ctx: Context) -> HandlerResult:
    """The tổ dân phố typed ("to 3", "tổ 3", "3")."""
    return await save_area(ctx, incoming.text or "")


@router.step(ScreeningStep.PHONE)
@typed_way_out
async def receive_phone(incoming: Incoming, ctx: Context) -> HandlerResult:
    """Keep the mobile number in its normal form; a person already registered is told so."""
    phone = normalize_phone(incoming.text or "")
    if phone is None:
        note = ctx._("Số điện thoại chưa đúng. Bà con gõ số di động, ví dụ 0912 345 678.")
        return await go_to(ctx, ScreeningStep.PHONE, note)
    await ctx.set_step(ScreeningStep.PHONE, phone=phone)
    async with ctx.sessions() as session:
        earlier = await current_registration(session, applicant_of(ctx).identity)
        here = earlier is not None and made_here(
            await find_subscriber(session, incoming.channel, incoming.chat_id), earlier
        )
    if earlier is not None:
        await ctx.end_dialogue()
        return already_registered(ctx, earlier, here=here)
    return await go_to(ctx, ScreeningStep.SESSION)


@router.button("screening:session:")
@during(ScreeningStep.SESSION)
async def choose_session(incoming: Incoming, ctx: Context) -> Reply:
    """Keep the chosen session if it is still open, then show the summary."""
    wanted = (incoming.button or "").removeprefix("screening:session:")
    now = local_now(ctx.settings.tz)
    async with ctx.sessions() as session:
        offered = await open_sessions_for(session, ctx.data["area"], now)
        if wanted not in {str(seats.session.id) for seats in offered}:
            reason = await unavailable_reason(session, int(wanted) if wanted.isdigit() else 0, now)
            return await go_to(ctx, ScreeningStep.SESSION, unavailable(ctx, reason))
    return await go_to(ctx, ScreeningStep.CONFIRM, session_id=int(wanted))


@router.button("screening:confirm")
@during(ScreeningStep.CONFIRM)
async def confirm_registration(incoming: Incoming, ctx: Context) -> Reply:
    """Take the seat and give the code; a seat taken meanwhile sends back to the sessions."""
    applicant = applicant_of(ctx)
    async with ctx.sessions() as session:
        subscriber = await require_subscriber(session, incoming)
        if not applicant.for_relative:
            # Lets staff invite this person by phone when their tổ's list is imported.
            await update_subscriber(session, subscriber, phone=applicant.phone)
        booking = await register(
            session,
            applicant,
            session_id=int(ctx.data["session_id"]),
            subscriber_id=subscriber.id,
            now=local_now(ctx.settings.tz),
        )
    if booking.seat is None:
        return await go_to(ctx, ScreeningStep.SESSION, unavailable(ctx, booking.outcome))
    await ctx.end_dialogue()
    if booking.outcome is Outcome.EXISTING:
        here = made_here(subscriber, booking.seat)
        return already_registered(ctx, booking.seat, here=here)
    return registered(ctx, booking.seat)


@router.button("screening:back")
@during(*STEPS[1:])
async def go_back(_incoming: Incoming, ctx: Context) -> Reply:
    """Show the previous question again (answers given so far are kept)."""
    current = current_step(ctx) or ScreeningStep.WHO
    return await go_to(ctx, STEPS[STEPS.index(current) - 1])


@router.button("screening:cancel")
@during(*STEPS)
async def quit_registration(_incoming: Incoming, ctx: Context) -> Reply:
    """Leave the dialogue; what was typed so far is forgotten."""
    await ctx.end_dialogue()
    return Reply(ctx._("Đã hủy, thông tin vừa nhập đã được xóa. Gõ /dangky để đăng ký lại."))


@router.step(
    ScreeningStep.CONSENT,
    ScreeningStep.WHO,
    ScreeningStep.GROUPS,
    ScreeningStep.SESSION,
    ScreeningStep.CONFIRM,
)
@typed_way_out
async def repeat_question(_incoming: Incoming, ctx: Context) -> HandlerResult:
    """Typed text where buttons are expected: show the buttons again."""
    step = current_step(ctx) or ScreeningStep.CONSENT
    return await go_to(ctx, step, ctx._("Bà con bấm một nút bên dưới ạ."))


@router.command("huy")
async def on_cancel_list(incoming: Incoming, ctx: Context) -> Reply:
    """List the account's upcoming registrations, each with its cancel button."""
    async with ctx.sessions() as session:
        subscriber = await find_subscriber(session, incoming.channel, incoming.chat_id)
        upcoming = (
            await upcoming_of(session, subscriber.id, local_now(ctx.settings.tz).date())
            if subscriber and subscriber.id
            else []
        )
    if not upcoming:
        return Reply(ctx._("Bà con chưa có lịch khám nào sắp tới. Gõ /dangky để đăng ký."))
    lines = "\n".join(f"- {describe(ctx, u)}" for u in upcoming)
    return Reply(
        ctx._("Bà con muốn hủy lịch khám nào?\n\n{lines}").format(lines=lines),
        [
            Button(
                ctx._("Hủy mã {code}").format(code=u.registration.code),
                f"screening:drop:{u.registration.id}",
            )
            for u in upcoming
        ],
    )


@router.button("screening:drop:")
async def drop_registration(incoming: Incoming, ctx: Context) -> Reply:
    """Cancel one upcoming registration of this account; its seat is freed."""
    wanted = (incoming.button or "").removeprefix("screening:drop:")
    today = local_now(ctx.settings.tz).date()
    async with ctx.sessions() as session:
        subscriber = await find_subscriber(session, incoming.channel, incoming.chat_id)
        dropped = (
            await cancel(session, int(wanted), subscriber_id=subscriber.id, today=today)
            if subscriber and subscriber.id and wanted.isdigit()
            else None
        )
    if dropped is None:
        return Reply(ctx._("Lịch khám này đã được hủy hoặc đã qua. Gõ /huy để xem lại."))
    return Reply(
        ctx._(
            "Đã hủy lịch khám mã {code}; chỗ đã được nhường cho người khác. "
            "Muốn đăng ký lại, gõ /dangky."
        ).format(code=dropped.registration.code)
    )


@router.command("sdt")
async def on_share_phone(incoming: Incoming, ctx: Context) -> Reply:
    """Say what a shared phone number is for, then ask for it (or offer to delete it)."""
    async with ctx.sessions() as session:
        subscriber = await find_subscriber(session, incoming.channel, incoming.chat_id)
    await ctx.set_step(PhoneShareStep.ASK)
    return phone_share_question(ctx, subscriber.phone if subscriber else None)


@router.step(PhoneShareStep.ASK)
async def receive_shared_phone(incoming: Incoming, ctx: Context) -> Reply:
    """Keep the number for invitations: typing it after the explanation is the consent."""
    if fold(incoming.text or "") in CANCEL_WORDS:
        return await keep_phone_as_is(incoming, ctx)
    phone = normalize_phone(incoming.text or "")
    if phone is None:
        note = ctx._("Số điện thoại chưa đúng. Bà con gõ số di động, ví dụ 0912 345 678.")
        return Reply(note, [cancel_button(ctx, "screening:phone:cancel")])
    await save_shared_phone(incoming, ctx, phone)
    await ctx.end_dialogue()
    return Reply(
        ctx._(
            "Đã lưu số {phone}. Khi bà con có tên trong danh sách khám miễn phí của tổ dân phố, "
            "trạm sẽ nhắn lời mời qua đây. Muốn xóa số: gõ /sdt rồi bấm “Xóa số”, hoặc /xoadulieu."
        ).format(phone=phone)
    )


@router.button("screening:phone:forget")
async def forget_shared_phone(incoming: Incoming, ctx: Context) -> Reply:
    """Delete the number kept for this chat."""
    await save_shared_phone(incoming, ctx, None)
    await ctx.end_dialogue()
    return Reply(ctx._("Đã xóa số điện thoại. Trạm sẽ không nhắn lời mời theo số này nữa."))


@router.button("screening:phone:cancel")
async def keep_phone_as_is(_incoming: Incoming, ctx: Context) -> Reply:
    """Change nothing."""
    await ctx.end_dialogue()
    return Reply(ctx._("Dạ, mình giữ nguyên, không thay đổi số điện thoại nào."))


# --- questions ---------------------------------------------------------------------


async def go_to(ctx: Context, step: ScreeningStep, note: str = "", **data: object) -> Reply:
    """Move to `step` (keeping `data`) and ask its question, after an optional note."""
    await ctx.set_step(step, **data)
    question = await QUESTIONS[step](ctx)
    text = f"{note}\n\n{question.text}" if note else question.text
    return Reply(text, question.buttons)


def with_way_out(ctx: Context, buttons: list[Button]) -> list[Button]:
    return [*buttons, back_button(ctx, "screening:back"), cancel_button(ctx, "screening:cancel")]


async def ask_consent(ctx: Context) -> Reply:
    station = load_station().in_language(ctx.locale)
    return Reply(
        ctx._(
            "**Đăng ký khám sức khỏe miễn phí**\n\n"
            "Để giữ chỗ, mình cần họ tên, năm sinh, đối tượng (người cao tuổi, người khuyết tật…), "
            "tổ dân phố và số điện thoại của người đi khám.\n\n"
            "- Dùng để: xếp lịch khám, nhắc lịch, mời khám các đợt sau, "
            "ghi kết quả vào Sổ sức khỏe điện tử\n"
            "- Người xem: cán bộ {tram}; báo cáo gửi cấp trên chỉ có số liệu, không có tên\n"
            "- Xóa bất cứ lúc nào: gõ /xoadulieu\n\n"
            "Bà con có đồng ý không?"
        ).format(tram=station.name),
        [
            Button(ctx._("Đồng ý"), "screening:consent:yes"),
            Button(ctx._("Không"), "screening:consent:no"),
        ],
    )


async def ask_who(ctx: Context) -> Reply:
    return Reply(
        ctx._("Bà con đăng ký khám cho ai?"),
        with_way_out(
            ctx,
            [
                Button(ctx._("Cho bản thân"), "screening:who:self"),
                Button(ctx._("Cho người thân"), "screening:who:relative"),
            ],
        ),
    )


async def ask_name(ctx: Context) -> Reply:
    if ctx.data.get("for_relative"):
        text = ctx._("Họ và tên đầy đủ của người thân đi khám?")
    else:
        text = ctx._("Họ và tên đầy đủ của bà con?")
    return Reply(text, with_way_out(ctx, []))


async def ask_birth_year(ctx: Context) -> Reply:
    return Reply(ctx._("Năm sinh? Ví dụ 1955."), with_way_out(ctx, []))


async def ask_groups(ctx: Context) -> Reply:
    chosen = set(ctx.data.get("groups", []))
    age = local_now(ctx.settings.tz).year - int(ctx.data["birth_year"])
    buttons = [
        Button(
            ("✅ " if group.code in chosen else "⬜ ") + group.label(ctx.locale),
            f"screening:group:{group.code}",
        )
        for group in load_screening_groups()
    ]
    buttons.append(Button(ctx._("Xong ➜"), "screening:groups_done"))
    return Reply(
        ctx._(
            "Năm sinh {year} ({age} tuổi). Người đi khám thuộc đối tượng nào? "
            "Bấm để chọn (chọn được nhiều), rồi bấm “Xong”."
        ).format(year=ctx.data["birth_year"], age=age),
        with_way_out(ctx, buttons),
    )


async def ask_area(ctx: Context, *, retry: bool = False) -> Reply:
    question = area_question(ctx, retry=retry, prefix="screening:")
    text = question.text
    if ctx.data.get("for_relative") and not retry:
        text = ctx._("Người thân của bà con ở tổ dân phố nào? Bấm chọn hoặc gõ, ví dụ “Tổ 3”.")
    return Reply(text, with_way_out(ctx, question.buttons))


async def ask_phone(ctx: Context) -> Reply:
    return Reply(
        ctx._("Số điện thoại di động để trạm liên hệ, ví dụ 0912 345 678?"), with_way_out(ctx, [])
    )


async def ask_session(ctx: Context) -> Reply:
    area = ctx.data["area"]
    async with ctx.sessions() as session:
        offered = await open_sessions_for(session, area, local_now(ctx.settings.tz))
    if not offered:
        return Reply(
            ctx._(
                "Hiện chưa có buổi khám nào còn chỗ cho {area}. Bà con có thể quay lại chọn tổ "
                "khác, hoặc gõ /dangky lại sau. Hỏi lịch khám: gọi trạm {dien_thoai}."
            ).format(area=area, dien_thoai=load_station().phone),
            with_way_out(ctx, []),
        )
    lines, buttons = [], []
    for number, seats in enumerate(offered, start=1):
        held = seats.session
        lines.append(
            ctx._("{number}. {day}, lúc {time}, tại {place} — còn {seats} chỗ").format(
                number=number,
                day=format_full_date(held.day, ctx.locale),
                time=f"{held.start:%H:%M}",
                place=held.place,
                seats=seats.seats_left,
            )
        )
        label = ctx._("{number}. {day} lúc {time}").format(
            number=number, day=f"{held.day:%d/%m}", time=f"{held.start:%H:%M}"
        )
        buttons.append(Button(label, f"screening:session:{held.id}"))
    return Reply(
        ctx._("Các buổi khám cho {area}:\n\n{lines}\n\nBà con chọn một buổi:").format(
            area=area, lines="\n".join(lines)
        ),
        with_way_out(ctx, buttons),
    )


async def ask_confirmation(ctx: Context) -> Reply:
    applicant = applicant_of(ctx)
    async with ctx.sessions() as session:
        held = await session.get(ScreeningSession, int(ctx.data["session_id"]))
    assert held is not None
    labels = {group.code: group.label(ctx.locale) for group in load_screening_groups()}
    return Reply(
        ctx._(
            "**Bà con kiểm tra lại thông tin:**\n\n"
            "- Họ và tên: {name}\n"
            "- Năm sinh: {year}\n"
            "- Đối tượng: {groups}\n"
            "- Tổ dân phố: {area}\n"
            "- Điện thoại: {phone}\n"
            "- Buổi khám: {day}, lúc {time}, tại {place}\n\n"
            "Đúng thì bấm “Xác nhận”."
        ).format(
            name=applicant.full_name,
            year=applicant.birth_year,
            groups=", ".join(labels.get(code, code) for code in applicant.groups),
            area=applicant.area,
            phone=applicant.phone,
            day=format_full_date(held.day, ctx.locale),
            time=f"{held.start:%H:%M}",
            place=held.place,
        ),
        with_way_out(ctx, [Button(ctx._("Xác nhận"), "screening:confirm")]),
    )


QUESTIONS: dict[ScreeningStep, Callable[[Context], Awaitable[Reply]]] = {
    ScreeningStep.CONSENT: ask_consent,
    ScreeningStep.WHO: ask_who,
    ScreeningStep.NAME: ask_name,
    ScreeningStep.BIRTH_YEAR: ask_birth_year,
    ScreeningStep.GROUPS: ask_groups,
    ScreeningStep.AREA: ask_area,
    ScreeningStep.PHONE: ask_phone,
    ScreeningStep.SESSION: ask_session,
    ScreeningStep.CONFIRM: ask_confirmation,
}


# --- helpers -----------------------------------------------------------------------


async def save_area(ctx: Context, typed: str) -> Reply:
    area = match_area(typed, list(load_station().areas))
    if area is None:
        await ctx.set_step(ScreeningStep.AREA)
        return await ask_area(ctx, retry=True)
    return await go_to(ctx, ScreeningStep.PHONE, area=area)


def current_step(ctx: Context) -> ScreeningStep | None:
    names = {step_name(step): step for step in STEPS}
    return names.get(ctx.state.step) if ctx.state else None


def made_here(subscriber: Subscriber | None, earlier: Upcoming) -> bool:
    """Whether this chat's account (`subscriber`, None if it has none) made the registration."""
    return subscriber is not None and earlier.registration.subscriber_id == subscriber.id


async def save_shared_phone(incoming: Incoming, ctx: Context, phone: str | None) -> None:
    """Keep (or, with None, delete) the chat's phone for invitations; audited without it."""
    async with ctx.sessions() as session:
        subscriber = await require_subscriber(session, incoming)
        action = "screening.phone_shared" if phone else "screening.phone_deleted"
        session.add(AuditLog(actor="resident", action=action, detail=incoming.channel))
        await update_subscriber(session, subscriber, phone=phone)


def phone_share_question(ctx: Context, kept: str | None) -> Reply:
    station = load_station().in_language(ctx.locale)
    text = ctx._(
        "**Nhận lời mời khám sức khỏe miễn phí**\n\n"
        "Khi tổ dân phố gửi danh sách người được khám miễn phí, trạm tìm số điện thoại "
        "trong danh sách để nhắn lời mời qua Loa phường.\n\n"
        "- Số chỉ dùng để mời khám; chỉ cán bộ {tram} xem được\n"
        "- Xóa bất cứ lúc nào: gõ /sdt rồi bấm “Xóa số”, hoặc gõ /xoadulieu\n\n"
        "Nếu đồng ý, bà con gõ số di động, ví dụ 0912 345 678."
    ).format(tram=station.name)
    buttons = [cancel_button(ctx, "screening:phone:cancel")]
    if kept:
        text = ctx._("Số đang lưu: {phone}.").format(phone=kept) + "\n\n" + text
        buttons.insert(0, Button(ctx._("Xóa số"), "screening:phone:forget"))
    return Reply(text, buttons)


def unavailable(ctx: Context, reason: Outcome) -> str:
    """Why the chosen session cannot be had any more."""
    if reason is Outcome.FULL:
        return ctx._("Rất tiếc, buổi đó vừa có người nhận chỗ cuối cùng. Bà con chọn buổi khác ạ.")
    return ctx._(
        "Buổi đó không còn nhận đăng ký (trạm đã đổi lịch, hoặc buổi đã bắt đầu). "
        "Bà con chọn buổi khác ạ."
    )


def applicant_of(ctx: Context) -> Applicant:
    data = ctx.data
    return Applicant(
        full_name=data["full_name"],
        birth_year=int(data["birth_year"]),
        phone=data["phone"],
        area=data["area"],
        groups=list(data.get("groups", [])),
        for_relative=bool(data.get("for_relative")),
        consent_at=datetime.fromisoformat(data["consent_at"]),
    )


def describe(ctx: Context, upcoming: Upcoming) -> str:
    held, registration = upcoming.session, upcoming.registration
    return ctx._("mã {code}: {name}, {day}, lúc {time}, tại {place}").format(
        code=registration.code,
        name=registration.full_name or "—",
        day=format_full_date(held.day, ctx.locale),
        time=f"{held.start:%H:%M}",
        place=held.place,
    )


def registered(ctx: Context, upcoming: Upcoming) -> Reply:
    registered_at = upcoming.registration.created_at
    promised = set(reminder_slots(upcoming.session, registered_at, ctx.settings.tz))
    return Reply(
        ctx._(
            "**Đã đăng ký xong!** Mã đăng ký: **{code}**\n\n"
            "{details}\n\n"
            "- Mang theo căn cước (CCCD) và thẻ BHYT nếu có\n"
            "- {reminders}\n"
            "- Không đi được: gõ /huy để nhường chỗ"
        ).format(
            code=upcoming.registration.code,
            details=describe(ctx, upcoming),
            reminders=reminder_promise(ctx, promised),
        )
    )


def reminder_promise(ctx: Context, promised: set[Reminder]) -> str:
    """What the confirmation says about reminders: exactly those that will be sent."""
    if promised == {Reminder.EVE, Reminder.MORNING}:
        return ctx._("Mình sẽ nhắc vào tối hôm trước và sáng hôm khám")
    if Reminder.EVE in promised:
        return ctx._("Mình sẽ nhắc vào tối hôm trước")
    if Reminder.MORNING in promised:
        return ctx._("Mình sẽ nhắc vào sáng hôm khám")
    return ctx._("Buổi khám đã gần nên mình không nhắn nhắc nữa, bà con nhớ giờ giúp nhé")


def already_registered(ctx: Context, earlier: Upcoming, *, here: bool) -> Reply:
    """Say the person is registered; the code and details only to the account that did it."""
    if not here:
        return Reply(
            ctx._(
                "Người này đã có tên trong đợt khám này (đăng ký từ một tài khoản khác), nên mình "
                "không đăng ký thêm. Muốn đổi hoặc hủy lịch, bà con gọi trạm: {dien_thoai}."
            ).format(dien_thoai=load_station().phone)
        )
    return Reply(
        ctx._(
            "Người này đã đăng ký đợt khám này rồi — {details}. Muốn đổi buổi, gõ /huy để hủy "
            "rồi đăng ký lại."
        ).format(details=describe(ctx, earlier))
    )
