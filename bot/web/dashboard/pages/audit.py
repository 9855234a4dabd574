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
    "news.add": "Thêm điểm tin",
    "news.remove": "Xóa điểm tin",
    "privacy.erase": "Xóa dữ liệu cá nhân",
    "report.reach": "Lập báo cáo truyền thông",
    "rumor.answer": "Kết luận tin báo",
    "screening.absent": "Ghi nhận vắng khám",
    "screening.attend": "Ghi nhận đến khám",
    "screening.export": "Tải danh sách khám",
    "screening.import": "Nhập danh sách khám",
    "screening.invite": "Mời khám sàng lọc",
    "screening.lookup": "Xem danh sách đăng ký",
    "screening.phone_deleted": "Người dân xóa số điện thoại",
    "screening.phone_shared": "Người dân chia sẻ số điện thoại",
    "screening.referral": "Chuyển tuyến",
    "screening.report": "Lập báo cáo khám tháng",
    "screening.session_add": "Thêm buổi khám",
    "screening.session_archive": "Kết thúc buổi khám",
    "staff.add": "Thêm cán bộ",
    "staff.remove": "Xóa cán bộ",
    "staff.password": "Đổi mật khẩu cán bộ",
    "volunteer.add": "Thêm cộng tác viên",
    "volunteer.remove": "Bỏ vai trò cộng tác viên",
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
