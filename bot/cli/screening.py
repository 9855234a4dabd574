"""`loaphuong screening …`: sessions, eligible lists, exports, attendance, the monthly report.

Mistakes — a bad date, an unknown code, an unwritable `-o`, a missing argument — are
one Vietnamese line and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot.cli import CliError
from bot.cli.common import acting_user, output_path, run_with_session, save_output

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.screening.lists import ImportReport
    from bot.screening.monthly import MonthlyReport

T = TypeVar("T")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "screening", help="khám sàng lọc miễn phí: buổi khám, danh sách, xuất, báo cáo"
    )
    actions = parser.add_subparsers(dest="screening_action", metavar="VIỆC", required=True)
    _register_sessions(actions)

    imports = actions.add_parser(
        "import",
        help="nhập danh sách đối tượng của tổ dân phố (.xlsx hoặc .csv)",
        description="Cột: Họ và tên, Năm sinh, Đối tượng, Tổ dân phố, Số điện thoại (nếu có). "
        "Có dòng lỗi thì không nhập dòng nào.",
    )
    imports.add_argument("file", type=Path, help="tệp .xlsx hoặc .csv")
    imports.add_argument("--check", action="store_true", help="chỉ kiểm tra, không ghi")
    _actor(imports).set_defaults(func=import_command)

    export = actions.add_parser(
        "export", help="xuất danh sách đăng ký theo tổ dân phố (XLSX, mỗi tổ một trang)"
    )
    export.add_argument("--round", help="đợt khám (mặc định: đợt hiện tại)")
    export.add_argument("--to", help='chỉ các tổ này, ví dụ "Tổ 3" hoặc "Tổ 3,Tổ 4"')
    export.add_argument("-o", "--output", type=Path, help="tệp ra (mặc định danh-sach-kham.xlsx)")
    _actor(export).set_defaults(func=export_command)

    attend = actions.add_parser(
        "attend",
        help="ghi nhận đã đến khám theo mã đăng ký, hoặc theo tệp danh sách đã ký nhận",
        description="Ghi nhận theo mã đăng ký, hoặc theo tệp --file (tệp xuất ra, đánh 'x' ở "
        "cột 'Ký nhận' cho người đã đến). Có mã sai thì không ghi nhận mã nào.",
    )
    attend.add_argument("codes", nargs="*", metavar="MÃ", help="mã đăng ký")
    attend.add_argument("--file", type=Path, help="tệp .xlsx/.csv có cột 'Mã' (và 'Ký nhận')")
    _actor(attend).set_defaults(func=attend_command)

    referral = actions.add_parser("referral", help="ghi chú chuyển tuyến / theo dõi sau khám")
    referral.add_argument("code", metavar="MÃ", help="mã đăng ký")
    referral.add_argument("--note", required=True, help="nội dung chuyển tuyến")
    _actor(referral).set_defaults(func=referral_command)

    report = actions.add_parser("report", help="báo cáo tháng (nộp trước ngày 20)")
    report.add_argument("--month", required=True, help="tháng, ví dụ 2026-11 hoặc 11/2026")
    report.add_argument("-o", "--output", type=Path, help="ghi thêm ra tệp XLSX")
    _actor(report).set_defaults(func=report_command)

    invite = actions.add_parser(
        "invite", help="mời người trong danh sách đã nhận tin của bot (cùng số điện thoại)"
    )
    _actor(invite).set_defaults(func=invite_command)


def _register_sessions(actions: argparse._SubParsersAction) -> None:
    parser = actions.add_parser("session", help="buổi khám: thêm, xem, lưu trữ")
    sessions = parser.add_subparsers(dest="session_action", metavar="VIỆC", required=True)

    add = sessions.add_parser("add", help="thêm buổi khám")
    add.add_argument("--date", required=True, help="ngày, ví dụ 2026-11-20 hoặc 20/11/2026")
    add.add_argument("--time", required=True, help="giờ bắt đầu, ví dụ 7:30")
    add.add_argument("--place", required=True, help="địa điểm")
    add.add_argument("--to", required=True, help='các tổ dân phố, ví dụ "Tổ 1,Tổ 2"')
    add.add_argument("--capacity", required=True, type=int, help="số chỗ")
    add.add_argument("--round", help="tên đợt (mặc định: đợt hiện tại, hoặc YYYY-MM)")
    _actor(add).set_defaults(func=session_add_command)

    listing = sessions.add_parser("list", help="các buổi khám của đợt hiện tại và số chỗ còn")
    listing.add_argument("--all", action="store_true", help="cả các buổi đã lưu trữ")
    listing.add_argument("--round", help="chỉ đợt này")
    listing.set_defaults(func=session_list_command)

    archive = sessions.add_parser("archive", help="lưu trữ buổi khám (ra khỏi đợt hiện tại)")
    archive.add_argument("id", type=int, help="số buổi khám (xem bằng session list)")
    _actor(archive).set_defaults(func=session_archive_command)


def _actor(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--as", dest="actor", help="người thực hiện, ghi vào nhật ký")
    return parser


def _now() -> datetime:
    from bot.config import get_settings
    from bot.screening.sessions import local_now

    return local_now(get_settings().tz)


def _today() -> date:
    return _now().date()


@contextmanager
def _as_cli_error() -> Iterator[None]:
    """A ScreeningError or an unwritable output file becomes one clear CLI line."""
    from bot.screening.sessions import ScreeningError
    from bot.xlsx import WorkbookPathError

    try:
        yield
    except (ScreeningError, WorkbookPathError) as exc:
        raise CliError(str(exc)) from None


def _read_file(path: Path) -> bytes:
    from bot.xlsx import os_reason

    try:
        return path.read_bytes()
    except OSError as exc:
        raise CliError(f"không đọc được tệp '{path}': {os_reason(exc)}") from None


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    with _as_cli_error():
        return run_with_session(work)


def session_add_command(args: argparse.Namespace) -> int:
    from bot.screening.sessions import add_session, parse_areas, parse_day, parse_start

    with _as_cli_error():
        day, start, areas = parse_day(args.date), parse_start(args.time), parse_areas(args.to)
    row = _run(
        lambda session: add_session(
            session,
            day=day,
            start=start,
            place=args.place,
            areas=areas,
            capacity=args.capacity,
            today=_today(),
            actor=acting_user(args.actor),
            round_label=args.round,
        )
    )
    print(
        f"Đã thêm buổi khám số {row.id} (đợt {row.round}): {row.day:%d/%m/%Y} {row.start:%H:%M}, "
        f"{row.place}, {', '.join(row.areas)}, {row.capacity} chỗ."
    )
    return 0


def session_list_command(args: argparse.Namespace) -> int:
    from bot.screening.sessions import list_sessions

    rows = _run(
        lambda session: list_sessions(session, include_archived=args.all, round_label=args.round)
    )
    if not rows:
        print("Chưa có buổi khám nào. Thêm bằng: loaphuong screening session add …")
        return 0
    print(f"{'Số':>4}  {'Đợt':<10} {'Ngày':<10} {'Giờ':<5}  {'Còn/Tổng':<9} Tổ dân phố — địa điểm")
    for item in rows:
        row = item.session
        seats = f"{item.seats_left}/{row.capacity}"
        archived = " (đã lưu trữ)" if row.archived else ""
        print(
            f"{row.id:>4}  {row.round:<10} {row.day:%d/%m/%Y} {row.start:%H:%M}  {seats:<9} "
            f"{', '.join(row.areas)} — {row.place}{archived}"
        )
    return 0


def session_archive_command(args: argparse.Namespace) -> int:
    from bot.screening.sessions import archive_session

    _run(lambda session: archive_session(session, args.id, actor=acting_user(args.actor)))
    print(f"Đã lưu trữ buổi khám số {args.id}.")
    return 0


def import_command(args: argparse.Namespace) -> int:
    from bot.screening.lists import import_list

    data = _read_file(args.file)
    report = _run(
        lambda session: import_list(
            session,
            args.file.name,
            data,
            today=_today(),
            actor=acting_user(args.actor),
            check_only=args.check,
        )
    )
    _print_import(report)
    if report.rejected:
        raise CliError(
            f"không nhập dòng nào: {len(report.rejected)} dòng bị từ chối; sửa tệp rồi nhập lại"
        )
    if args.check:
        print("Tệp hợp lệ (chưa ghi vì dùng --check).")
    return 0


def _print_import(report: ImportReport) -> None:
    duplicates, rejected = len(report.duplicates), len(report.rejected)
    if rejected:
        print(
            f"Tệp {report.source}: {rejected} dòng bị từ chối, nên chưa nhập dòng nào "
            f"({report.accepted} dòng hợp lệ, {duplicates} dòng trùng)."
        )
    else:
        print(f"Tệp {report.source}: {report.accepted} dòng mới, {duplicates} dòng trùng.")
    for sheet in report.skipped_sheets:
        print(f"Trang '{sheet}' không đọc: không thấy dòng tiêu đề (Họ và tên, Năm sinh, …).")
    for title, notes in (
        ("Bị từ chối", report.rejected),
        ("Trùng (không nhập thêm)", report.duplicates),
        ("Cần xem lại (vẫn nhập)", report.warnings),
    ):
        if notes:
            print(f"{title}:")
        for note in notes:
            print(f"  {note.where}: {note.reason}")
    if report.written:
        print(
            f"Đã ghi {report.accepted} người vào danh sách đối tượng"
            + (
                f", bổ sung đối tượng cho {report.completed} người đã có."
                if report.completed
                else "."
            )
        )


def export_command(args: argparse.Namespace) -> int:
    from bot.screening.export import export_registrations
    from bot.screening.sessions import parse_areas

    with _as_cli_error():
        areas = parse_areas(args.to) if args.to else None
    output = output_path(args.output or Path("danh-sach-kham.xlsx"))
    book = _run(
        lambda session: export_registrations(
            session,
            today=_today(),
            actor=acting_user(args.actor),
            round_label=args.round,
            areas=areas,
            save=lambda book: save_output(book, output),
        )
    )
    print(f"Đã ghi {output}: {len(book.sheetnames)} tổ dân phố ({', '.join(book.sheetnames)}).")
    return 0


def attend_command(args: argparse.Namespace) -> int:
    from bot.screening.attendance import mark_all_attended

    if bool(args.codes) == bool(args.file):
        raise CliError("cho mã đăng ký, hoặc --file TỆP (không cả hai)")
    if args.file:
        return _attend_from_file(args)
    registrations = _run(
        lambda session: mark_all_attended(
            session, args.codes, today=_today(), actor=acting_user(args.actor)
        )
    )
    for registration in registrations:
        print(f"Mã {registration.code}: đã khám.")
    return 0


def _attend_from_file(args: argparse.Namespace) -> int:
    from bot.screening.attendance_file import attend_from_file

    data = _read_file(args.file)
    report = _run(
        lambda session: attend_from_file(
            session, args.file.name, data, today=_today(), actor=acting_user(args.actor)
        )
    )
    for problem in report.problems:
        print(f"  {problem}")
    if report.problems:
        raise CliError(
            f"không ghi nhận mã nào: {len(report.problems)} dòng có lỗi; sửa tệp rồi chạy lại"
        )
    print(f"Đã ghi nhận {len(report.marked)} người đã khám.")
    return 0


def referral_command(args: argparse.Namespace) -> int:
    from bot.screening.attendance import add_referral

    registration = _run(
        lambda session: add_referral(session, args.code, args.note, actor=acting_user(args.actor))
    )
    print(f"Đã ghi chuyển tuyến cho mã {registration.code}.")
    return 0


def report_command(args: argparse.Namespace) -> int:
    from bot.config import get_settings
    from bot.screening.monthly import monthly_report, parse_month, report_workbook

    with _as_cli_error():
        period = parse_month(args.month)
    output = output_path(args.output) if args.output else None
    report = _run(
        lambda session: monthly_report(
            session,
            period,
            today=_today(),
            tz=get_settings().tz,
            actor=acting_user(args.actor),
        )
    )
    _print_report(report)
    if output:
        save_output(report_workbook(report), output)
        print(f"Đã ghi báo cáo: {output}")
    return 0


def _print_report(report: MonthlyReport) -> None:
    from bot.screening.monthly import summary_pairs

    print(f"Báo cáo khám sàng lọc miễn phí — {report.period.label}")
    for label, value in summary_pairs(report):
        print(f"  {label}: {value}")
    columns = ["Danh sách", "Đăng ký", "Đã khám", "Vắng", "Từ đầu năm", "DS đã khám", "Bao phủ %"]
    for title, lines in (("Theo tổ dân phố", report.by_area), ("Theo đối tượng", report.by_group)):
        print(f"\n{title}:")
        print(f"  {'':<42}" + "".join(f"{c:>11}" for c in columns))
        for line in lines:
            label, *numbers = line.cells()
            print(f"  {label!s:<42}" + "".join(f"{n!s:>11}" for n in numbers))


def invite_command(args: argparse.Namespace) -> int:
    from bot.screening.invites import invite_listed_subscribers

    result = _run(
        lambda session: invite_listed_subscribers(
            session, now=_now(), actor=acting_user(args.actor)
        )
    )
    if not result.invited:
        print(
            "Không có ai mới để mời (cần người trong danh sách có số điện thoại trùng với số "
            "bà con đã cho bot qua /sdt hoặc khi tự đăng ký khám; "
            f"{result.skipped_already_invited} người đã được mời trước)."
        )
        return 0
    print(
        f"Đã xếp lời mời cho {result.invited} người vào hàng gửi "
        f"(đợt tin số {result.broadcast_id}); {result.skipped_already_invited} người đã được mời trước."
    )
    return 0
