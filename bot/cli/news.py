"""`loaphuong news add|list|remove|preview` and `news volunteer add|list|remove`.

Health news points (điểm tin y tế): staff add items, residents get them in daily, weekly
or monthly digests (bot/news). Mistakes are one Vietnamese line, exit status 2.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime

from bot.cli import CliError
from bot.cli.common import acting_user, cli_settings, iso_date, run_with_session

PERIODS = {"day": "daily", "week": "weekly", "month": "monthly"}
DIGEST_NAMES = {"daily": "hằng ngày", "weekly": "hằng tuần", "monthly": "hằng tháng"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "news",
        help="điểm tin y tế: thêm tin, xem trước bản tin, cộng tác viên",
        description="Điểm tin y tế hằng ngày, hằng tuần, hằng tháng.",
    )
    actions = parser.add_subparsers(dest="news_action", metavar="VIỆC", required=True)

    add = actions.add_parser("add", help="thêm một tin")
    add.add_argument("--title", required=True, help="tiêu đề ngắn")
    add.add_argument("--summary", required=True, help="tóm tắt 1–3 câu tiếng Việt")
    add.add_argument("--title-en", help="tiêu đề tiếng Anh (không bắt buộc)")
    add.add_argument("--summary-en", help="tóm tắt tiếng Anh (không bắt buộc)")
    add.add_argument("--link", help="đường dẫn đọc thêm, https://…")
    add.add_argument(
        "--topic", action="append", default=[], help="chủ đề (mã hoặc tên), lặp lại được"
    )
    add.add_argument(
        "--area", action="append", default=[], help='tổ dân phố, ví dụ "Tổ 3"; lặp lại được'
    )
    add.add_argument("--source", default="", help="nguồn tin, ví dụ 'Sở Y tế'")
    add.add_argument("--date", type=iso_date, help="ngày của tin (mặc định hôm nay)")
    add.add_argument("--as", dest="actor", help="người thực hiện, ghi vào nhật ký")
    add.set_defaults(func=add_command)

    listing = actions.add_parser("list", help="liệt kê các tin")
    listing.add_argument("--from", dest="first", type=iso_date, help="từ ngày YYYY-MM-DD")
    listing.add_argument("--to", dest="last", type=iso_date, help="đến ngày YYYY-MM-DD")
    listing.set_defaults(func=list_command)

    remove = actions.add_parser("remove", help="xóa một tin")
    remove.add_argument("id", type=int, help="số của tin (xem news list)")
    remove.add_argument("--as", dest="actor", help="người thực hiện, ghi vào nhật ký")
    remove.set_defaults(func=remove_command)

    preview = actions.add_parser(
        "preview",
        help="in đúng bản tin sẽ gửi",
        description="In bản tin của kỳ tới (ngày mai, thứ Hai tới, mùng 1 tháng sau), "
        "hoặc của ngày gửi --date.",
    )
    preview.add_argument("--period", choices=list(PERIODS), default="week", help="kỳ bản tin")
    preview.add_argument("--as-subscriber", type=int, metavar="SỐ", help="bản tin của người này")
    preview.add_argument("--date", type=iso_date, help="ngày gửi (mặc định: lần gửi tới)")
    preview.set_defaults(func=preview_command)

    volunteer = actions.add_parser("volunteer", help="cộng tác viên truyền thông tổ dân phố")
    roles = volunteer.add_subparsers(dest="volunteer_action", metavar="VIỆC", required=True)
    make = roles.add_parser("add", help="giao vai trò cộng tác viên cho một người nhận tin")
    make.add_argument("subscriber", type=int, metavar="SỐ", help="số người nhận tin")
    make.add_argument("--area", required=True, help='tổ dân phố phụ trách, ví dụ "Tổ 3"')
    make.add_argument("--as", dest="actor", help="người thực hiện, ghi vào nhật ký")
    make.set_defaults(func=volunteer_add_command)
    drop = roles.add_parser("remove", help="bỏ vai trò cộng tác viên")
    drop.add_argument("subscriber", type=int, metavar="SỐ", help="số người nhận tin")
    drop.add_argument("--as", dest="actor", help="người thực hiện, ghi vào nhật ký")
    drop.set_defaults(func=volunteer_remove_command)
    roles.add_parser("list", help="liệt kê cộng tác viên").set_defaults(func=volunteer_list_command)


def add_command(args: argparse.Namespace) -> int:
    from bot.news.items import NewsDraft, NewsError, add_news

    draft = NewsDraft(
        title=args.title,
        summary=args.summary,
        day=args.date or _today(),
        link=args.link,
        topics=args.topic,
        areas=args.area,
        source=args.source,
        title_en=args.title_en,
        summary_en=args.summary_en,
    )

    item = run_with_session(
        lambda session: add_news(session, draft, acting_user(args.actor)), refusing=NewsError
    )
    print(f"Đã thêm tin số {item.id} ngày {item.day:%d/%m/%Y}: {item.title}")
    print(when_sent(item.day, _today()))
    return 0


def list_command(args: argparse.Namespace) -> int:
    from bot.news.items import item_areas, item_topics, list_news

    items = run_with_session(lambda session: list_news(session, args.first, args.last))
    if not items:
        print("Chưa có tin nào. Thêm bằng: loaphuong news add --title … --summary …")
        return 0
    for item in items:
        scope = ", ".join(item_topics(item) + item_areas(item)) or "mọi người"
        print(f"{item.id:>4}  {item.day:%d/%m/%Y}  {item.title}  ({scope})")
    return 0


def remove_command(args: argparse.Namespace) -> int:
    from bot.news.items import remove_news

    removed = run_with_session(
        lambda session: remove_news(session, args.id, acting_user(args.actor))
    )
    if not removed:
        raise CliError(f"không có tin số {args.id}")
    print(f"Đã xóa tin số {args.id}.")
    return 0


def preview_command(args: argparse.Namespace) -> int:
    from bot.news.digest import Frequency, next_send_day
    from bot.news.preview import PreviewError, preview_pages

    frequency = PERIODS[args.period]
    send_day = args.date or next_send_day(Frequency(frequency), _today())

    pages = run_with_session(
        lambda session: preview_pages(session, frequency, send_day, args.as_subscriber),
        refusing=PreviewError,
    )
    if not pages:
        print(f"Ngày {send_day:%d/%m/%Y} không có tin nào để gửi: sẽ không gửi gì.")
        return 0
    for number, page in enumerate(pages, start=1):
        print(f"--- tin nhắn {number}/{len(pages)} ({len(page)} ký tự), gửi {send_day:%d/%m/%Y}")
        print(page)
    return 0


def volunteer_add_command(args: argparse.Namespace) -> int:
    from bot.news.volunteers import VolunteerError, add_volunteer

    area = run_with_session(
        lambda session: add_volunteer(session, args.subscriber, args.area, acting_user(args.actor)),
        refusing=VolunteerError,
    )
    print(f"Người nhận tin số {args.subscriber} là cộng tác viên {area}.")
    return 0


def volunteer_remove_command(args: argparse.Namespace) -> int:
    from bot.news.volunteers import remove_volunteer

    removed = run_with_session(
        lambda session: remove_volunteer(session, args.subscriber, acting_user(args.actor))
    )
    if not removed:
        raise CliError(f"người nhận tin số {args.subscriber} không phải cộng tác viên")
    print(f"Đã bỏ vai trò cộng tác viên của người nhận tin số {args.subscriber}.")
    return 0


def volunteer_list_command(_args: argparse.Namespace) -> int:
    from bot.news.volunteers import list_volunteers

    volunteers = run_with_session(list_volunteers)
    if not volunteers:
        print('Chưa có cộng tác viên. Thêm bằng: loaphuong news volunteer add ID --area "Tổ 3"')
        return 0
    for volunteer in volunteers:
        print(f"{volunteer.subscriber_id:>6}  {volunteer.area}")
    return 0


def _today() -> date:
    return datetime.now(cli_settings().tz).date()


def when_sent(day: date, today: date) -> str:
    """Which digests will carry an item of `day`, and which went out before it was added."""
    from bot.news.digest import Frequency, next_send_day

    coming, gone = [], []
    for frequency, name in DIGEST_NAMES.items():
        send = next_send_day(Frequency(frequency), day)
        if send < today:
            gone.append(f"{name} ngày {send:%d/%m/%Y}")
        else:
            coming.append(
                f"{name} ngày {send:%d/%m/%Y}"
                + (" (nếu chưa qua giờ gửi)" if send == today else "")
            )
    lines = [f"Tin sẽ có trong điểm tin {', '.join(coming)}."] if coming else []
    if gone:
        lines.append(
            f"Lưu ý: ngày của tin đã qua, điểm tin {', '.join(gone)} đã gửi mà không có tin này."
        )
    if not coming:
        lines.append(
            "Tin này sẽ không được gửi đi. Muốn gửi: xóa tin rồi thêm lại với ngày hôm nay."
        )
    return "\n".join(lines)
