"""/xoadulieu: after one confirmation, what the bot kept about the chat is really gone."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.core import ChatKind
from bot.db import Database
from bot.models.core import AuditLog, DialogueStateRow, Subscriber, SubscriberTopic, WebMessage
from bot.models.faq import FaqHandoff
from bot.models.outbox import OutboxMessage
from bot.models.screening import Registration, ScreeningSession
from bot.models.staff import RumorReport
from bot.models.types import utcnow
from bot.outbox.audience import Audience
from bot.outbox.broadcasts import BroadcastRequest, create_broadcast
from bot.privacy import forget_abandoned_dialogues, forget_old_chat_history
from handlers import privacy, screening
from tests.helpers import ChatDriver
from tests.screening_rows import add_registration, add_session_row
from tests.test_screening_dialogue import NAME, PHONE, reach

SOON = date.today() + timedelta(days=5)


async def count(database: Database, table: type[SQLModel], *where: object) -> int:
    async with database.sessions() as session:
        query = select(func.count()).select_from(table).where(*where)  # type: ignore[arg-type]
        return await session.scalar(query) or 0


async def leave_traces(chat: ChatDriver, database: Database) -> ScreeningSession:
    """Everything a busy resident leaves behind: topics, a registration, a rumor, a hand-off…"""
    async with database.sessions() as session:
        upcoming = await add_session_row(session, SOON, ["Tổ 3"], capacity=10)
        past = await add_session_row(session, date.today() - timedelta(days=30), ["Tổ 3"])
    await chat.send("/start")
    await chat.press("topic:tre_em")
    await reach(chat, 8)
    await chat.press("screening:confirm")
    await chat.send("/baotin uống nước lá chữa khỏi lao")
    async with database.sessions() as session:
        [subscriber] = await session.scalars(
            select(Subscriber).where(Subscriber.chat_id == chat.user_id)
        )
        came = await add_registration(
            session, past, "PAST34", "Tổ 3", ["nguoi_cao_tuoi"], status="attended"
        )
        came.subscriber_id = subscriber.id
        session.add(
            FaqHandoff(channel="web", chat_id=chat.user_id, user_id=chat.user_id, text="hỏi")
        )
        session.add(WebMessage(user_id=chat.user_id, text="tin đang chờ"))
        await create_broadcast(
            session,
            BroadcastRequest(text="tin", audience=Audience(subscriber_ids=[subscriber.id or 0])),
        )
        await session.commit()
    return upcoming


async def test_erasing_removes_the_account_and_anonymises_registrations(dispatcher, database):
    chat = ChatDriver(dispatcher, user_id="mai")
    neighbour = ChatDriver(dispatcher, user_id="lan")
    await neighbour.send("/start")
    upcoming = await leave_traces(chat, database)
    await chat.send("/dangky")  # a dialogue left open

    await chat.send("/xoadulieu")
    assert "không hoàn tác" in chat.text and "1 lịch khám sắp tới" in chat.text
    await chat.press("privacy:erase")
    assert "Đã xóa dữ liệu" in chat.text

    assert await count(database, Subscriber) == 1  # the neighbour's
    assert await count(database, SubscriberTopic, SubscriberTopic.topic == "tre_em") == 0
    # The neighbour's /start left its greeting step; none of mai's dialogue is left.
    assert await count(database, DialogueStateRow, DialogueStateRow.chat_id == "mai") == 0
    assert await count(database, DialogueStateRow) == 1
    assert await count(database, WebMessage) == 0
    assert await count(database, FaqHandoff) == 0
    assert await count(database, OutboxMessage, OutboxMessage.chat_id == chat.user_id) == 0
    assert await count(database, RumorReport, RumorReport.chat_id.is_not(None)) == 0
    assert await count(database, RumorReport) == 1  # the rumor itself stays for staff
    async with database.sessions() as session:
        rows = list(await session.scalars(select(Registration).order_by(Registration.id)))
        held = await session.get(ScreeningSession, upcoming.id)
        [audit] = await session.scalars(select(AuditLog).where(AuditLog.action == "privacy.erase"))
    for row in rows:
        assert (row.full_name, row.phone, row.identity, row.subscriber_id) == (None,) * 4
        assert row.erased_at is not None and row.area == "Tổ 3"
    assert [(r.status, r.birth_year) for r in rows] == [("cancelled", 1950), ("attended", 1950)]
    assert rows[0].groups == ["nguoi_cao_tuoi", "ho_ngheo"]
    assert held is not None and held.seats_taken == 0
    assert NAME not in audit.detail and PHONE not in audit.detail


async def test_saying_no_keeps_everything(chat, database):
    await leave_traces(chat, database)
    await chat.send("/xoadulieu")
    await chat.press("privacy:keep")
    assert "không xóa" in chat.text
    assert await count(database, Subscriber) == 1
    assert await count(database, Registration, Registration.full_name == NAME) == 2


async def test_the_same_person_can_register_again_after_erasing(chat, database):
    await leave_traces(chat, database)
    await chat.send("/xoadulieu")
    await chat.press("privacy:erase")
    await reach(chat, 8)
    await chat.press("screening:confirm")
    assert "Mã đăng ký" in chat.text
    assert await count(database, Registration, Registration.full_name == NAME) == 1


async def test_personal_data_is_only_asked_and_erased_in_private_chats(dispatcher, database):
    group = ChatDriver(dispatcher, user_id="admin", chat_id="-100", chat_kind=ChatKind.GROUP)
    await group.send("/start")
    await group.send("/xoadulieu")
    assert "privacy:erase" not in group.buttons.values()
    await group.press("privacy:erase")
    assert await count(database, Subscriber) == 1
    for button in ("screening:start", "screening:consent:yes", "screening:phone:forget"):
        await group.press(button)
        assert "Nút này đã cũ" in group.text and not group.buttons, button


def test_every_personal_data_route_answers_in_private_chats_only():
    for router in (privacy.router, screening.router):
        routes = [route for routes in router.commands.values() for route in routes]
        kinds = [route.chat_kinds for route in routes]
        kinds += [chat_kinds for _role, chat_kinds in router.button_access().values()]
        assert kinds and all(chat_kinds == {ChatKind.PRIVATE} for chat_kinds in kinds)


async def test_abandoned_dialogues_are_forgotten_after_a_week(chat, database):
    await chat.send("/chude")
    await chat.press("sub:done")  # now half-way: asked for the tổ dân phố
    async with database.sessions() as session:
        assert await forget_abandoned_dialogues(session, utcnow() + timedelta(days=6)) == 0
        assert await forget_abandoned_dialogues(session, utcnow() + timedelta(days=8)) == 1
        await session.commit()
        assert await session.scalar(select(func.count()).select_from(DialogueStateRow)) == 0


async def test_erasing_deletes_survey_answers_and_keeps_the_neighbours(
    dispatcher, database, monkeypatch
):
    from bot.models.survey import SurveyAnswer, SurveyResponse

    monkeypatch.setattr("handlers.survey.today", lambda _ctx: date(2027, 1, 11))  # open

    async def answer_survey(chat: ChatDriver) -> None:
        await chat.send("/start")
        await chat.send("/khaosat")
        await chat.send("1")
        await chat.send("tre em")
        await chat.send("dung")

    chat, neighbour = ChatDriver(dispatcher, user_id="mai"), ChatDriver(dispatcher, user_id="lan")
    await answer_survey(chat)
    await answer_survey(neighbour)
    assert await count(database, SurveyAnswer) == 2
    await chat.send("/xoadulieu")
    assert "câu trả lời khảo sát" in chat.text
    await chat.press("privacy:erase")
    assert await count(database, SurveyResponse) == 1
    assert await count(database, SurveyAnswer) == 1


async def test_web_chat_history_is_kept_a_month_and_broadcasts_wait_for_their_reader(database):
    old = utcnow() - timedelta(days=31)
    async with database.sessions() as session:
        session.add(WebMessage(user_id="web-a", role="me", text="tên tôi là Mai", created_at=old))
        session.add(WebMessage(user_id="web-a", role="reply", text="Cảm ơn", created_at=utcnow()))
        session.add(WebMessage(user_id="web-a", text="tin từ trạm", created_at=old))
        await session.commit()
        assert await forget_old_chat_history(session, utcnow()) == 1
        await session.commit()
    assert await count(database, WebMessage, WebMessage.text == "tên tôi là Mai") == 0
    assert await count(database, WebMessage) == 2
