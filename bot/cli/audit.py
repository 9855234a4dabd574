"""`loaphuong audit-security`: attack a throwaway instance; one JSON line of tried/refused."""

from __future__ import annotations

import argparse
import asyncio
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "audit-security",
        help="thử tấn công một bản chạy tạm của bot, in một dòng JSON số lần thử/bị chặn",
        description=(
            "Khởi động một bản bot tạm (cơ sở dữ liệu riêng, cổng trống) rồi thử: webhook giả, "
            "CSRF, XSS qua mọi ô chữ trên mọi trang (trong Chromium nếu có), mạo danh người "
            "dân, dùng lại cookie sau khi đăng xuất, JSON quá lớn/lồng sâu, dò mật khẩu. "
            "Mã thoát 1 khi có lần thử lọt qua."
        ),
    )
    parser.add_argument("--quick", action="store_true", help="bản rút gọn (như trong bộ test)")
    parser.set_defaults(func=audit_command)


def audit_command(args: argparse.Namespace) -> int:
    from bot.security_audit import audit

    line = asyncio.run(audit(quick=args.quick))
    print(json.dumps(line, ensure_ascii=False))
    return 0 if line["clean"] else 1
