"""Long texts split on paragraph boundaries, in order, never mid-word."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.outbox.split import split_text


def test_short_text_is_one_part():
    assert split_text("Xin chào bà con", 4096) == ["Xin chào bà con"]


def test_empty_text_has_no_parts():
    assert split_text("  \n ", 100) == []


def test_splits_between_paragraphs_and_keeps_them_whole():
    paragraphs = [f"Đoạn {n}: " + "chữ " * 20 for n in range(6)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    parts = split_text(text, 250)
    assert all(len(part) <= 250 for part in parts)
    assert "\n\n".join(parts) == text
    assert all(part.startswith("Đoạn") for part in parts)


def test_long_paragraph_breaks_between_lines_then_words():
    text = "- " + "\n- ".join("mục số " + str(n) for n in range(40))
    parts = split_text(text, 60)
    assert "\n".join(parts) == text
    words = " ".join(["dài"] * 100)
    assert " ".join(split_text(words, 50)) == words


def test_only_a_word_longer_than_the_limit_is_cut():
    url = "https://example.org/" + "x" * 150
    parts = split_text(f"Xem {url} nhé", 60)
    assert all(len(part) <= 60 for part in parts)
    assert "".join(parts).replace(" ", "") == f"Xem{url}nhé"


def test_rejects_a_silly_limit():
    with pytest.raises(ValueError):
        split_text("abc", 0)


words = st.text(alphabet="abcđêơư", min_size=1, max_size=12)
paragraph = st.lists(words, min_size=1, max_size=30).map(" ".join)


@given(st.lists(paragraph, min_size=1, max_size=12), st.integers(min_value=12, max_value=300))
def test_parts_fit_keep_order_and_every_word(paragraphs, limit):
    text = "\n\n".join(paragraphs)
    parts = split_text(text, limit)
    assert all(0 < len(part) <= limit for part in parts)
    assert " ".join(parts).split() == text.split()
    for part in parts:
        # A part never starts or ends inside a word.
        assert part == part.strip()
