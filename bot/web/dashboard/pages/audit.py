"""Audit log: who read, exported or changed personal data, sent or approved, and when."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from bot.models.core import AuditLog
from bot.web.dashboard.pages.common import render, services

TITLE = "Nhật ký"
PATH = "/admin/audit"
PAGE_SIZE = 200
# What staff read for each recorded action; an unlisted code is shown as it is.
ACTION_NAMES = {
    "alert.draft": "Soạn cảnh báo",
    "alert.approve": "Duyệt cảnh báo",
    "alert.cancel": "Hủy / dừng cảnh báo",
    "broadcast.send": "Gửi tin hàng loạt",
    "broadcast.cancel": "Dừng tin hàng loạt",
    "dashboard.login": "Đăng nhập trang quản trị",
    "dashboard.logout_everywhere": "Đăng xuất mọi nơi",
    "faq.answer": "Trả lời câu hỏi",
    "privacy.erase": "Xóa dữ liệu cá nhân",
    "report.reach": "Lập báo cáo truyền thông",
    "rumor.answer": "Kết luận tin báo",
    "screening.attend": "Ghi nhận đến khám",
    "screening.export": "Tải danh sách khám",
    "screening.import": "Nhập danh sách khám",
    "screening.invite": "Mời khám sàng lọc",
    "screening.referral": "Chuyển tuyến",
    "screening.report": "Lập báo cáo khám tháng",
    "screening.session_add": "Thêm buổi khám",
    "screening.session_archive": "Kết thúc buổi khám",
    "staff.add": "Thêm cán bộ",
    "staff.remove": "Xóa cán bộ",
    "staff.password": "Đổi mật khẩu cán bộ",
}
routes = web.RouteTableDef()


@routes.get("/audit", name="audit")
async def audit_log(request: web.Request) -> web.Response:
    async with services(request).sessions() as session:
        rows = list(
            await session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(PAGE_SIZE))
        )
    tz = services(request).settings.tz
    return render("audit.html", request, {"rows": rows, "tz": tz, "actions": ACTION_NAMES})
