"""Signed question buttons: only the chat that asked may hand its question to staff or
record which suggested topic it picked.

The question log keeps no identity, so a button carries the question id with a short
HMAC of (question id, channel, chat id) under a secret made once per install and kept
in the key_value table. Pressed in another chat, or with a made-up id, it fails the
check. Telegram allows 64 bytes of button data; a signed id takes about 22.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import Incoming
from bot.db import install_secret

SECRET_KEY = "faq.button_secret"
# 8 bytes (11 characters): guessing one takes about 2**63 tries.
SIGNATURE_BYTES = 8


async def button_secret(session: AsyncSession) -> bytes:
    """The install's signing secret, made on first use."""
    return (await install_secret(session, SECRET_KEY, lambda: secrets.token_urlsafe(32))).encode()


def sign_question(secret: bytes, question_id: int, incoming: Incoming) -> str:
    """The signature a button naming this question carries in `incoming`'s chat."""
    return _signature(secret, question_id, incoming)


def signed_question(
    secret: bytes, question_id: int, signature: str, incoming: Incoming
) -> int | None:
    """The question id, if its signature was made for this chat."""
    expected = _signature(secret, question_id, incoming)
    return question_id if hmac.compare_digest(signature, expected) else None


def _signature(secret: bytes, question_id: int, incoming: Incoming) -> str:
    message = f"{question_id}\n{incoming.channel}\n{incoming.chat_id}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
