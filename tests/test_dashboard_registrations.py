"""The dashboard's registrations page, header counters and Vietnamese wording, over HTTP."""

from __future__ import annotations

from datetime import date, timedelta

from markupsafe import Markup
from sqlalchemy import select

from bot.faq import get_index
from bot.models.core import AuditLog
from bot.models.faq import FaqHandoff, FaqQuestion
from bot.models.screening import Registration
from bot.screening.registrants import masked_phone
from bot.web.dashboard.pages.common import phone_links
from tests.screening_rows import add_registration, add_session_row
from tests.test_dashboard import admin, csrf_of, login  # noqa: F401  (admin is a fixture)

LIST = "/admin/screening/sessions/1/registrations"


async def two_sessions(database) -> None:
    async with database.sessions() as session:
        today = await add_session_row(session, date.today(), ["Tổ 3"])
        later = await add_session_row(session, date.today() + timedelta(days=3), ["Tổ 4"])
        await add_registration(session, today, "K7Q2M", "Tổ 3", ["nguoi_cao_tuoi"])
        await add_registration(
            session,
            today,
            "H3X9A",
            "Tổ 3",
            ["khuyet_tat"],
            full_name="Trần Văn Bình",
            phone="0987654321",
        )
        await add_registration(session, later, "P4T8Z", "Tổ 4", ["nguoi_cao_tuoi"])


async def listed(admin, query: str = "", path: str = LIST) -> str:  # noqa: F811
    return await (await admin.get(path, params={"q": query} if query else None)).text()


async def test_registrations_are_found_by_name_code_or_phone_and_phones_are_masked(
    admin,  # noqa: F811
    database,
):
    await two_sessions(database)
    await login(admin)
    page = await listed(admin)
    assert "Nguyễn Thị Mai" in page and "Trần Văn Bình" in page and "P4T8Z" not in page
    assert "0912 ••• 678" in page and "0912345678" not in page
    for query in ("binh", "Văn Bình", "h3x9a", "0987 654", "+84 987654321"):
        found = await listed(admin, query)
        assert "Trần Văn Bình" in found and "Nguyễn Thị Mai" not in found, query
    assert "Không có ai khớp" in await listed(admin, "Lê Văn Tám")
    async with database.sessions() as session:
        lookups = list(
            await session.scalars(
                select(AuditLog.detail).where(AuditLog.action == "screening.lookup")
            )
        )
    assert lookups[0] == "buổi khám số 1" and "buổi khám số 1; có tìm kiếm" in lookups
    assert not any("binh" in detail for detail in lookups)  # the search words are not kept


async def test_marking_attended_or_absent_is_audited_and_waits_for_the_day(
    admin,  # noqa: F811
    database,
):
    await two_sessions(database)
    await login(admin)
    csrf = await csrf_of(admin, LIST)
    refused = await admin.post(f"{LIST}/attend", data={"code": "K7Q2M"})
    assert refused.status == 403  # no CSRF token
    page = await (
        await admin.post(f"{LIST}/absent", data={"csrf": csrf, "code": "H3X9A", "q": "binh"})
    ).text()
    assert "Đã ghi nhận mã H3X9A vắng" in page and 'value="binh"' in page
    page = await (await admin.post(f"{LIST}/attend", data={"csrf": csrf, "code": "k7q2m"})).text()
    assert "Đã ghi nhận mã K7Q2M đã đến khám" in page
    later = "/admin/screening/sessions/2/registrations"
    page = await (await admin.post(f"{later}/attend", data={"csrf": csrf, "code": "P4T8Z"})).text()
    assert "chưa diễn ra" in page
    async with database.sessions() as session:
        statuses = dict(
            (await session.execute(select(Registration.code, Registration.status))).all()
        )
        actions = list(await session.scalars(select(AuditLog.action)))
    assert statuses == {"K7Q2M": "attended", "H3X9A": "no_show", "P4T8Z": "registered"}
    assert "screening.absent" in actions and "screening.attend" in actions
    audit = await (await admin.get("/admin/audit")).text()
    assert "Ghi nhận vắng khám" in audit and "Xem danh sách đăng ký" in audit
    assert (await admin.get("/admin/screening/sessions/99/registrations")).status == 404


async def test_header_counts_waiting_questions_and_rumours_and_scores_read_as_words(
    admin,  # noqa: F811
    database,
):
    async with database.sessions() as session:
        session.add(
            FaqHandoff(channel="zalo_oa", chat_id="z", user_id="z", text="Gọi tôi: 0912 345 678")
        )
        session.add(
            FaqQuestion(text="vắc xin sởi", topic="screening.cost", score=0.41, outcome="unsure")
        )
        await session.commit()
    await login(admin)
    page = await (await admin.get("/admin/faq")).text()
    assert "Câu hỏi chờ <b>1</b>" in page and "Tin báo chờ <b>0</b>" in page
    assert '<a href="tel:0912345678">0912 345 678</a>' in page
    assert "gần đúng" in page and "0.41" not in page and "kênh zalo_oa" not in page
    assert get_index("vi").entries["screening.cost"].question in page


def test_a_phone_is_masked_enough_to_tell_people_apart():
    assert masked_phone("0912345678") == "0912 ••• 678"
    assert masked_phone(None) == "—"


def test_phone_numbers_become_tel_links_but_links_years_and_tags_stay():
    text = Markup('<p>Gọi 115 hoặc 1900 9095. <a href="https://x.vn/0912345678">xem</a></p>')
    linked = str(phone_links(text + " Trạm: +84 912.345.678, năm 2026 & <b>"))
    assert '<a href="tel:115">115</a>' in linked
    assert '<a href="tel:19009095">1900 9095</a>' in linked
    assert '<a href="tel:+84912345678">+84 912.345.678</a>' in linked
    assert 'href="https://x.vn/0912345678">xem</a>' in linked and "tel:2026" not in linked
    assert "&amp; &lt;b&gt;" in linked  # plain text is escaped
