"""Photos staff attach to alerts: checked, stored on this machine, served by the bot at /anh/.

Stored in `uploads/` in the bot's working directory (beside the default loaphuong.db); the
link residents' apps fetch is the public address + /anh/<random name>.
"""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

UPLOAD_DIR = Path("uploads")
ROUTE = "/anh"
# Under the web server's 1 MiB request limit, with room for the form's other fields.
MAX_PHOTO_BYTES = 900 * 1024
# Recognised by their first bytes, not by the name or type the browser claims.
SIGNATURES = {b"\xff\xd8\xff": ".jpg", b"\x89PNG\r\n\x1a\n": ".png"}
_STORED_NAME = re.compile(r"[A-Za-z0-9_-]{16}\.(?:jpg|png)")


class UploadError(ValueError):
    """A photo that cannot be used; the message says why (Vietnamese)."""


@dataclass(frozen=True)
class Photo:
    """A photo that passed its checks, named but not yet written: it is stored only once
    the draft it comes with is accepted, so a refused draft leaves no file behind."""

    name: str
    data: bytes

    def store(self) -> None:
        UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
        (UPLOAD_DIR / self.name).write_bytes(self.data)


def checked_photo(data: bytes) -> Photo:
    """A JPEG or PNG under a random name; UploadError says what is wrong with anything else."""
    if not data:
        raise UploadError("Tệp ảnh trống.")
    if len(data) > MAX_PHOTO_BYTES:
        raise UploadError(
            f"Ảnh nặng {math.ceil(len(data) / 1024)} KB, quá giới hạn "
            f"{MAX_PHOTO_BYTES // 1024} KB. Xin thu nhỏ ảnh (hoặc chụp màn hình ảnh) rồi gửi lại."
        )
    suffix = next((ext for magic, ext in SIGNATURES.items() if data.startswith(magic)), None)
    if suffix is None:
        raise UploadError("Chỉ nhận ảnh JPEG hoặc PNG.")
    return Photo(secrets.token_urlsafe(12) + suffix, data)


def photo_url(base_url: str, name: str) -> str:
    return f"{base_url.rstrip('/')}{ROUTE}/{name}"


def upload_routes() -> list[web.RouteDef]:
    async def serve(request: web.Request) -> web.FileResponse:
        name = request.match_info["name"]
        path = UPLOAD_DIR / name
        if not _STORED_NAME.fullmatch(name) or not path.is_file():
            raise web.HTTPNotFound(text="Không có ảnh này.")
        return web.FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})

    return [web.get(ROUTE + "/{name}", serve)]
