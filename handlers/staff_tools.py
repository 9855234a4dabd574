"""/thongke for staff: key numbers; /chuyentiep for group admins and staff: forward kits."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core import Incoming, Reply, Role
from bot.forward_kit import recent_kits
from bot.roles import has_role
from bot.routing import Context, Router
from bot.stats import key_numbers, last_days

router = Router("staff_tools")


@router.command("thongke", role=Role.STAFF)
async def on_stats(_incoming: Incoming, ctx: Context) -> Reply:
    """The station's key reach numbers for the last 30 days."""
    async with ctx.sessions() as session:
        numbers = await key_numbers(session, last_days(datetime.now(UTC)))
    channels = ", ".join(f"{name} {count}" for name, count in numbers.by_channel.items()) or "—"
    areas = (
        ", ".join(f"{name}: {count}" for name, count in list(numbers.by_area.items())[:12]) or "—"
    )
    return Reply(
        ctx._(
            "**Thống kê Loa phường**\n\n"
            "- Đang nhận tin: {active} (trong đó {groups} nhóm)\n"
            "- Mới trong 30 ngày: {new}\n"
            "- Đã dừng nhận tin: {stopped}\n"
            "- Theo kênh: {channels}\n"
            "- Theo tổ dân phố: {areas}\n"
            "- 30 ngày qua: {broadcasts} đợt tin, {delivered} tin đã tới, {failed} tin lỗi"
        ).format(
            active=numbers.active,
            groups=numbers.groups,
            new=numbers.new_since,
            stopped=numbers.stopped,
            channels=channels,
            areas=areas,
            broadcasts=numbers.broadcasts,
            delivered=numbers.delivered,
            failed=numbers.failed,
        )
    )


@router.command("chuyentiep", role=Role.GROUP_ADMIN)
async def on_forward_kits(_incoming: Incoming, ctx: Context) -> list[Reply]:
    """The latest public messages as short texts with a link, ready to forward to Zalo groups."""
    async with ctx.sessions() as session:
        kits = await recent_kits(session, ctx.settings.base_url)
    if not kits:
        return [Reply(ctx._("Chưa có tin nào để chuyển tiếp."))]
    return [
        Reply(ctx._("Các tin mới nhất — bấm giữ để sao chép và chuyển tiếp vào nhóm Zalo của tổ:")),
        *(Reply(kit.as_message()) for kit in kits),
    ]


async def staff_help(incoming: Incoming, ctx: Context) -> str | None:
    """The /trogiup section for staff or group admins; None for everyone else."""
    if await has_role(incoming, ctx, Role.STAFF):
        return ctx._(
            "**Lệnh cho cán bộ trạm y tế**\n\n"
            "- /canhbao — soạn cảnh báo, xem trước, duyệt và gửi\n"
            "- /duyet số — xem và duyệt bản nháp của đồng nghiệp\n"
            "- /tindon — tin báo tin đồn đang chờ trả lời\n"
            "- /thongke — số người nhận tin, số tin đã gửi\n"
            "- /chuyentiep — bản chuyển tiếp các tin mới nhất cho nhóm Zalo"
        )
    if await has_role(incoming, ctx, Role.GROUP_ADMIN):
        return ctx._(
            "**Lệnh cho quản trị viên nhóm**\n\n"
            "- /chude (trong nhóm) — chọn chủ đề, tổ dân phố của nhóm\n"
            "- /chuyentiep — bản chuyển tiếp các tin mới nhất cho nhóm Zalo"
        )
    return None
