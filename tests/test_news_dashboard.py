"""Staff add and remove news items on the dashboard; mistakes come back in Vietnamese."""

from __future__ import annotations

from multidict import MultiDict

from tests.test_dashboard import admin, csrf_of, login  # noqa: F401  (the fixture)


async def test_staff_add_an_item_see_it_in_the_weekly_preview_and_remove_it(admin):  # noqa: F811
    await login(admin)
    csrf = await csrf_of(admin, "/admin/news")
    form = MultiDict(
        [("csrf", csrf), ("title", "Khám mắt miễn phí"),
         ("summary", "Bệnh viện Mắt khám miễn phí sáng Chủ nhật."),
         ("link", "https://suckhoe.vn/mat"), ("topic", "nguoi_cao_tuoi"),
         ("topic", "chung")]
    )  # fmt: skip
    page = await (await admin.post("/admin/news", data=form)).text()
    assert "Đã thêm tin số 1" in page
    assert "nguoi_cao_tuoi, chung" in page
    assert "Điểm tin y tế tuần" in page and "[1] https://suckhoe.vn/mat" in page

    bad = MultiDict([("csrf", csrf), ("title", "Tin"), ("summary", "Một câu."),
                     ("area", "Tổ 99")])  # fmt: skip
    page = await (await admin.post("/admin/news", data=bad)).text()
    assert "Lỗi: không có tổ dân phố &#39;Tổ 99&#39;" in page

    page = await (await admin.post("/admin/news/1/remove", data={"csrf": csrf})).text()
    assert "Đã xóa tin số 1" in page and "Chưa có tin nào." in page
