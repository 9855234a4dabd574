"""`loaphuong broadcast send|status|cancel`: staff broadcasts through the outbox.

The running bot (`loaphuong run`) delivers what `send` queues; `status` reads the
outbox table, so it works from any terminal on the same database.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli import CliError
from bot.cli.common import acting_user, open_session, run_with_session

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.models.outbox import Broadcast
    from bot.outbox.broadcasts import Progress
    from bot.scheduling.plan import Timing

MAX_TEXT = 10_000
MAX_SPREAD = timedelta(hours=12)
RECENT = 10
_SPREAD = re.compile(r"^(?:(\d+)h)?(?:(\d+)m(?:in)?)?$")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "broadcast",
        help="gửi tin hàng loạt qua hàng đợi, xem tiến độ, hủy",
        description="Tin hàng loạt của trạm. Bot đang chạy (loaphuong run) sẽ gửi, "
        "đúng tốc độ nền tảng cho phép, không gửi tin thường trong giờ nghỉ.",
    )
    actions = parser.add_subparsers(dest="broadcast_action", metavar="VIỆC", required=True)

    send = actions.add_parser(
        "send",
        help="tạo một tin hàng loạt, in số tin",
    )
    body = send.add_mutually_exclusive_group(required=True)
    body.add_argument("--text", help="nội dung tin (Markdown: **đậm**, - gạch đầu dòng)")
    body.add_argument("--file", type=Path, help="tệp Markdown chứa nội dung tin")
    send.add_argument(
        "--topic",
        action="append",
        default=[],
        help="chỉ người chọn chủ đề này (mã hoặc tên, lặp được)",
    )
    send.add_argument(
        "--area", action="append", default=[], help='chỉ tổ dân phố này, ví dụ "Tổ 3" (lặp được)'
    )
    send.add_argument(
        "--urgent", action="store_true", help="khẩn: gửi ngay cả giờ nghỉ, đi trước tin thường"
    )
    send.add_argument(
        "--spread",
        type=spread_window,
        help="rải tin đều trong khoảng này (ví dụ 3h, 90m, 1h30m) để điện thoại trạm "
        "không bị gọi dồn cùng lúc; không dùng với --urgent",
    )
    send.add_argument("--as", dest="actor", help="người gửi, ghi vào nhật ký")
    send.set_defaults(func=send_command)

    status = actions.add_parser(
        "status", help="tiến độ một tin (thanh tiến độ trực tiếp), hoặc các tin gần đây"
    )
    status.add_argument("id", type=int, nargs="?", help="số tin (bỏ trống: 10 tin gần nhất)")
    status.add_argument(
        "--once", action="store_true", help="in một dòng rồi thoát, kể cả trong terminal"
    )
    status.set_defaults(func=status_command)

    cancel = actions.add_parser("cancel", help="hủy phần chưa gửi của một tin")
    cancel.add_argument("id", type=int, help="số tin")
    cancel.add_argument("--as", dest="actor", help="người hủy, ghi vào nhật ký")
    cancel.set_defaults(func=cancel_command)


def spread_window(text: str) -> timedelta:
    match = _SPREAD.match(text.strip().lower())
    if not text.strip() or match is None:
        raise argparse.ArgumentTypeError(f"khoảng rải tin không hợp lệ: {text!r} (ví dụ 3h, 90m)")
    hours, minutes = (int(part or 0) for part in match.groups())
    window = timedelta(hours=hours, minutes=minutes)
    if not timedelta(0) < window <= MAX_SPREAD:
        raise argparse.ArgumentTypeError("khoảng rải tin phải từ 1 phút đến 12 giờ")
    return window


def send_command(args: argparse.Namespace) -> int:
    from bot.alerts import AlertError, checked_areas, checked_topics

    text = _text_of(args)
    try:
        topics = checked_topics(args.topic)
        areas = checked_areas(args.area)
    except AlertError as exc:
        raise CliError(str(exc)) from None
    if args.urgent and args.spread:
        raise CliError("tin khẩn đi ngay, không rải theo --spread; bỏ một trong hai")
    broadcast, recipients = run_with_session(
        lambda session: _create(session, text, topics, areas, args)
    )
    kind = "KHẨN" if args.urgent else "thường"
    print(f"Đã tạo tin số {broadcast.id} ({kind}) cho {recipients} người nhận.")
    if recipients == 0:
        print("Lưu ý: không ai khớp chủ đề / tổ dân phố đã chọn; không có tin nào được gửi.")
    if args.spread:
        print(_spread_line(broadcast, args.spread))
    print(f"Xem tiến độ: loaphuong broadcast status {broadcast.id}")
    return 0


def _spread_line(broadcast: Broadcast, spread: timedelta) -> str:
    from bot.outbox.broadcasts import SendingTime

    timing = _timing()
    end = SendingTime(broadcast.not_before, spread, timing).end.astimezone(timing.tz)
    line = f"Tin được rải đều trong {_duration(spread)}"
    if timing.quiet_start != timing.quiet_end:
        line += f", bỏ qua giờ nghỉ {timing.quiet_start:02d}:00–{timing.quiet_end:02d}:00"
    return line + f"; xong khoảng {end:%H:%M} ngày {end:%d/%m}."


def _timing() -> Timing:
    from bot.config import get_settings
    from bot.scheduling.plan import Timing

    return Timing.of(get_settings())


async def _create(
    session: AsyncSession, text: str, topics: list[str], areas: list[str], args: argparse.Namespace
) -> tuple[Broadcast, int]:
    from sqlalchemy import func, select

    from bot.models.core import AuditLog
    from bot.models.outbox import BroadcastKind, OutboxMessage
    from bot.outbox.audience import Audience
    from bot.outbox.broadcasts import BroadcastRequest, create_broadcast

    actor = acting_user(args.actor)
    broadcast = await create_broadcast(
        session,
        BroadcastRequest(
            text=text,
            audience=Audience(topics=topics, areas=areas),
            kind=BroadcastKind.STAFF,
            title=text.splitlines()[0][:80],
            urgent=args.urgent,
            spread=args.spread,
            quiet=_timing(),
            created_by=actor,
        ),
    )
    assert broadcast is not None and broadcast.id is not None  # no key: never a duplicate
    recipients = await session.scalar(
        select(func.count()).where(OutboxMessage.broadcast_id == broadcast.id)
    )
    target = ", ".join([*topics, *areas]) or "toàn phường"
    detail = f"tin số {broadcast.id}: {recipients} người nhận ({target})"
    session.add(AuditLog(actor=actor, action="broadcast.send", detail=detail))
    await session.commit()
    return broadcast, recipients or 0


def _text_of(args: argparse.Namespace) -> str:
    from bot.channels.markdown import has_readable_text

    if args.file:
        try:
            text = args.file.read_text(encoding="utf-8")
        except OSError as exc:
            raise CliError(f"không đọc được tệp '{args.file}': {exc.strerror}") from None
        except UnicodeDecodeError:
            raise CliError(f"tệp '{args.file}' không phải văn bản UTF-8") from None
    else:
        text = args.text
    text = text.strip()
    if not text:
        raise CliError("nội dung tin trống")
    if not has_readable_text(text):
        raise CliError(
            "nội dung tin không có chữ nào để đọc (chỉ có ký hiệu Markdown như *** hay ---)"
        )
    if len(text) > MAX_TEXT:
        raise CliError(f"nội dung quá dài: {len(text)} ký tự (tối đa {MAX_TEXT})")
    return text


def status_command(args: argparse.Namespace) -> int:
    if args.id is None:
        for line in run_with_session(_recent_lines):
            print(line)
        return 0
    if sys.stdout.isatty() and not args.once:
        return asyncio.run(_watch(args.id))
    for line in run_with_session(lambda session: _status_lines(session, args.id)):
        print(line)
    return 0


async def _status_lines(
    session: AsyncSession, broadcast_id: int, progress: Progress | None = None
) -> list[str]:
    """The progress line and the commonest failures; `progress` if just read."""
    from bot.outbox.broadcasts import failure_reasons

    if progress is None:
        progress = await _progress(session, broadcast_id)
    lines = [_progress_line(broadcast_id, progress)]
    reasons = await failure_reasons(session, broadcast_id)
    if reasons:
        lines.append("Lý do lỗi thường gặp:")
        lines += [f"  {r.count} tin: {r.label}" + (f" ({r.example})" if r.example else "")
                  for r in reasons]  # fmt: skip
    return lines


async def _progress(session: AsyncSession, broadcast_id: int) -> Progress:
    from bot.models.outbox import Broadcast
    from bot.outbox.broadcasts import broadcast_progress

    if await session.get(Broadcast, broadcast_id) is None:
        raise CliError(f"không có tin số {broadcast_id}")
    return await broadcast_progress(session, broadcast_id)


async def _watch(broadcast_id: int) -> int:
    """A live bar until the broadcast is done (Ctrl-C leaves; sending goes on)."""
    from tqdm import tqdm

    async with open_session() as session:
        progress = await _progress(session, broadcast_id)
        with tqdm(total=progress.total, unit=" tin", desc=f"Tin số {broadcast_id}") as bar:
            while True:
                bar.n = progress.total - progress.pending
                bar.set_postfix_str(progress.summary(), refresh=False)
                bar.refresh()
                if progress.done:
                    break
                await asyncio.sleep(1)
                session.expire_all()
                progress = await _progress(session, broadcast_id)
        for line in await _status_lines(session, broadcast_id, progress):
            print(line)
    return 0


def _progress_line(broadcast_id: int, progress: Progress) -> str:
    line = f"Tin số {broadcast_id}: {progress.summary()}"
    if progress.pending and progress.rate_per_s > 0:
        eta = timedelta(seconds=round(progress.pending / progress.rate_per_s))
        line += f" — {progress.rate_per_s} tin/giây, còn khoảng {_duration(eta)}"
    elif progress.pending:
        line += " — đang chờ gửi (bot có đang chạy? ngoài giờ nghỉ?)"
    if progress.in_doubt:
        line += f" — {progress.in_doubt} tin có thể đã tới hai lần (bot dừng đột ngột khi đang gửi)"
    return line


async def _recent_lines(session: AsyncSession) -> list[str]:
    from sqlalchemy import select

    from bot.models.outbox import Broadcast, BroadcastKind
    from bot.outbox.broadcasts import broadcast_progress
    from bot.reports import KIND_NAMES

    tz = _timing().tz
    recent = list(
        await session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(RECENT))
    )
    if not recent:
        return ["Chưa có tin hàng loạt nào."]
    lines = []
    for broadcast in recent:
        assert broadcast.id is not None
        progress = await broadcast_progress(session, broadcast.id)
        title = (broadcast.title or broadcast.text.splitlines()[0])[:50]
        urgent = " KHẨN" if broadcast.urgent else ""
        # The station's clock and words, as on the dashboard.
        created = broadcast.created_at.astimezone(tz)
        kind = KIND_NAMES.get(BroadcastKind(broadcast.kind), broadcast.kind)
        lines.append(
            f"{broadcast.id:>5}  {created:%d/%m %H:%M}  {kind}{urgent}  "
            f"{progress.sent}/{progress.total} đã gửi, chờ {progress.pending}  {title}"
        )
    return lines


def cancel_command(args: argparse.Namespace) -> int:
    cancelled = run_with_session(lambda session: _cancel(session, args.id, acting_user(args.actor)))
    if cancelled:
        print(f"Đã hủy tin số {args.id}: {cancelled} tin chưa gửi sẽ không gửi nữa.")
    else:
        print(f"Tin số {args.id} không còn tin nào chờ gửi; không có gì để hủy.")
    return 0


async def _cancel(session: AsyncSession, broadcast_id: int, actor: str) -> int:
    from bot.outbox.broadcasts import cancel_broadcast_as

    await _progress(session, broadcast_id)  # names a wrong id clearly
    cancelled = await cancel_broadcast_as(session, broadcast_id, actor)
    await session.commit()
    return cancelled


def _duration(span: timedelta) -> str:
    minutes, seconds = divmod(int(span.total_seconds()), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} giờ {minutes} phút" if minutes else f"{hours} giờ"
    return f"{minutes} phút" if minutes else f"{seconds} giây"
