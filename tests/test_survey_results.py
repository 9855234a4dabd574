"""Done when: residents answer the survey by typing only (no diacritics), and their answers
appear on the dashboard (by age group, tổ, channel) and in `survey export`, audited."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.models.core import AuditLog, Subscriber
from bot.models.news import NewsItem
from bot.models.outbox import Broadcast, OutboxMessage
from bot.reports import parse_period, reach_report
from tests.helpers import ChatDriver
from tests.test_dashboard import admin, login  # noqa: F401  (the fixture)


@pytest.fixture(autouse=True)
def survey_is_open(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("handlers.survey.today", lambda _ctx: date(2027, 1, 11))


async def answer_by_typing(chat: ChatDriver, area: str, typed: list[str]) -> None:
    await chat.send("/chude")
    await chat.press("sub:done")
    await chat.send(area)
    await chat.press("lang:vi")
    await chat.send("/khaosat")
    await chat.send("1")
    for text in typed:
        await chat.send(text)
    assert "Cảm ơn bà con đã trả lời" in chat.text


async def residents_answer(dispatcher) -> None:
    older = ChatDriver(dispatcher, user_id="ba-tu", channel="telegram")
    await answer_by_typing(
        older, "to 3", ["nguoi cao tuoi, benh man tinh", "nhom to", "sang som", "tu 60", "1 3"]
    )
    parent = ChatDriver(dispatcher, user_id="chi-ha")
    await answer_by_typing(
        parent, "to 5", ["tre em va tiem chung", "ZALO", "4", "18 den 39", "can hoi bac si dem"]
    )


async def test_typed_answers_reach_the_dashboard_and_the_export(
    admin,  # noqa: F811
    dispatcher,
    database,
    cli,
    tmp_path,
):
    await residents_answer(dispatcher)
    await login(admin)
    page = await (await admin.get("/admin/survey")).text()
    assert "<b>2</b><span>người đã trả lời</span>" in page
    assert "Người trả lời theo nhóm tuổi" in page and "Từ 60 tuổi trở lên" in page
    assert "can hoi bac si dem" in page  # a "Khác" answer, no name beside it
    narrowed = await (await admin.get("/admin/survey?area=Tổ 3")).text()
    assert "Đang xem 1 người trả lời." in narrowed

    download = await admin.get("/admin/survey/export.xlsx")
    assert download.status == 200 and "khao-sat-nhu_cau_2027.xlsx" in str(download.headers)
    output = tmp_path / "results.xlsx"
    code, out, err = cli("survey", "export", "-o", str(output), "--as", "lan")
    assert (code, err) == (0, "") and "Đã ghi kết quả khảo sát" in out
    book = load_workbook(output)
    by_question = [tuple(r) for r in book["Theo câu hỏi"].iter_rows(min_row=3, values_only=True)]
    assert ("Bà con tiện nhận tin qua đâu nhất?", "Zalo", 1) in by_question
    assert ("Bà con tiện nhận tin qua đâu nhất?", "Nhóm Zalo của tổ dân phố", 1) in by_question
    by_area = list(book["Theo tổ dân phố"].iter_rows(min_row=2, values_only=True))
    assert by_area[0] == ("Câu hỏi", "Lựa chọn", "Tổ 3", "Tổ 5")
    assert ("Bà con muốn nhận tin về những chủ đề nào? Chọn được nhiều.", "Trẻ em", 0, 1) in by_area
    by_channel = list(book["Theo kênh"].iter_rows(min_row=2, max_row=2, values_only=True))
    assert by_channel[0][2:] == ("Telegram", "Web")
    async with database.sessions() as session:
        actions = list(await session.scalars(select(AuditLog.action)))
    assert actions.count("survey.export") == 2  # the download and the CLI

    code, out, err = cli("survey", "export", "-o", str(tmp_path))
    assert (code, out) == (2, "") and "là một thư mục" in err and err.count("\n") == 1


async def test_the_period_report_counts_participation_top_topics_and_news_reach(
    dispatcher, database, settings
):
    await residents_answer(dispatcher)
    now = datetime.now(UTC)
    async with database.sessions() as session:
        session.add(NewsItem(day=now.date(), title="Tiêm cúm", summary="Tiêm cúm miễn phí."))
        [first, second] = await session.scalars(select(Subscriber.id).order_by(Subscriber.id))
        news = Broadcast(key="news:x", kind="news", text="**Điểm tin y tế tuần …**")
        observance = Broadcast(key="observances:x", kind="observance", text="Ngày sức khỏe")
        session.add_all([news, observance])
        await session.flush()
        session.add_all(
            [
                OutboxMessage(broadcast_id=news.id, subscriber_id=first, channel="web",
                              chat_id="a", status="sent", sent_at=now),
                OutboxMessage(broadcast_id=observance.id, subscriber_id=second, channel="web",
                              chat_id="b", status="sent", sent_at=now,
                              text="Ngày sức khỏe\n\n**Health news, week …**"),
                OutboxMessage(broadcast_id=observance.id, subscriber_id=first, channel="web",
                              chat_id="a", status="sent", sent_at=now, text="Ngày sức khỏe"),
            ]
        )  # fmt: skip
        await session.commit()
        book = await reach_report(session, parse_period(str(now.year)), settings.tz, actor="lan")
    news_sheet = {r[0]: r[1] for r in book["Điểm tin"].iter_rows(min_row=3, values_only=True)}
    assert news_sheet == {
        "Tin điểm tin y tế đưa lên trong kỳ": 1,
        "Bản điểm tin đã gửi tới người nhận": 2,
        "Số người/nhóm đã nhận điểm tin": 2,
    }
    survey = {r[1]: r[2] for r in book["Khảo sát"].iter_rows(min_row=3, values_only=True)}
    assert survey["Người trả lời ít nhất một câu"] == 2 and survey["Trả lời hết"] == 2
    top = [label for label in survey if label.startswith("Chủ đề được mong muốn")]
    assert len(top) == 4  # older people, chronic diseases, children, vaccination: once each
