"""The OA access token: refreshed with the single-use refresh token before it expires,
and the new pair stored (KeyValue) so that a restart, or another instance, continues
the chain."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import SendError
from bot.models.core import KeyValue
from bot.models.types import utcnow

log = logging.getLogger("bot.channels.zalo_oa")

TOKEN_PATH = "/v4/oa/access_token"
TOKENS_KEY = "zalo_oa.tokens"
REFRESH_MARGIN = timedelta(hours=1)
# Seconds between tries to store refreshed tokens, and before token upkeep tries again.
STORE_RETRY_DELAYS = (0.5, 2.0, 5.0)
UPKEEP_RETRY_S = 60.0

Clock = Callable[[], datetime]
PostForm = Callable[[str, dict[str, str], dict[str, str]], Awaitable[dict[str, Any]]]


class TokenError(Exception):
    """The access token could not be refreshed (the reason names no secret)."""


@dataclass
class OATokens:
    access_token: str
    refresh_token: str
    # None: unknown (tokens from the settings), so refreshed at first use.
    expires_at: datetime | None
    # Which configured refresh token started this chain; a new one in the settings wins.
    seed: str

    def due(self, now: datetime) -> bool:
        return self.expires_at is None or now >= self.expires_at - REFRESH_MARGIN

    def to_json(self) -> str:
        expires = self.expires_at.isoformat() if self.expires_at else None
        return json.dumps(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_at": expires,
                "seed": self.seed,
            }
        )

    @classmethod
    def from_json(cls, value: str) -> OATokens:
        data = json.loads(value)
        expires = data.get("expires_at")
        return cls(
            data["access_token"],
            data["refresh_token"],
            datetime.fromisoformat(expires) if expires else None,
            data.get("seed", ""),
        )


class TokenKeeper:
    """The OA access token: refreshed before expiry, once at a time, stored after each refresh."""

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        oauth_base_url: str,
        access_token: str,
        refresh_token: str,
        sessions: async_sessionmaker[AsyncSession],
        post_form: PostForm,
        clock: Clock = utcnow,
    ) -> None:
        self._app_id = app_id
        self._app_secret = app_secret
        self._url = oauth_base_url.rstrip("/") + TOKEN_PATH
        self._sessions = sessions
        self._post_form = post_form
        self._clock = clock
        seed = hashlib.sha256(refresh_token.encode()).hexdigest()[:16]
        self.tokens = OATokens(access_token, refresh_token, None, seed)
        self._lock = asyncio.Lock()
        self._renewal: asyncio.Task[None] | None = None
        # New tokens the database has not taken yet: they, not the stored ones, are current.
        self._unsaved = False

    async def load(self) -> None:
        stored = await self._stored()
        if stored is not None and stored.seed == self.tokens.seed:
            self.tokens = stored

    async def access_token(self) -> str:
        if self.tokens.due(self._clock()):
            try:
                await self.refresh()
            except TokenError as exc:
                # The old token may still work; the API says so if not.
                log.warning("zalo_oa: token refresh failed: %s", exc)
        return self.tokens.access_token

    async def expire(self, rejected_token: str) -> None:
        """The API refused this token: refresh at next use (unless already replaced)."""
        if self.tokens.access_token == rejected_token:
            self.tokens.expires_at = datetime.fromtimestamp(0, UTC)

    async def refresh(self) -> None:
        async with self._lock:
            await self.settle()
            if not self.tokens.due(self._clock()):
                return  # another caller refreshed while this one waited
            if await self._adopt_stored():
                return
            if not self._app_secret or not self.tokens.refresh_token:
                raise TokenError("no app secret or refresh token configured")
            self._renewal = asyncio.create_task(self._renew())
            await asyncio.shield(self._renewal)

    async def settle(self) -> None:
        """Let a refresh in flight store its tokens (before shutdown)."""
        if self._renewal is not None and not self._renewal.done():
            await asyncio.gather(self._renewal, return_exceptions=True)

    async def _renew(self) -> None:
        # Refresh tokens are single-use: once Zalo answered, only the new pair works. It is
        # kept in memory at once, then stored (retried), even if the caller is cancelled:
        # otherwise the chain is lost until an admin authorizes the OA again.
        self.tokens = await self._request_new_tokens()
        self._unsaved = True
        log.info("zalo_oa: access token refreshed, valid until %s", self.tokens.expires_at)
        await self._save()

    async def _save(self) -> None:
        """Store the tokens in memory, a few times over if the database is busy."""
        for attempt, delay in enumerate((*STORE_RETRY_DELAYS, None), start=1):
            try:
                await self._store(self.tokens)
            except Exception as exc:
                if delay is None:
                    log.error("zalo_oa: refreshed tokens still not stored (%r)", exc)
                    return  # kept in memory; keep_fresh tries again
                log.warning("zalo_oa: storing refreshed tokens failed (try %d)", attempt)
                await asyncio.sleep(delay)
            else:
                self._unsaved = False
                return

    async def keep_fresh(self) -> None:
        """Refresh ahead of expiry even when nothing is sent (refresh tokens lapse too);
        an error is logged and tried again later, never the end of the refresher."""
        while True:
            try:
                if self._unsaved:
                    await self._save()
                await self.access_token()
                pause = self._seconds_until_due()
            except Exception:
                log.exception("zalo_oa: token upkeep failed, trying again later")
                pause = UPKEEP_RETRY_S
            await asyncio.sleep(pause)

    def _seconds_until_due(self) -> float:
        if self.tokens.expires_at is None:
            return 300.0
        due = self.tokens.expires_at - REFRESH_MARGIN - self._clock()
        return min(max(due.total_seconds(), 60.0), 6 * 3600.0)

    async def _adopt_stored(self) -> bool:
        # With several instances, another one may have used the refresh token already.
        if self._unsaved:
            return False  # what is stored is older than what this instance holds
        stored = await self._stored()
        if (
            stored is None
            or stored.seed != self.tokens.seed
            or stored.access_token == self.tokens.access_token
            or stored.due(self._clock())
        ):
            return False
        self.tokens = stored
        return True

    async def _request_new_tokens(self) -> OATokens:
        form = {
            "app_id": self._app_id,
            "grant_type": "refresh_token",
            "refresh_token": self.tokens.refresh_token,
        }
        try:
            data = await self._post_form(self._url, form, {"secret_key": self._app_secret})
        except SendError as exc:
            raise TokenError(exc.reason) from exc
        if not data.get("access_token") or not data.get("refresh_token"):
            code = data.get("error", "?")
            raise TokenError(f"error {code}: {data.get('error_name') or data.get('message', '')}")
        lifetime = timedelta(seconds=int(data.get("expires_in") or 90000))
        return OATokens(
            str(data["access_token"]),
            str(data["refresh_token"]),
            self._clock() + lifetime,
            self.tokens.seed,
        )

    async def _stored(self) -> OATokens | None:
        async with self._sessions() as session:
            row = await session.get(KeyValue, TOKENS_KEY)
            if row is None:
                return None
            try:
                return OATokens.from_json(row.value)
            except (ValueError, KeyError):
                log.warning("zalo_oa: stored tokens unreadable, using the configured ones")
                return None

    async def _store(self, tokens: OATokens) -> None:
        async with self._sessions() as session, session.begin():
            await session.merge(
                KeyValue(key=TOKENS_KEY, value=tokens.to_json(), updated_at=utcnow())
            )
