"""An ArgumentParser whose usage and errors read in Vietnamese.

The top-level `loaphuong` parser is one, and argparse builds every subcommand's
parser with the class of its parent, so each command's mistakes read the same way.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any, NoReturn

from bot.cli.common import iso_date

_ARGPARSE_MESSAGES = (
    (re.compile(r"the following arguments are required: (.+)"), "thiếu tham số: {0}"),
    (re.compile(r"unrecognized arguments: (.+)"), "không hiểu tham số: {0}"),
    (
        re.compile(r"argument (\S+): invalid int value: (.+)"),
        "tham số {0}: {1} không phải số nguyên",
    ),
    (re.compile(r"argument (\S+): expected one argument"), "tham số {0} cần một giá trị"),
    (
        re.compile(r"argument (\S+): invalid choice: (\S+) \(choose from (.+)\)"),
        "tham số {0}: không có lựa chọn {1} (chọn một trong: {2})",
    ),
    (
        re.compile(r"argument (\S+): not allowed with argument (\S+)"),
        "tham số {0} không dùng cùng {1} được",
    ),
    (re.compile(r"one of the arguments (.+) is required"), "cần một trong các tham số: {0}"),
    # Last: our own value checks ("ngày không hợp lệ: …") after argparse's English prefix.
    (re.compile(r"argument (\S+): (.+)", re.DOTALL), "tham số {0}: {1}"),
)


HELP_TEXT = "in hướng dẫn này rồi thoát"

# The placeholder a value shows in usage ("--date NGÀY"): by name, else by kind of value.
# An argument these do not name keeps argparse's English one, and tests/test_cli_help.py fails.
METAVARS = {
    "actor": "NGƯỜI",
    "area": "TỔ",
    "capacity": "SỐ_CHỖ",
    "content_dir": "THƯ_MỤC",
    "data": "THƯ_MỤC",
    "database": "ĐỊA_CHỈ_CSDL",
    "database_url": "ĐỊA_CHỈ_CSDL",
    "date": "NGÀY",
    "days": "SỐ_NGÀY",
    "lang": "NGÔN_NGỮ",
    "link": "ĐƯỜNG_DẪN",
    "month": "THÁNG",
    "name": "TÊN",
    "note": "GHI_CHÚ",
    "options": "TÙY_CHỌN",
    "over": "GIÂY",
    "period": "KỲ",
    "place": "NƠI",
    "question": "CÂU_HỎI",
    "round": "ĐỢT",
    "seconds": "GIÂY",
    "sets": "CÁC_BỘ",
    "source": "NGUỒN",
    "spread": "KHOẢNG",
    "summary": "TÓM_TẮT",
    "summary_en": "TÓM_TẮT",
    "telegram_id": "MÃ",
    "text": "NỘI_DUNG",
    "time": "GIỜ",
    "timeout": "GIÂY",
    "title": "TIÊU_ĐỀ",
    "title_en": "TIÊU_ĐỀ",
    "to": "TỔ",
    "topic": "CHỦ_ĐỀ",
    "warmup": "GIÂY",
    "year": "NĂM",
    "zalo_id": "MÃ",
}
_METAVARS_BY_TYPE = {int: "SỐ", float: "SỐ", Path: "TỆP", iso_date: "NGÀY"}


class VietnameseParser(argparse.ArgumentParser):
    """An ArgumentParser whose help and usage errors read in Vietnamese."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # argparse's own words: section titles and the -h help line.
        self._positionals.title = "tham số"
        self._optionals.title = "tùy chọn"
        for action in self._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = HELP_TEXT

    def _add_action(self, action: argparse.Action) -> argparse.Action:
        takes_value = action.nargs != 0 and not isinstance(action, argparse._SubParsersAction)
        if takes_value and action.metavar is None and action.choices is None:
            action.metavar = METAVARS.get(action.dest) or _METAVARS_BY_TYPE.get(action.type)
        return super()._add_action(action)

    def format_help(self) -> str:
        return super().format_help().replace("usage: ", "cách dùng: ", 1)

    def format_usage(self) -> str:
        formatter = self._get_formatter()
        formatter.add_usage(
            self.usage, self._actions, self._mutually_exclusive_groups, prefix="cách dùng: "
        )
        return formatter.format_help()

    def error(self, message: str) -> NoReturn:
        for pattern, vietnamese in _ARGPARSE_MESSAGES:
            if found := pattern.fullmatch(message):
                message = vietnamese.format(*found.groups())
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: lỗi: {message} (xem --help)\n")
