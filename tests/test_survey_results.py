"""Done when: residents answer the survey by typing only (no diacritics), and their answers
appear on the dashboard (by age group, tổ, channel) and in `survey export`, audited."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.models.core import AuditLog
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
    admin,
    dispatcher,
    database,
    cli,
    tmp_path,  # noqa: F811
):
    await residents_answer(dispatcher)
    await login(admin)
    page = await (await admin.get("/admin/survey")).text()
    assert "<b>2</b><span>người đã trả lời</span>" in page
    assert "Người trả lời theo nhóm tuổi" in page and "Từ 60 tuổi trở lên" in page
    assert "can hoi bac si dem" in page  # a "Khác" answer, no name beside it
    narrowed = await (await admin.get("/admin/survey?area=Tổ 3")).text()
    assert "Đang xem 1 người trả lời." in narrowed

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
    assert actions.count("survey.export") == 1

    code, out, err = cli("survey", "export", "-o", str(tmp_path))
    assert (code, out) == (2, "") and "là một thư mục" in err and err.count("\n") == 1
