"""Split a text that is too long for one message: paragraphs first, then lines, then words."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from bot.core import Reply

_PARAGRAPH = re.compile(r"\n\s*\n")


@lru_cache(maxsize=256)
def split_text(text: str, limit: int) -> list[str]:
    """Parts of at most `limit` characters, in order, cut between paragraphs where
    possible, else between lines, else between words; a single word longer than the
    limit (a pasted URL) is the only thing ever cut inside."""
    if limit < 1:
        raise ValueError("limit must be positive")
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    parts: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        _pack(parts, _pieces(paragraph.strip(), limit), "\n\n", limit)
    return parts


@lru_cache(maxsize=256)
def message_parts(
    text: str, photo: str | None, limit: int, caption_limit: int
) -> tuple[Reply, ...]:
    """A broadcast as the messages one recipient gets, in order: the photo carries the
    first part as its caption when that fits, else goes alone before the text."""
    parts = tuple(Reply(text=part) for part in split_text(text, limit))
    if photo is None:
        return parts
    if parts and len(parts[0].text) <= caption_limit:
        return (Reply(text=parts[0].text, photo=photo), *parts[1:])
    return (Reply(text="", photo=photo), *parts)


def reply_parts(reply: Reply, limit: int, caption_limit: int) -> tuple[Reply, ...]:
    """A handler's reply as the messages it takes; its buttons go with the last."""
    parts = message_parts(reply.text, reply.photo, limit, caption_limit)
    if not reply.buttons or not parts:
        return parts
    return (*parts[:-1], replace(parts[-1], buttons=reply.buttons))


def _pieces(paragraph: str, limit: int) -> list[str]:
    """A paragraph as pieces no longer than the limit (itself when it fits)."""
    if len(paragraph) <= limit:
        return [paragraph] if paragraph else []
    lines: list[str] = []
    for line in paragraph.split("\n"):
        line = line.strip()
        if len(line) <= limit:
            _pack(lines, [line] if line else [], "\n", limit)
            continue
        words: list[str] = []
        for word in line.split():
            chunks = [word[i : i + limit] for i in range(0, len(word), limit)]
            _pack(words, chunks, " ", limit)
        _pack(lines, words, "\n", limit)
    return lines


def _pack(parts: list[str], pieces: list[str], joiner: str, limit: int) -> None:
    """Append pieces, joining each onto the last part while the result still fits.

    Pieces of one split paragraph never rejoin with a wider joiner: they were packed
    greedily with a narrower one, so none fits after its neighbour anyway."""
    for piece in pieces:
        if parts and len(parts[-1]) + len(joiner) + len(piece) <= limit:
            parts[-1] += joiner + piece
        else:
            parts.append(piece)
