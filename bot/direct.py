"""One message to one resident (a staff answer, a verdict on their report), via the outbox.

Even a single reply goes through the outbox: it is paced, retried and recorded like
any broadcast, and the `key` makes it go out once however often staff press the button.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.models.outbox import BroadcastKind
from bot.outbox.audience import Audience
from bot.outbox.broadcasts import BroadcastRequest, create_broadcast
from bot.subscribers import find_subscriber


async def message_chat(
    session: AsyncSession,
    *,
    channel: str,
    chat_id: str,
    text: str,
    kind: BroadcastKind,
    key: str,
    title: str,
    created_by: str,
) -> bool:
    """Queue `text` for the subscriber of this chat; False if it cannot reach them: they are
    gone, they stopped all messages (/dungnhan is respected even for replies), or it was sent."""
    subscriber = await find_subscriber(session, channel, chat_id)
    if subscriber is None or subscriber.id is None or not subscriber.active:
        return False
    created = await create_broadcast(
        session,
        BroadcastRequest(
            text=text,
            audience=Audience(subscriber_ids=[subscriber.id]),
            kind=kind,
            key=key,
            title=title,
            created_by=created_by,
        ),
    )
    return created is not None
