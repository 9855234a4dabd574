"""Forward kits: each public broadcast as a short text + link that group admins can pass on
to Zalo groups where the bot cannot be. The link opens `/b/<id>` on the bot's web server."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.markdown import to_plain_text
from bot.models.outbox import Broadcast, BroadcastKind, BroadcastStatus

# Personal messages (reminders, rumor replies) are never published; of the news digests,
# the weekly and monthly ones are (bot/news/schedule.py's PUBLIC_KIND).
PUBLIC_KINDS = (
    BroadcastKind.OBSERVANCE,
    BroadcastKind.ALERT,
    BroadcastKind.STAFF,
    BroadcastKind.NEWS,
)
SHORT_TEXT = 280


@dataclass(frozen=True)
class ForwardKit:
    broadcast_id: int
    text: str
    link: str

    def as_message(self) -> str:
        return f"{self.text}\n\nXem đầy đủ: {self.link}"


def forward_kit(broadcast: Broadcast, public_url: str) -> ForwardKit:
    plain = to_plain_text(broadcast.text)
    short = plain if len(plain) <= SHORT_TEXT else plain[:SHORT_TEXT].rsplit(" ", 1)[0] + "…"
    return ForwardKit(broadcast.id or 0, short, f"{public_url.rstrip('/')}/b/{broadcast.id}")


async def public_broadcast(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    broadcast = await session.get(Broadcast, broadcast_id)
    if (
        broadcast is None
        or broadcast.kind not in PUBLIC_KINDS
        or broadcast.status == BroadcastStatus.CANCELLED
    ):
        return None
    return broadcast


async def recent_kits(session: AsyncSession, public_url: str, limit: int = 3) -> list[ForwardKit]:
    broadcasts = await session.scalars(
        select(Broadcast)
        .where(Broadcast.kind.in_(PUBLIC_KINDS), Broadcast.status != BroadcastStatus.CANCELLED)
        .order_by(Broadcast.id.desc())
        .limit(limit)
    )
    return [forward_kit(b, public_url) for b in broadcasts]
