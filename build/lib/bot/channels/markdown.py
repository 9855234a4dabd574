"""Render the channel-neutral Markdown of content and replies for each platform.

Content uses a small subset: paragraphs, **bold**, *italic*, `- ` bullets, links.
markdown-it-py parses it; these renderers only map its tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from markdown_it import MarkdownIt
from markdown_it.token import Token

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False})

_TELEGRAM_TAGS = {
    "strong_open": "<b>",
    "strong_close": "</b>",
    "em_open": "<i>",
    "em_close": "</i>",
    "s_open": "<s>",
    "s_close": "</s>",
}


def to_telegram_html(markdown: str) -> str:
    """Markdown → the HTML subset Telegram's parse_mode=HTML accepts."""
    return _render(markdown, _telegram_inline)


def to_plain_text(markdown: str) -> str:
    """Markdown → plain text for channels without formatting (Zalo)."""
    return _render(markdown, _plain_inline)


def has_readable_text(markdown: str) -> bool:
    """Whether any words are left once the Markdown is rendered: "***" or "---" alone
    would reach every recipient as an empty message."""
    return bool(to_plain_text(markdown).strip())


def _render(markdown: str, inline: Callable[[list[Token]], str]) -> str:
    blocks: list[str] = []
    ordered_counters: list[int | None] = []
    line_prefix = ""
    for token in _parser.parse(markdown):
        if token.type == "bullet_list_open":
            ordered_counters.append(None)
        elif token.type == "ordered_list_open":
            ordered_counters.append(int(token.attrGet("start") or 1))
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            ordered_counters.pop()
            if not ordered_counters:
                blocks.append("")
        elif token.type == "list_item_open":
            counter = ordered_counters[-1] if ordered_counters else None
            line_prefix = "• " if counter is None else f"{counter}. "
            if counter is not None:
                ordered_counters[-1] = counter + 1
        elif token.type == "inline":
            blocks.append(line_prefix + inline(token.children or []))
            line_prefix = ""
        elif token.type in ("fence", "code_block"):
            blocks.append(inline([Token("text", "", 0, content=token.content.rstrip())]))
        elif (
            token.type == "paragraph_close" and not ordered_counters
        ) or token.type == "heading_close":
            blocks.append("")
    return "\n".join(blocks).strip()


def _telegram_inline(children: list[Token]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type == "text" or child.type == "code_inline":
            parts.append(escape(child.content, quote=False))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "link_open":
            parts.append(f'<a href="{escape(str(child.attrGet("href") or ""))}">')
        elif child.type == "link_close":
            parts.append("</a>")
        else:
            parts.append(_TELEGRAM_TAGS.get(child.type, ""))
    return "".join(parts)


def _plain_inline(children: list[Token]) -> str:
    parts: list[str] = []
    link_href: str | None = None
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "link_open":
            link_href = str(child.attrGet("href") or "")
        elif child.type == "link_close" and link_href:
            parts.append(f" ({link_href})")
            link_href = None
    return "".join(parts)
