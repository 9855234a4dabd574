"""/dangky: register oneself or a relative for free health screening; /huy: cancel one;
/sdt: share (or delete) a phone number so the station can invite the resident.

Flow (the table at the end; docs/screening-dialogue.mmd is drawn from it); after consent
every step has "Quay lại" and "Hủy", and every button can be typed instead:
    /dangky or screening:start → CONSENT ("Không": nothing is stored) → WHO → NAME
    → BIRTH_YEAR → GROUPS (toggle, "Xong") → AREA → PHONE → SESSION → CONFIRM
    → seat taken, code given (a session filled or closed meanwhile sends the person back
    to SESSION). A person already registered in the round is told so at PHONE; the code is
    shown only to the account that registered them.
Answers wait in the dialogue state (ctx.data), so a restart resumes the same step.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import Enum, auto

from bot.areas import match_area
from bot.buttons import (
    ConfirmDrop,
    DropRegistration,
    EditAnswer,
    Registrant,
    RegistrantChoice,
    ScreeningAreaChoice,
    ScreeningGroupChoice,
    SessionChoice,
)
from bot.core import Button, Incoming, Reply
from bot.flows import (
    END,
    NO_WORDS,
    YES_WORDS,
    Flow,
    Means,
    On,
    Step,
    Typed,
    folded_answer,
    pressed,
)
from bot.models.core import AuditLog, Subscriber
from bot.models.screening import ScreeningSession
from bot.models.types import utcnow
from bot.routing import Context, HandlerResult, Router
from bot.screening.people import (
    OLDEST_BIRTH_YEAR,
    PhoneProblem,
    is_birth_year,
    normalize_phone,
    phone_problem,
    typed_name,
)
from bot.screening.registrations import (
    Applicant,
    Outcome,
    Upcoming,
    cancel,
    current_registration,
    open_sessions_for,
    own_name,
    register,
    unavailable_reason,
    upcoming_of,
)
from bot.screening.reminders import Reminder, reminder_slots
from bot.screening.sessions import local_now
from bot.screening.waitlist import wait_for_session
from bot.subscribers import find_subscriber, require_subscriber, update_subscriber
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
# Typed at any step, these act like the "Hủy" button.
CANCEL_WORDS = ("huy", "huy bo", "thoi", "cancel")
BACK, CANCEL_DATA = "screening:back", "screening:cancel"
KNOWN_NAME, KNOWN_PHONE = "screening:known_name", "screening:known_phone"
WAITLIST = "screening:waitlist"
# "Bà con ở Tổ 7 phải không?" answered with a yes.
AGREEING = YES_WORDS | {"dung", "dung roi", "phai", "phai roi"}


class ScreeningStep(Enum):
    CONSENT = auto()
    WHO = auto()
    AREA = auto()
    NO_SESSION = auto()
    NAME = auto()
    BIRTH_YEAR = auto()
    GROUPS = auto()
    PHONE = auto()
    SESSION = auto()
    CONFIRM = auto()


# From the confirmation, one answer can be changed: the dialogue comes straight back.
EDITABLE = (
    ScreeningStep.NAME,
    ScreeningStep.BIRTH_YEAR,
    ScreeningStep.GROUPS,
    ScreeningStep.PHONE,
    ScreeningStep.SESSION,
)


class CancelStep(Enum):
    """/huy with no registration under way: which one to cancel, then "yes"."""

    PICK = auto()
    CONFIRM = auto()


class PhoneShareStep(Enum):
    """/sdt: the resident was told what the number is for and is asked to type it."""

    ASK = auto()


@router.command(
    "dangky", words=("đăng ký khám", "dangky", "đăng ký", "đăng ký khám sàng lọc", "khám sàng lọc")
)
@router.button("screening:start")
async def on_register(_incoming: Incoming, ctx: Context) -> Reply:
    """Start afresh: say what is kept and why, and ask for consent."""
    await ctx.end_dialogue()
    return await go_to(ctx, ScreeningStep.CONSENT)


async def give_consent(_incoming: Incoming, ctx: Context) -> Reply:
    """Note when consent was given and ask who is being registered."""
    return await go_to(ctx, ScreeningStep.WHO, consent_at=utcnow().isoformat())


async def refuse_consent(_incoming: Incoming, ctx: Context) -> Reply:
    """End without storing anything."""
    await ctx.end_dialogue()
    return Reply(ctx._("Dạ, mình không lưu thông tin gì. Khi cần đăng ký, bà con gõ /dangky ạ."))


async def choose_who(incoming: Incoming, ctx: Context) -> Reply:
    """Self or a relative, then ask the tổ dân phố (whose sessions decide the rest)."""
    pressed = RegistrantChoice.parse(incoming.button)
    relative = bool(pressed and pressed.registrant is Registrant.RELATIVE)
    return await go_to(ctx, ScreeningStep.AREA, for_relative=relative)


async def receive_name(incoming: Incoming, ctx: Context) -> HandlerResult:
    """Keep the full name, then ask the birth year."""
    name = typed_name(incoming.text or "")
    if name is None:
        note = ctx._(
            "Họ và tên chỉ gồm chữ, từ 2 đến 6 tiếng, không phải câu hỏi, ví dụ “Nguyễn Thị Mai”."
        )
        return await go_to(ctx, ScreeningStep.NAME, note)
    return await onward(ctx, ScreeningStep.BIRTH_YEAR, full_name=name)


async def use_known_name(_incoming: Incoming, ctx: Context) -> Reply:
    """The name this account registered itself with before."""
    name = await known_name(ctx)
    if name is None:
        return await go_to(ctx, ScreeningStep.NAME)
    return await onward(ctx, ScreeningStep.BIRTH_YEAR, full_name=name)


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
    return await onward(ctx, ScreeningStep.GROUPS, birth_year=year, groups=groups)


async def toggle_group(incoming: Incoming, ctx: Context) -> Reply:
    """Tick or untick one group and show the list again."""
    pressed = ScreeningGroupChoice.parse(incoming.button)
    code = pressed.group if pressed else ""
    chosen = list(ctx.data.get("groups", []))
    if code in {group.code for group in load_screening_groups()}:
        chosen = [c for c in chosen if c != code] if code in chosen else [*chosen, code]
    return await go_to(ctx, ScreeningStep.GROUPS, groups=chosen)


async def finish_groups(_incoming: Incoming, ctx: Context) -> Reply:
    """At least one group, then ask the phone."""
    if not ctx.data.get("groups"):
        note = ctx._("Bà con chọn ít nhất một đối tượng ạ.")
        return await go_to(ctx, ScreeningStep.GROUPS, note)
    return await onward(ctx, ScreeningStep.PHONE)


async def choose_area_button(incoming: Incoming, ctx: Context) -> Reply:
    """The tổ dân phố picked with a button."""
    chosen = ScreeningAreaChoice.parse(incoming.button)
    return await save_area(ctx, chosen.area if chosen else "")


async def choose_area_text(incoming: Incoming, ctx: Context) -> HandlerResult:
    """The tổ dân phố typed ("to 3", "tổ 3", "3"); "có", "đúng" for the one from /chude."""
    typed = incoming.text or ""
    known = None if ctx.data.get("for_relative") else await subscriber_area(ctx)
    if known and folded_answer(typed) in AGREEING:
        typed = known
    return await save_area(ctx, typed)


async def receive_phone(incoming: Incoming, ctx: Context) -> HandlerResult:
    """Keep the mobile number in its normal form."""
    phone = normalize_phone(incoming.text or "")
    if phone is None:
        return await go_to(ctx, ScreeningStep.PHONE, phone_note(ctx, incoming.text or ""))
    return await keep_phone(incoming, ctx, phone)


def phone_note(ctx: Context, typed: str) -> str:
    """What is wrong with a typed number, said plainly."""
    problem = phone_problem(typed)
    if problem is PhoneProblem.TOO_SHORT:
        return ctx._("Số điện thoại thiếu số: số di động có 10 chữ số, ví dụ 0912 345 678.")
    if problem is PhoneProblem.TOO_LONG:
        return ctx._("Số điện thoại thừa số: số di động có 10 chữ số, ví dụ 0912 345 678.")
    if problem is PhoneProblem.NOT_MOBILE:
        return ctx._(
            "Đây không phải số di động (số máy bàn hoặc tổng đài). Trạm cần số di động, "
            "ví dụ 0912 345 678."
        )
    return ctx._("Số điện thoại chưa đúng. Bà con gõ số di động, ví dụ 0912 345 678.")


async def use_known_phone(incoming: Incoming, ctx: Context) -> HandlerResult:
    """The number this chat shared before (/sdt or an earlier registration)."""
    phone = await known_phone(ctx)
    if phone is None:
        return await go_to(ctx, ScreeningStep.PHONE)
    return await keep_phone(incoming, ctx, phone)


async def keep_phone(incoming: Incoming, ctx: Context, phone: str) -> Reply:
    """A person already registered in the round is told so; the others choose a session."""
    await ctx.set_step(ScreeningStep.PHONE, phone=phone)
    async with ctx.sessions() as session:
        earlier = await current_registration(session, applicant_of(ctx).identity)
        here = earlier is not None and made_here(
            await find_subscriber(session, incoming.channel, incoming.chat_id), earlier
        )
    if earlier is not None:
        await ctx.end_dialogue()
        return already_registered(ctx, earlier, here=here)
    return await onward(ctx, ScreeningStep.SESSION)


async def choose_session(incoming: Incoming, ctx: Context) -> Reply:
    """Keep the chosen session if it is still open, then show the summary."""
    chosen = SessionChoice.parse(incoming.button)
    wanted = chosen.session_id if chosen else 0
    now = local_now(ctx.settings.tz)
    async with ctx.sessions() as session:
        offered = await open_sessions_for(session, ctx.data["area"], now)
        if wanted not in {seats.session.id for seats in offered}:
            reason = await unavailable_reason(session, wanted, now)
            return await go_to(ctx, ScreeningStep.SESSION, unavailable(ctx, reason))
    return await go_to(ctx, ScreeningStep.CONFIRM, session_id=wanted, editing=False)


async def edit_answer(incoming: Incoming, ctx: Context) -> Reply:
    """Change one answer from the confirmation, then come straight back to it."""
    chosen = EditAnswer.parse(incoming.button)
    step = next((s for s in EDITABLE if chosen and s.name == chosen.step), None)
    if step is None:
        return await go_to(ctx, ScreeningStep.CONFIRM)
    return await go_to(ctx, step, editing=True)


async def join_waitlist(incoming: Incoming, ctx: Context) -> Reply:
    """No session for the tổ: the resident is invited when the station adds one."""
    area = ctx.data["area"]
    async with ctx.sessions() as session:
        subscriber = await require_subscriber(session, incoming)
        await wait_for_session(session, subscriber.id or 0, area)
    await ctx.end_dialogue()
    return Reply(
        ctx._(
            "Dạ, mình đã ghi lại. Khi trạm mở buổi khám cho {area}, mình sẽ nhắn bà con "
            "(vào ban ngày). Bà con không cần làm gì thêm."
        ).format(area=area)
    )


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


async def quit_registration(_incoming: Incoming, ctx: Context) -> Reply:
    """Leave the dialogue; what was typed so far is forgotten."""
    await ctx.end_dialogue()
    return Reply(ctx._("Đã hủy, thông tin vừa nhập đã được xóa. Gõ /dangky để đăng ký lại."))


@router.command("huy", words=("hủy lịch", "hủy lịch khám", "hủy đăng ký"))
async def on_cancel_list(incoming: Incoming, ctx: Context) -> Reply:
    """List the account's upcoming registrations, each a button with its name and date.

    Its buttons work without a dialogue step (each names its registration), so a
    registration half-way through is not lost by looking at one's appointments; with none
    under way, /huy also keeps a step, so the choice and the "yes" can be typed."""
    choices = await ask_cancel_choice(ctx)
    if not choices.buttons or FLOW.step_in(ctx) is not None:
        return choices
    return await CANCEL_FLOW.start(ctx, CancelStep.PICK)


async def ask_cancel_choice(ctx: Context) -> Reply:
    upcoming = await upcoming_here(ctx.incoming, ctx)
    if not upcoming:
        return Reply(ctx._("Bà con chưa có lịch khám nào sắp tới. Gõ /dangky để đăng ký."))
    lines = "\n".join(f"- {describe(ctx, u)}" for u in upcoming)
    return Reply(
        ctx._("Bà con muốn hủy lịch khám nào?\n\n{lines}").format(lines=lines),
        [
            Button(
                ctx._("{name}, ngày {day}").format(
                    name=u.registration.full_name or u.registration.code,
                    day=f"{u.session.day:%d/%m}",
                ),
                DropRegistration(u.registration.id or 0).pack(),
            )
            for u in upcoming
        ],
    )


@router.button(DropRegistration.prefix())
async def ask_drop_confirmation(incoming: Incoming, ctx: Context) -> Reply:
    """Say exactly which check-up would be cancelled, and ask to confirm."""
    wanted = DropRegistration.parse(incoming.button)
    chosen = next(
        (
            u
            for u in await upcoming_here(incoming, ctx)
            if wanted and u.registration.id == wanted.registration_id
        ),
        None,
    )
    if chosen is None:
        return Reply(ctx._("Lịch khám này đã được hủy hoặc đã qua. Gõ /huy để xem lại."))
    if in_cancel_dialogue(ctx):
        await ctx.set_step(CancelStep.CONFIRM, registration=chosen.registration.id)
    return Reply(
        ctx._("Hủy lịch khám {details}?").format(details=describe(ctx, chosen)),
        [
            Button(ctx._("Hủy lịch này"), ConfirmDrop(chosen.registration.id or 0).pack()),
            Button(ctx._("Không hủy"), "screening:keep"),
        ],
    )


async def ask_drop_again(ctx: Context) -> Reply:
    """The cancel question again, for the registration the dialogue holds."""
    registration = ctx.data.get("registration", 0)
    return await ask_drop_confirmation(
        pressed(ctx.incoming, DropRegistration(registration).pack()), ctx
    )


async def confirm_drop_by_typing(incoming: Incoming, ctx: Context) -> Reply:
    """ "có" / "1" cancels the registration asked about, "không" / "2" keeps it."""
    answer = folded_answer(incoming.text or "")
    registration = ctx.data.get("registration", 0)
    if answer in YES_WORDS or answer == "1":
        return await drop_registration(pressed(incoming, ConfirmDrop(registration).pack()), ctx)
    if answer in NO_WORDS or answer == "2":
        return await keep_registration(incoming, ctx)
    question = await ask_drop_again(ctx)
    hint = ctx._("Bà con gõ “có” để hủy lịch này, hoặc “không” để giữ lịch ạ.")
    return Reply(f"{hint}\n\n{question.text}", question.buttons)


def in_cancel_dialogue(ctx: Context) -> bool:
    return CANCEL_FLOW.step_in(ctx) is not None


@router.button(ConfirmDrop.prefix())
async def drop_registration(incoming: Incoming, ctx: Context) -> Reply:
    """Cancel one upcoming registration of this account; its seat is freed."""
    if in_cancel_dialogue(ctx):
        await ctx.end_dialogue()
    wanted = ConfirmDrop.parse(incoming.button)
    today = local_now(ctx.settings.tz).date()
    async with ctx.sessions() as session:
        subscriber = await find_subscriber(session, incoming.channel, incoming.chat_id)
        dropped = (
            await cancel(session, wanted.registration_id, subscriber_id=subscriber.id, today=today)
            if subscriber and subscriber.id and wanted
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


@router.button("screening:keep")
async def keep_registration(_incoming: Incoming, ctx: Context) -> Reply:
    if in_cancel_dialogue(ctx):
        await ctx.end_dialogue()
    return Reply(ctx._("Dạ, lịch khám vẫn giữ nguyên ạ."))


async def upcoming_here(incoming: Incoming, ctx: Context) -> list[Upcoming]:
    async with ctx.sessions() as session:
        subscriber = await find_subscriber(session, incoming.channel, incoming.chat_id)
        if subscriber is None or subscriber.id is None:
            return []
        return list(await upcoming_of(session, subscriber.id, local_now(ctx.settings.tz).date()))


@router.command("sdt", words=("số điện thoại", "cho số điện thoại"))
async def on_share_phone(incoming: Incoming, ctx: Context) -> Reply:
    """Say what a shared phone number is for, then ask for it (or offer to delete it)."""
    return await PHONE_FLOW.start(ctx, PhoneShareStep.ASK)


async def receive_shared_phone(incoming: Incoming, ctx: Context) -> Reply:
    """Keep the number for invitations: typing it after the explanation is the consent."""
    phone = normalize_phone(incoming.text or "")
    if phone is None:
        note = phone_note(ctx, incoming.text or "")
        return Reply(note, [cancel_button(ctx, "screening:phone:cancel")])
    await save_shared_phone(incoming, ctx, phone)
    await ctx.end_dialogue()
    return Reply(
        ctx._(
            "Đã lưu số {phone}. Khi bà con có tên trong danh sách khám miễn phí của tổ dân phố, "
            "trạm sẽ nhắn lời mời qua đây. Muốn xóa số: gõ /sdt rồi bấm “Xóa số”, hoặc /xoadulieu."
        ).format(phone=phone)
    )


async def forget_shared_phone(incoming: Incoming, ctx: Context) -> Reply:
    """Delete the number kept for this chat."""
    await save_shared_phone(incoming, ctx, None)
    await ctx.end_dialogue()
    return Reply(ctx._("Đã xóa số điện thoại. Trạm sẽ không nhắn lời mời theo số này nữa."))


async def keep_phone_as_is(_incoming: Incoming, ctx: Context) -> Reply:
    """Change nothing."""
    await ctx.end_dialogue()
    return Reply(ctx._("Dạ, mình giữ nguyên, không thay đổi số điện thoại nào."))


# --- questions ---------------------------------------------------------------------


async def go_to(ctx: Context, step: ScreeningStep, note: str = "", **data: object) -> Reply:
    return await FLOW.go_to(ctx, step, note, **data)


def with_way_out(ctx: Context, buttons: list[Button]) -> list[Button]:
    return [*buttons, back_button(ctx, BACK), cancel_button(ctx, CANCEL_DATA)]


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


# "Cho ai?" answered in words instead of a tap (compared whole, without diacritics).
SELF = ("toi", "minh", "ban than", "chinh toi", "chinh minh", "cho toi", "cho minh", "cho ban than")
_KIN = (
    *("me", "ma", "bo", "ba", "cha", "ong", "vo", "chong", "con", "anh", "chi", "chau"),
    *("co", "chu", "di", "bac", "cau", "mo", "thim", "bo me", "ba me", "ong ba"),
    *("ong noi", "ba noi", "ong ngoai", "ba ngoai", "ong ba noi", "ong ba ngoai"),
    *("nguoi nha", "nguoi than"),
)
RELATIVE = tuple(
    f"{lead}{kin}{whose}"
    for lead in ("", "cho ")
    for kin in _KIN
    for whose in ("", " toi", " minh", " em", " cua toi", " cua minh", " nha toi")
)


async def ask_who(ctx: Context) -> Reply:
    return Reply(
        ctx._("Bà con đăng ký khám cho ai?"),
        with_way_out(
            ctx,
            [
                Button(ctx._("Cho bản thân"), RegistrantChoice(Registrant.SELF).pack(), SELF),
                Button(
                    ctx._("Cho người thân"), RegistrantChoice(Registrant.RELATIVE).pack(), RELATIVE
                ),
            ],
        ),
    )


async def ask_name(ctx: Context) -> Reply:
    if ctx.data.get("for_relative"):
        return Reply(ctx._("Họ và tên đầy đủ của người thân đi khám?"), with_way_out(ctx, []))
    name = await known_name(ctx)
    if name is None:
        return Reply(ctx._("Họ và tên đầy đủ của bà con?"), with_way_out(ctx, []))
    return Reply(
        ctx._("Họ và tên đầy đủ của bà con? Đúng là {name} thì bấm tên, không thì gõ lại.").format(
            name=name
        ),
        with_way_out(ctx, [Button(name, KNOWN_NAME)]),
    )


async def ask_birth_year(ctx: Context) -> Reply:
    return Reply(ctx._("Năm sinh? Ví dụ 1955."), with_way_out(ctx, []))


async def ask_groups(ctx: Context) -> Reply:
    chosen = set(ctx.data.get("groups", []))
    age = local_now(ctx.settings.tz).year - int(ctx.data["birth_year"])
    buttons = [
        Button(
            ("✅ " if group.code in chosen else "⬜ ") + group.label(ctx.locale),
            ScreeningGroupChoice(group.code).pack(),
            group.aliases,
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
    question = area_question(ctx, retry=retry, kind=ScreeningAreaChoice)
    text, buttons = question.text, question.buttons
    known = None if ctx.data.get("for_relative") else await subscriber_area(ctx)
    if ctx.data.get("for_relative") and not retry:
        text = ctx._("Người thân của bà con ở tổ dân phố nào? Bấm chọn hoặc gõ, ví dụ “Tổ 3”.")
    elif known and not retry:
        # Chosen in /chude: offered first, one tap (or "1") away.
        text = ctx._("Bà con ở {area} phải không? Bấm {area}, hoặc chọn tổ khác.").format(
            area=known
        )
        buttons = sorted(buttons, key=lambda button: button.text != known)
    return Reply(text, with_way_out(ctx, buttons))


async def ask_no_session(ctx: Context) -> Reply:
    return Reply(
        ctx._(
            "Hiện chưa có buổi khám nào còn chỗ cho {area}. Bà con bấm “Nhắn tôi khi có lịch” để "
            "mình báo khi trạm mở buổi mới, hoặc chọn tổ khác. Hỏi lịch khám: gọi trạm "
            "{dien_thoai}."
        ).format(area=ctx.data["area"], dien_thoai=load_station().phone),
        [
            Button(ctx._("Nhắn tôi khi có lịch"), WAITLIST),
            Button(ctx._("Chọn tổ khác"), BACK),
            cancel_button(ctx, CANCEL_DATA),
        ],
    )


async def ask_phone(ctx: Context) -> Reply:
    text = ctx._("Số điện thoại di động để trạm liên hệ, ví dụ 0912 345 678?")
    phone = None if ctx.data.get("for_relative") else await known_phone(ctx)
    if phone is None:
        return Reply(text, with_way_out(ctx, []))
    note = ctx._("Dùng số {phone} thì bấm số, không thì gõ số khác.").format(phone=phone)
    return Reply(f"{text} {note}", with_way_out(ctx, [Button(phone, KNOWN_PHONE)]))


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
        buttons.append(Button(label, SessionChoice(held.id or 0).pack()))
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
        with_way_out(ctx, [Button(ctx._("Xác nhận"), "screening:confirm"), *edit_buttons(ctx)]),
    )


# --- helpers -----------------------------------------------------------------------


async def save_area(ctx: Context, typed: str) -> Reply:
    """The tổ, and at once whether it has a session: none offers the waiting list."""
    area = match_area(typed, list(load_station().areas))
    if area is None:
        await ctx.set_step(ScreeningStep.AREA)
        return await ask_area(ctx, retry=True)
    async with ctx.sessions() as session:
        offered = await open_sessions_for(session, area, local_now(ctx.settings.tz))
    if not offered:
        return await go_to(ctx, ScreeningStep.NO_SESSION, area=area)
    first = offered[0].session
    note = ctx._("{area} có {count} buổi khám còn chỗ, sớm nhất {day}.").format(
        area=area, count=len(offered), day=format_full_date(first.day, ctx.locale)
    )
    return await go_to(ctx, ScreeningStep.NAME, note, area=area)


async def onward(ctx: Context, step: ScreeningStep, **data: object) -> Reply:
    """The next question, or back to the confirmation when one answer was being changed."""
    if ctx.data.get("editing") and ctx.data.get("session_id"):
        return await go_to(ctx, ScreeningStep.CONFIRM, editing=False, **data)
    return await go_to(ctx, step, **data)


async def known_name(ctx: Context) -> str | None:
    """The name this account last registered itself with, if any."""
    async with ctx.sessions() as session:
        subscriber = await find_subscriber(session, ctx.incoming.channel, ctx.incoming.chat_id)
        if subscriber is None or subscriber.id is None:
            return None
        return await own_name(session, subscriber.id)


async def known_phone(ctx: Context) -> str | None:
    subscriber = await this_chat(ctx)
    return subscriber.phone if subscriber else None


async def subscriber_area(ctx: Context) -> str | None:
    subscriber = await this_chat(ctx)
    return subscriber.area if subscriber else None


async def this_chat(ctx: Context) -> Subscriber | None:
    async with ctx.sessions() as session:
        return await find_subscriber(session, ctx.incoming.channel, ctx.incoming.chat_id)


def edit_buttons(ctx: Context) -> list[Button]:
    labels = {
        ScreeningStep.NAME: ctx._("Sửa họ tên"),
        ScreeningStep.BIRTH_YEAR: ctx._("Sửa năm sinh"),
        ScreeningStep.GROUPS: ctx._("Sửa đối tượng"),
        ScreeningStep.PHONE: ctx._("Sửa số điện thoại"),
        ScreeningStep.SESSION: ctx._("Đổi buổi khám"),
    }
    return [Button(labels[step], EditAnswer(step.name).pack()) for step in EDITABLE]


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


async def ask_shared_phone(ctx: Context) -> Reply:
    kept = await known_phone(ctx)
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


# --- the dialogues, declared -------------------------------------------------------

S = ScreeningStep
CANCEL = On(CANCEL_DATA, quit_registration, to=(END,), words=CANCEL_WORDS)
FLOW = router.flow(
    Flow(
        "screening",
        started_by={"/dangky": S.CONSENT},
        chats=PRIVATE,
        back_data=BACK,
        way_out=(CANCEL,),
        steps={
            S.CONSENT: Step(
                ask_consent,
                buttons=(
                    On("screening:consent:yes", give_consent, to=(S.WHO,), means=Means.YES),
                    On("screening:consent:no", refuse_consent, to=(END,), means=Means.NO),
                ),
            ),
            S.WHO: Step(
                ask_who,
                buttons=(On(RegistrantChoice.prefix(), choose_who, to=(S.AREA,)),),
                back=S.CONSENT,
            ),
            S.AREA: Step(
                ask_area,
                buttons=(
                    On(ScreeningAreaChoice.prefix(), choose_area_button, to=(S.NAME, S.NO_SESSION)),
                ),
                typed=Typed(choose_area_text, to=(S.NAME, S.NO_SESSION)),
                back=S.WHO,
            ),
            S.NO_SESSION: Step(
                ask_no_session,
                buttons=(On(WAITLIST, join_waitlist, to=(END,), means=Means.YES),),
                back=S.AREA,
            ),
            S.NAME: Step(
                ask_name,
                buttons=(On(KNOWN_NAME, use_known_name, to=(S.BIRTH_YEAR, S.CONFIRM)),),
                typed=Typed(receive_name, to=(S.BIRTH_YEAR, S.CONFIRM)),
                back=S.AREA,
            ),
            S.BIRTH_YEAR: Step(
                ask_birth_year,
                typed=Typed(receive_birth_year, to=(S.GROUPS, S.CONFIRM)),
                back=S.NAME,
            ),
            S.GROUPS: Step(
                ask_groups,
                buttons=(
                    On(ScreeningGroupChoice.prefix(), toggle_group, to=(S.GROUPS,)),
                    On(
                        "screening:groups_done",
                        finish_groups,
                        to=(S.PHONE, S.CONFIRM),
                        means=Means.YES,
                    ),
                ),
                back=S.BIRTH_YEAR,
                several=True,
            ),
            S.PHONE: Step(
                ask_phone,
                buttons=(On(KNOWN_PHONE, use_known_phone, to=(S.SESSION, S.CONFIRM, END)),),
                typed=Typed(receive_phone, to=(S.SESSION, S.CONFIRM, END)),
                back=S.GROUPS,
            ),
            S.SESSION: Step(
                ask_session,
                buttons=(On(SessionChoice.prefix(), choose_session, to=(S.CONFIRM,)),),
                back=S.PHONE,
            ),
            S.CONFIRM: Step(
                ask_confirmation,
                buttons=(
                    On(
                        "screening:confirm",
                        confirm_registration,
                        to=(END, S.SESSION),
                        means=Means.YES,
                    ),
                    On(EditAnswer.prefix(), edit_answer, to=EDITABLE),
                ),
                back=S.SESSION,
            ),
        },
    )
)

# Its buttons are the stateless /huy buttons above: the steps only let them be typed.
CANCEL_FLOW = router.flow(
    Flow(
        "cancel",
        started_by={"/huy": CancelStep.PICK},
        chats=PRIVATE,
        steps={
            CancelStep.PICK: Step(ask_cancel_choice, lets_go=True),
            CancelStep.CONFIRM: Step(
                ask_drop_again, typed=Typed(confirm_drop_by_typing, to=(END,))
            ),
        },
    )
)

PHONE_FLOW = router.flow(
    Flow(
        "phone",
        started_by={"/sdt": PhoneShareStep.ASK},
        chats=PRIVATE,
        way_out=(
            On(
                "screening:phone:cancel",
                keep_phone_as_is,
                to=(END,),
                means=Means.NO,
                words=CANCEL_WORDS,
            ),
        ),
        steps={
            PhoneShareStep.ASK: Step(
                ask_shared_phone,
                buttons=(On("screening:phone:forget", forget_shared_phone, to=(END,)),),
                typed=Typed(receive_shared_phone, to=(END,)),
            ),
        },
    )
)
