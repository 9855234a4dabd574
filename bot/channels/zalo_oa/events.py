"""Webhook events: the signature, and the fields read from an event."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

SIGNATURE_HEADER = "X-ZEvent-Signature"
# A follower arrives (welcomed, as /start would) or leaves (as if they blocked the bot).
FOLLOW_EVENTS = {"follow": "follow", "unfollow": "bot_blocked"}
# Events that open the resident's free window: their messages, and following the OA.
WINDOW_OPENERS = ("user_send_", "follow")
# Events older than this are not acted on (replays; resends long after the fact).
MAX_EVENT_AGE_S = 300
TIMESTAMP = re.compile(rb'"timestamp"\s*:\s*"?(\d{1,15})"?')


def signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    signed = app_id.encode() + raw_body + timestamp.encode() + oa_secret_key.encode()
    return hashlib.sha256(signed).hexdigest()


def signature_valid(
    given: str, *, app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str
) -> bool:
    given = given.strip().removeprefix("mac=").lower()
    expected = signature(app_id, raw_body, timestamp, oa_secret_key)
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def event_key(event: dict[str, Any]) -> str:
    """What tells a resent event from a new one (Zalo resends what it thinks was lost):
    a message's msg_id; an event without one (unfollow) by its name, sender and time,
    hashed, so the table of handled updates holds no one's id."""
    message_id = (event.get("message") or {}).get("msg_id")
    if message_id:
        return str(message_id)
    who = (event.get("follower") or event.get("sender") or {}).get("id")
    seen = f"{event.get('event_name')}:{who}:{event.get('timestamp')}"
    return hashlib.sha256(seen.encode()).hexdigest()


def image_url(message: dict[str, Any]) -> str | None:
    for attachment in message.get("attachments") or []:
        url = (attachment.get("payload") or {}).get("url")
        if url:
            return str(url)
    return None


def timestamp_in(raw: bytes) -> str:
    """The event's "timestamp" (epoch ms, signed with the body), read without parsing
    the body; "" when there is none."""
    found = TIMESTAMP.search(raw)
    return found.group(1).decode() if found else ""
