"""`loaphuong staff add|remove|password|list`: staff accounts (dashboard login, chat commands)."""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.cli import CliError
from bot.cli.common import acting_user, run_with_session


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("staff", help="quản lý tài khoản cán bộ trạm y tế")
    actions = parser.add_subparsers(dest="staff_action", metavar="VIỆC", required=True)

    add = actions.add_parser("add", help="thêm cán bộ", description="Thêm một tài khoản cán bộ.")
    add.add_argument("name", help="tên đăng nhập, ví dụ 'lan.nguyen'")
    add.add_argument(
        "--role", choices=["staff", "admin"], default="staff", help="vai trò (mặc định staff)"
    )
    given = add.add_mutually_exclusive_group()
    given.add_argument(
        "--password",
        action="store_true",
        help="hỏi mật khẩu đăng nhập trang quản trị (gõ hai lần, không hiện ra màn hình)",
    )
    given.add_argument(
        "--password-stdin",
        action="store_true",
        help="đọc mật khẩu đăng nhập trang quản trị từ dòng đầu của stdin (cho script)",
    )
    add.add_argument("--telegram-id", help="id Telegram của cán bộ, để dùng lệnh cán bộ trong chat")
    add.add_argument("--zalo-id", help="id Zalo của cán bộ")
    add.add_argument("--as", dest="actor", help="người thực hiện, ghi vào nhật ký")
    add.set_defaults(func=add_command)

    remove = actions.add_parser("remove", help="xóa cán bộ")
    remove.add_argument("name", help="tên đăng nhập")
    remove.add_argument("--as", dest="actor", help="người thực hiện, ghi vào nhật ký")
    remove.set_defaults(func=remove_command)

    password = actions.add_parser(
        "password",
        help=(
            "đổi mật khẩu (hỏi hai lần khi chạy trong terminal, nếu không thì đọc dòng đầu "
            "của stdin); mọi phiên đăng nhập của người đó kết thúc"
        ),
    )
    password.add_argument("name", help="tên đăng nhập")
    password.add_argument("--as", dest="actor", help="người thực hiện, ghi vào nhật ký")
    password.set_defaults(func=password_command)

    listing = actions.add_parser("list", help="liệt kê cán bộ")
    listing.set_defaults(func=list_command)


def add_command(args: argparse.Namespace) -> int:
    from bot.staff import StaffError, add_staff

    password = None
    if args.password:
        password = asked_password()
    elif args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
        if not password:
            raise CliError("không đọc được mật khẩu từ stdin")

    member = run_with_session(
        lambda session: add_staff(
            session,
            args.name,
            args.role,
            password=password,
            telegram_id=args.telegram_id,
            zalo_id=args.zalo_id,
            actor=acting_user(args.actor),
        ),
        refusing=StaffError,
    )
    print(f"Đã thêm cán bộ {member.name} ({member.role}).")
    return 0


def asked_password() -> str:
    """Typed twice without echo, so a typo is not what the account ends up with."""
    first = getpass.getpass("Mật khẩu: ")
    if not first:
        raise CliError("chưa gõ mật khẩu")
    if getpass.getpass("Gõ lại mật khẩu: ") != first:
        raise CliError("hai lần gõ mật khẩu không khớp nhau; chưa lưu gì")
    return first


def remove_command(args: argparse.Namespace) -> int:
    from bot.staff import remove_staff

    removed = run_with_session(
        lambda session: remove_staff(session, args.name, actor=acting_user(args.actor))
    )
    if not removed:
        raise CliError(f"không có cán bộ tên '{args.name}'")
    print(f"Đã xóa cán bộ {args.name}.")
    return 0


def password_command(args: argparse.Namespace) -> int:
    from bot.staff import StaffError, set_password

    if sys.stdin.isatty():
        password = asked_password()
    else:
        password = sys.stdin.readline().rstrip("\n")
        if not password:
            raise CliError("không đọc được mật khẩu mới từ stdin")

    run_with_session(
        lambda session: set_password(session, args.name, password, actor=acting_user(args.actor)),
        refusing=StaffError,
    )
    print(f"Đã đổi mật khẩu của {args.name}; các phiên đăng nhập cũ đã kết thúc.")
    return 0


def list_command(_args: argparse.Namespace) -> int:
    from bot.staff import list_staff

    members = run_with_session(list_staff)
    if not members:
        print("Chưa có cán bộ nào. Thêm bằng: loaphuong staff add TÊN --role staff --password")
        return 0
    print(f"{'Tên':<24} {'Vai trò':<8} {'Đăng nhập web':<14} Telegram")
    for member in members:
        login = "có" if member.password_hash else "không"
        print(f"{member.name:<24} {member.role:<8} {login:<14} {member.telegram_id or '—'}")
    return 0
