"""Load YAML while remembering where each mapping and list item came from.

The content validator names file and line for every mistake, so loaders keep
`Located` mappings/lists whose `.line` (1-based) and `.key_lines` point back
into the source file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class LocatedDict(dict):
    """A mapping that knows its own line and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LocatedList(list):
    """A list that knows its own line and the line of each item."""

    line: int = 0
    item_lines: list[int]


@dataclass(frozen=True)
class Problem:
    """One mistake in a content file, reported as `file:line: message`."""

    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ContentError(Exception):
    """Raised when content cannot be loaded; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Constructing:
    """SafeLoader's constructors, for both parsers below."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # PyYAML's own constructors raise plain Python errors on values they cannot build
        # (`2026-02-30`, `!!int x`): name the node's line instead of crashing.
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"giá trị không đọc được [{exc}]", node.start_mark
            ) from None


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LocatedDict:
    result = LocatedDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, list | dict):
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "khóa phải là chữ hoặc số, không phải danh sách hay bảng",
                key_node.start_mark,
            )
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"khóa {key!r} bị lặp", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LocatedList:
    result = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


class _LocatingLoader(_Constructing, yaml.SafeLoader):
    """The pure-Python parser: its error messages are the ones explained below."""


_LIBYAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FastLocatingLoader(_Constructing, _LIBYAML_LOADER):
    """libyaml's parser where PyYAML was built with it: ten times faster."""


for _loader in (_LocatingLoader, _FastLocatingLoader):
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def read_text(path: Path) -> str:
    """The file's text; ContentError naming the file (and the line of a non-UTF-8 byte)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ContentError([Problem(path, 1, f"không đọc được tệp: {exc.strerror}")]) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        byte = raw[exc.start]
        message = f"tệp không phải UTF-8 (byte 0x{byte:02x}); lưu lại tệp với bảng mã UTF-8"
        raise ContentError([Problem(path, line, message)]) from None


def load_yaml(path: Path) -> Any:
    """Parse a YAML file; a syntax error becomes a ContentError naming file and line."""
    return loads_yaml(read_text(path), path)


def loads_yaml(text: str, path: Path) -> Any:
    try:
        return yaml.load(text, Loader=_FastLocatingLoader)
    except yaml.YAMLError:
        # A mistake: read it again with the pure-Python parser, whose messages and
        # lines are the ones _explain knows.
        return _load_explained(text, path)


def _load_explained(text: str, path: Path) -> Any:
    try:
        return yaml.load(text, Loader=_LocatingLoader)
    except yaml.MarkedYAMLError as exc:
        line, message = _explain(exc)
        opened = _unclosed_quote_before(text, line) if "'<scalar>'" in str(exc.problem) else None
        if opened is not None:
            line, message = opened, f"{_UNCLOSED_QUOTE} [{exc.problem}]"
        raise ContentError([Problem(path, line, f"YAML: {message}")]) from exc
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        message = f"YAML: tệp có ký tự điều khiển không được phép (#x{exc.character:04x})"
        raise ContentError([Problem(path, line, message)]) from exc
    except yaml.YAMLError as exc:
        raise ContentError([Problem(path, 1, f"YAML: {exc}")]) from exc


def _unclosed_quote_before(text: str, line: int) -> int | None:
    """The nearest line above `line` (1-based) that opens a double quote it does not close:
    the quoted text runs on to the next quote, and PyYAML complains there, of indentation."""
    lines = text.splitlines()
    start = min(line - 2, len(lines) - 1)
    for above in range(start, max(start - _RUN_ON_LINES, -1), -1):
        if lines[above].replace('\\"', "").count('"') % 2:
            return above + 1
    return None


_UNCLOSED_QUOTE = "dấu ngoặc kép mở ở đây chưa được đóng"
# How far above PyYAML's complaint an unclosed quote is looked for.
_RUN_ON_LINES = 5
# PyYAML's most common complaints, said in Vietnamese for the health worker editing the
# file; the original follows in brackets. Patterns are tried in order; groups fill {0}.
_EXPLAINED = {
    r"expected <block end>, but found": "thụt lề sai: dòng này không thẳng hàng với các dòng cùng cấp",
    r"mapping values are not allowed here": "dấu ':' không đúng chỗ; chữ có dấu ':' phải đặt trong ngoặc kép",
    r"found character '\\t' that cannot start any token": "có dấu tab; chỉ thụt lề bằng dấu cách",
    r"found character '(.+)' that cannot start any token": "không được mở đầu giá trị bằng '{0}'; đặt giá trị trong ngoặc kép",
    r"found unexpected end of stream": _UNCLOSED_QUOTE,
    r"expected ',' or '\]', but got": "dấu '[' chưa đóng, hoặc thiếu dấu phẩy giữa các mục",
    r"expected ',' or '\}', but got": "dấu '{{' chưa đóng, hoặc thiếu dấu phẩy giữa các mục",
    r"could not find expected ':'": "thiếu dấu ':' sau tên khóa",
    r"expected the node content, but found '(.+)'": "thiếu giá trị ở chỗ có '{0}'",
    r"found undefined alias '(.+)'": "bí danh *{0} chưa được khai báo",
    r"found unknown escape character '(.+)'": "'\\{0}' không viết được trong ngoặc kép; dùng ngoặc đơn '…'",
    r"could not determine a constructor for the tag '(.+)'": "không dùng được thẻ {0}",
}


def _explain(exc: yaml.MarkedYAMLError) -> tuple[int, str]:
    """(line, message) for a YAML error: in Vietnamese when it is a common one."""
    problem = exc.problem or str(exc)
    mark = exc.problem_mark or exc.context_mark
    if re.search("end of stream|<stream end>", problem) and exc.context_mark:
        # The end of the file says nothing; the quote or bracket was opened here.
        mark = exc.context_mark
    line = mark.line + 1 if mark else 1
    for pattern, vietnamese in _EXPLAINED.items():
        found = re.search(pattern, problem)
        if found:
            return line, f"{vietnamese.format(*found.groups())} [{problem}]"
    return line, problem
