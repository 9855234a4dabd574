"""The FAQ check that needs the engine: each example must find its own topic, confidently,
or residents who ask that way get another answer. Part of `loaphuong content check`."""

from __future__ import annotations

from pathlib import Path

from bot.faq import THRESHOLD, FaqIndex, build_index
from content import CONTENT_DIR
from content.faq import LANGUAGES, sound_faq
from content.yamlfile import Problem


def check_faq_retrieval(content_dir: Path = CONTENT_DIR) -> list[Problem]:
    """Every example that misses its topic, per language whose entries are sound (the shape
    check in content/faq.py reports the others)."""
    problems = []
    for lang in LANGUAGES:
        sound = sound_faq(lang, content_dir)
        if sound is None:
            continue
        path, data = sound
        index = build_index(lang, content_dir)
        for item in data:
            for example, line in zip(item["examples"], item["examples"].item_lines, strict=True):
                message = _missed(index, item["id"], example)
                if message:
                    problems.append(Problem(path, line, f"{item['id']}: {message}"))
    return problems


def _missed(index: FaqIndex, topic: str, example: str) -> str | None:
    found = index.rank(example)
    best, score = found[0] if found else (None, 0.0)
    if not index.uses_required_word(topic, example):
        return f"câu ví dụ {example!r} thiếu từ bắt buộc (requires/requires_also)"
    if best != topic:
        return f"câu ví dụ {example!r} lại tìm ra chủ đề {best!r}"
    if score < THRESHOLD:
        return f"câu ví dụ {example!r} chỉ đạt {score:.2f}, dưới ngưỡng trả lời"
    return None
