"""`loaphuong report --period …`: the six-month reach report, read back with openpyxl."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from bot.models.core import Subscriber
from bot.models.outbox import Broadcast, OutboxMessage
from bot.outbox.audience import Audience
from bot.outbox.broadcasts import BroadcastRequest, create_broadcast
from bot.reports import parse_period, reach_report
from bot.xlsx import save_workbook
from tests.helpers import ChatDriver

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2026-H1", "6 tháng đầu năm 2026", "2026-01-01", "2026-07-01"),
        ("2026-H2", "6 tháng cuối năm 2026", "2026-07-01", "2027-01-01"),
        ("2026-12", "Tháng 12/2026", "2026-12-01", "2027-01-01"),
        ("12/2026", "Tháng 12/2026", "2026-12-01", "2027-01-01"),
        ("tháng 3/2027", "Tháng 3/2027", "2027-03-01", "2027-04-01"),
        ("2027", "Năm 2027", "2027-01-01", "2028-01-01"),
    ],
)
def test_periods(text, label, start, end):
    period = parse_period(text)
    assert (period.label, str(period.start), str(period.end)) == (label, start, end)


@pytest.mark.parametrize(
    "text", ["2026-H3", "2026-13", "26-H1", "H1", "", "0000", "9999-H2", "13/2026", "12/26"]
)
def test_a_wrong_period_is_named(text):
    with pytest.raises(ValueError, match=r"không hợp lệ|không tồn tại"):
        parse_period(text)


def summary_of(book) -> dict:
    return {row[0]: row[1] for row in book["Tổng quan"].iter_rows(values_only=True) if row[0]}


async def test_report_counts_recipients_and_deliveries_of_the_period(
    dispatcher, database, tmp_path
):
    for user, area in (("a", "Tổ 1"), ("b", "Tổ 1"), ("c", "Tổ 2"), ("d", "Tổ 2")):
        resident = ChatDriver(dispatcher, user_id=user)
        await resident.send("/start")
        await resident.press("sub:done")
        await resident.press(f"area:{area}")
    async with database.sessions() as session:
        broadcast = await create_broadcast(
            session,
            BroadcastRequest(
                text="Tin thử", audience=Audience(), kind="staff", title="Tin thử tháng 3"
            ),
        )
        march = datetime(2026, 3, 10, 3, tzinfo=UTC)
        for kind in ("rumor_reply", "faq_reply"):  # one-to-one answers are not "đợt tin"
            reply = await create_broadcast(
                session,
                BroadcastRequest(text="Trả lời", audience=Audience(subscriber_ids=[1]), kind=kind),
            )
            await session.execute(
                update(Broadcast).where(Broadcast.id == reply.id).values(created_at=march)
            )
        await session.execute(
            update(Subscriber).values(created_at=datetime(2026, 2, 1, tzinfo=UTC))
        )
        await session.commit()
    await ChatDriver(dispatcher, user_id="c").send("/dungnhan")  # today: after the period
    await ChatDriver(dispatcher, user_id="d").send("/dungnhan")
    async with database.sessions() as session:
        await session.execute(  # d stopped within the period
            update(Subscriber)
            .where(Subscriber.chat_id == "d")
            .values(stopped_at=datetime(2026, 5, 2, tzinfo=UTC))
        )
        await session.execute(
            update(Broadcast).where(Broadcast.id == broadcast.id).values(created_at=march)
        )
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.broadcast_id == broadcast.id)
            .values(status="sent", sent_at=march)
        )
        await session.commit()
        book = await reach_report(session, parse_period("2026-H1"), TZ, "lan")
        before_anyone = await reach_report(session, parse_period("2026-01"), TZ, "lan")
    save_workbook(book, tmp_path / "r.xlsx")

    sheets = load_workbook(tmp_path / "r.xlsx")
    summary = summary_of(sheets)
    # c stopped after the half-year ended: still a recipient at its end; d stopped in May.
    assert summary["Người/nhóm đang nhận tin (cuối kỳ)"] == 3
    assert summary["Đã dừng nhận tin"] == 1
    assert summary["Số đợt tin đã phát trong kỳ"] == 1
    assert summary["Số tin đã gửi tới người nhận"] == 4
    by_area = {r[0]: r[1] for r in sheets["Theo tổ dân phố"].iter_rows(values_only=True)}
    assert by_area["Tổ 1"] == 2 and by_area["Tổ 2"] == 1
    rows = [r for r in sheets["Các đợt tin"].iter_rows(values_only=True) if r[0] == "10/03/2026"]
    assert rows == [("10/03/2026", "Thông báo của trạm", "Tin thử tháng 3", 4, 4, 0)]
    assert summary_of(before_anyone)["Người/nhóm đang nhận tin (cuối kỳ)"] == 0


@pytest.mark.parametrize(("output", "complaint"), [(".", "là một thư mục"), ("r.csv", ".xlsx")])
def test_cli_report_to_an_unwritable_path_is_one_line(cli, output, complaint):
    code, out, err = cli("report", "--period", "2026-H1", "-o", output)
    assert code == 2 and complaint in err and err.count("\n") == 1 and out == ""


def test_cli_report_for_a_slashed_month_is_named_by_the_month(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("report", "--period", "11/2026")
    assert code == 0, err
    assert "Tháng 11/2026" in out and (tmp_path / "bao-cao-2026-11.xlsx").is_file()
