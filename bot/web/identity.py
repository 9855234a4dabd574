"""Who a web chat resident is: an id the server issued, in a signed HttpOnly cookie.

The browser never chooses its id (a posted `user_id` is ignored), so nobody can read or
act on someone else's chat. A new id is issued on a browser's first message, at most
`new_per_hour` per network address per hour (shared in the database by every instance),
which keeps scripted sign-ups from inflating the ward's statistics.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta
from functools import lru_cache

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import install_secret
from bot.throttle import recent, record
from bot.web.cookies import cookie

COOKIE_NAME = "loaphuong_chat"
SECRET_KEY = "webchat.identity_secret"
# Residents keep their chat (and its history) for a year of visits.
COOKIE_DAYS = 365
# Cookies whose check is remembered, the most recently shown kept.
CHECKED_COOKIES = 1024
TOO_MANY_NEW = (
    "Hiện có quá nhiều người mới bắt đầu trò chuyện từ cùng mạng này. Bà con vui lòng thử "
    "lại sau ít phút, hoặc gọi điện cho trạm y tế ạ."
)


class TooManyNewChats(Exception):
    """This address started its hour's allowance of new chats."""


class ChatIdentities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        secret: bytes,
        *,
        secure: bool,
        new_per_hour: int,
    ) -> None:
        self._sessions, self._secret, self._secure = sessions, secret, secure
        self.new_per_hour = new_per_hour
        # A browser shows its cookie with every message: its signature is checked once,
        # not per message (an HMAC took ~18 µs of the event loop's time in bench inbound).
        self._resident_in = lru_cache(maxsize=CHECKED_COOKIES)(self._checked)

    @classmethod
    async def load(
        cls, sessions: async_sessionmaker[AsyncSession], *, secure: bool, new_per_hour: int
    ) -> ChatIdentities:
        """The signing key is made once and kept in the database: ids outlive restarts."""
        async with sessions() as session:
            stored = await install_secret(session, SECRET_KEY, lambda: secrets.token_urlsafe(32))
        return cls(sessions, stored.encode(), secure=secure, new_per_hour=new_per_hour)

    def _signature(self, resident: str) -> str:
        digest = hmac.new(self._secret, resident.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def of(self, request: web.Request) -> str | None:
        """The resident id this browser was given, if its cookie is genuine."""
        return self._resident_in(cookie(request, COOKIE_NAME) or "")

    def _checked(self, cookie: str) -> str | None:
        resident, _, signature = cookie.partition(".")
        if resident and hmac.compare_digest(signature, self._signature(resident)):
            return resident
        return None

    async def issue(self, request: web.Request) -> str:
        """A fresh id for a browser without one; raises TooManyNewChats over the limit."""
        if self.new_per_hour:
            address = request.remote or "?"
            async with self._sessions() as session:
                started = await recent(session, "new_chat", address, timedelta(hours=1))
                if started >= self.new_per_hour:
                    raise TooManyNewChats
                await record(session, "new_chat", address)
        return "web-" + secrets.token_urlsafe(16)

    def set_cookie(self, response: web.StreamResponse, resident: str) -> None:
        response.set_cookie(
            COOKIE_NAME,
            f"{resident}.{self._signature(resident)}",
            max_age=COOKIE_DAYS * 86400,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=self._secure,
        )
