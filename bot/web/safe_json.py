"""Reading a JSON request body safely: the one way every route (web chat, webhooks) does it.

A body that is too big, not JSON, or nested deeper than any real request is refused with
one log line and a Vietnamese reason, never a traceback (one too slow to arrive is
refused for every route alike: bot/web/site.py). Lone surrogates ("\\ud800", which no
UTF-8 database stores) become U+FFFD, so what follows sees ordinary text and answers it
politely.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

# Deeper than any Bot API update or chat request (Telegram's run to about 8 levels).
MAX_DEPTH = 32


class BadJson(ValueError):
    """Why a body was refused, in Vietnamese, fit to show the sender."""


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object, or BadJson (already logged, one line) saying what is wrong."""
    return json_object(request, await read_body(request))


async def read_body(request: web.Request) -> bytes:
    """The raw body (for a route that checks a signature over it first), or BadJson."""
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise _refused(request, "Nội dung gửi lên quá lớn.", "body too large") from None


def json_object(request: web.Request, raw: bytes) -> dict[str, Any]:
    """`raw` read as a JSON object, or BadJson."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise _refused(request, "Nội dung gửi lên không phải JSON hợp lệ.", "not JSON") from None
    if not isinstance(value, dict):
        raise _refused(request, "Nội dung gửi lên phải là một đối tượng JSON.", "not an object")
    try:
        return _cleaned(value, MAX_DEPTH)  # type: ignore[no-any-return]
    except _TooDeep:
        raise _refused(request, "Nội dung gửi lên lồng nhau quá sâu.", "nested too deep") from None


_SURROGATE = re.compile("[\ud800-\udfff]")


class _TooDeep(Exception):
    pass


def _cleaned(value: Any, depth: int) -> Any:
    if isinstance(value, str):
        return _without_lone_surrogates(value)
    if isinstance(value, dict | list):
        if depth == 0:
            raise _TooDeep
        if isinstance(value, list):
            return [_cleaned(item, depth - 1) for item in value]
        return {
            _without_lone_surrogates(key): _cleaned(item, depth - 1) for key, item in value.items()
        }
    return value


def _without_lone_surrogates(text: str) -> str:
    # json.loads joins escaped pairs into one character: any surrogate left is alone.
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


def _refused(request: web.Request, reason: str, what: str) -> BadJson:
    log.warning("%s %s: request refused (%s)", request.method, request.path, what)
    return BadJson(reason)
