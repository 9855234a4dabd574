"""Coverage is tied to the people on the lists: registrations are linked to their list row
(same name, birth year and tổ dân phố; the same phone when both have one) when they are
made, when the list comes in later, and the link outlives /xoadulieu."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.models.screening import EligibleResident, Registration, ScreeningSession
from bot.screening.attendance import mark_attended
from bot.screening.lists import import_list
from bot.screening.monthly import monthly_report, parse_month
from bot.screening.registrations import Applicant, register
from bot.screening.reminders import STATION_TZ
from tests.helpers import ChatDriver
from tests.screening_rows import add_session_row
from tests.test_screening_dialogue import reach

GOOD = (Path(__file__).parent / "data" / "screening" / "good.csv").read_bytes()
NOW = datetime.now(STATION_TZ)
SOON = NOW.date() + timedelta(days=3)


def person(name: str, year: int, area: str, phone: str) -> Applicant:
    return Applicant(
        full_name=name, birth_year=year, phone=phone, area=area, groups=["nguoi_cao_tuoi"]
    )


async def links(database) -> dict[str, str | None]:
    """Registration code → the name on the list row it is linked to (or None)."""
    async with database.sessions() as session:
        names = dict(
            (await session.execute(select(EligibleResident.id, EligibleResident.full_name))).all()
        )
        return {
            r.code: names.get(r.eligible_id) for r in await session.scalars(select(Registration))
        }


async def book(database, session_id: int | None, who: Applicant) -> str:
    async with database.sessions() as session:
        booking = await register(
            session, who, session_id=session_id or 0, subscriber_id=None, now=NOW
        )
    assert booking.seat is not None
    return booking.seat.registration.code


async def test_registrations_are_linked_to_the_matching_list_row(database):
    async with database.sessions() as session:
        held = await add_session_row(session, SOON, ["Tổ 1", "Tổ 2"])
        await import_list(session, "good.csv", GOOD, today=NOW.date(), actor="lan")
    codes = {
        "an": await book(database, held.id, person("nguyen van AN", 1948, "Tổ 1", "0912345678")),
        # the list has no phone for Bình: name, year and tổ are enough
        "binh": await book(database, held.id, person("Trần Thị Bình", 1975, "Tổ 1", "0911111111")),
        # the list has another phone for this Cường: not the same person
        "cuong": await book(database, held.id, person("Lê Văn Cường", 2015, "Tổ 2", "0922222222")),
        "walk_in": await book(database, held.id, person("Hồ Văn Mới", 1950, "Tổ 1", "0933333333")),
    }
    linked = await links(database)
    assert {who: linked[code] for who, code in codes.items()} == {
        "an": "Nguyễn Văn An",
        "binh": "Trần Thị Bình",
        "cuong": None,
        "walk_in": None,
    }


async def test_a_list_imported_later_links_the_registrations_already_made(database):
    async with database.sessions() as session:
        held = await add_session_row(session, SOON, ["Tổ 1", "Tổ 2"])
    an = await book(database, held.id, person("Nguyễn Văn An", 1948, "Tổ 1", "0912345678"))
    other = await book(database, held.id, person("Lê Văn Cường", 2015, "Tổ 2", "0922222222"))
    async with database.sessions() as session:
        await import_list(session, "good.csv", GOOD, today=NOW.date(), actor="lan")
    linked = await links(database)
    assert (linked[an], linked[other]) == ("Nguyễn Văn An", None)


async def test_the_link_and_the_coverage_outlive_erasure(dispatcher, database):
    listed = "Họ và tên,Năm sinh,Đối tượng,Tổ dân phố\nNguyễn Thị Mai,1950,Hộ nghèo,Tổ 3\n"
    async with database.sessions() as session:
        held = await add_session_row(session, SOON, ["Tổ 3"])
        await import_list(session, "to3.csv", listed.encode(), today=NOW.date(), actor="lan")
    chat = ChatDriver(dispatcher, user_id="mai")
    await reach(chat, 8)  # Nguyễn Thị Mai, 1950, Tổ 3
    await chat.press("screening:confirm")
    async with database.sessions() as session:
        [row] = await session.scalars(select(Registration))
        assert row.eligible_id is not None
        past = await session.get(ScreeningSession, held.id)
        assert past is not None
        past.day = NOW.date()  # the session took place this morning; Mai came
        await session.commit()
        await mark_attended(session, row.code, today=NOW.date(), actor="lan")

    await chat.send("/xoadulieu")
    await chat.press("privacy:erase")
    async with database.sessions() as session:
        [erased] = await session.scalars(select(Registration))
        report = await monthly_report(
            session, parse_month(f"{NOW:%Y-%m}"), today=NOW.date(), tz=STATION_TZ,
            actor="lan",
        )  # fmt: skip
    assert erased.full_name is None and erased.eligible_id == row.eligible_id
    assert {line.label: line.coverage for line in report.by_area}["Tổ 3"] == 100.0
