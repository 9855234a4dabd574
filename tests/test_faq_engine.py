"""FAQ engine: normalisation, abbreviations, emergency and off-topic signals, contracts."""

from __future__ import annotations

import pytest

from bot.faq import FaqIndex, get_index
from bot.faq.index import EMERGENCY_TOPIC, THRESHOLD
from bot.faq.log import mask_phones
from bot.faq.normalize import Normalizer, PhraseSet, has_diacritics, words
from content.faq import load_abbreviations, load_signals


@pytest.fixture(scope="module")
def vi() -> FaqIndex:
    return get_index("vi")


def test_words_are_nfc_and_lower_case():
    decomposed = "Khám Sa\u0300ng Lọc?"
    assert words(decomposed) == ["khám", "sàng", "lọc"]


def test_abbreviations_expand_with_and_without_diacritics():
    normalizer = Normalizer.build(load_abbreviations("vi"))
    assert normalizer.folded("Đc ko, BHYT?") == ["duoc", "khong", "bao", "hiem", "y", "te"]
    assert normalizer.folded("kham sxh o tyt ntn") == (
        ["kham", "sot", "xuat", "huyet", "o", "tram", "y", "te", "nhu", "the", "nao"]
    )
    assert normalizer.tokens("đc") == ["được"]


def test_phrases_respect_diacritics_when_the_writer_typed_them():
    phrases = PhraseSet.build(["ngất", "khó thở"])
    assert phrases.find(words("bị ngạt mũi"), has_diacritics("bị ngạt mũi")) == []
    assert phrases.find(words("mẹ bị ngất"), True) == ["ngất"]
    assert phrases.find(words("me bi ngat, kho tho"), False) == ["ngat", "kho tho"]


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("ai được khám miễn phí", "screening.eligibility"),
        ("giờ mở cửa trạm y tế", "station.hours"),
        ("bị chó cắn phải làm gì", "rabies.bite"),
        ("kham sang loc co mat tien ko", "screening.cost"),
        ("phong chong sxh", "dengue.prevention"),
        ("trieu chung sot suat huyet", "dengue.symptoms"),  # s/x typo
        ("tiem phong dai o dau", "rabies.bite"),
    ],
)
def test_the_issue_examples_find_their_topic(vi, question, topic):
    match = vi.ask(question)
    assert match.id == topic
    assert match.score >= THRESHOLD
    assert match.answer and "{" not in match.answer


def test_emergency_words_answer_115_first_even_for_a_vague_question(vi):
    match = vi.ask("bố tôi đau ngực khó thở")
    assert match.emergency and match.id == EMERGENCY_TOPIC
    assert match.answer is not None and "115" in match.answer[:30]


def test_an_emergency_inside_another_topic_keeps_the_topic_with_115_first(vi):
    match = vi.ask("bị chó cắn chảy máu nhiều quá")
    assert match.emergency and match.id == "rabies.bite"
    assert match.answer is not None and match.answer.startswith("**Gọi 115**")


def test_a_non_emergency_topic_naming_the_emergency_gets_the_115_line_first(vi):
    match = vi.ask("ngộ độc thực phẩm phải làm sao")
    assert match.id == "food_safety" and match.emergency
    reply = load_signals("vi").emergency_reply
    assert match.answer == f"{reply}\n\n{vi.entries['food_safety'].answer}"


@pytest.mark.parametrize("question", ["giá vàng hôm nay", "xo so mien bac", "thời tiết mai"])
def test_off_topic_gets_no_answer(vi, question):
    match = vi.ask(question)
    assert (match.id, match.answer, match.off_topic) == (None, None, True)


def test_low_confidence_offers_closest_topics(vi):
    match = vi.ask("con nhà tôi hay khóc đêm")
    assert match.id is None and not match.off_topic
    assert 2 <= len(match.alternatives) <= 3
    assert all(topic in vi.entries for topic in match.alternatives)


# (question, the topic that must not answer it, the topic that must) — a shared word is not
# enough: the topic's `requires` words must be there ("cần" is not "cắn" when typed so).
REQUIRED_WORDS = [
    ("mua bảo hiểm xe máy ở đâu", "bhyt.card", None),
    ("làm thẻ bảo hiểm y tế ở đâu", None, "bhyt.card"),
    ("xét nghiệm adn ở đâu", "hiv.testing", None),
    ("con mèo nhà tôi bị rụng lông thì sao", "rabies.bite", None),
    ("con meo nha toi bi can", None, "rabies.bite"),
    ("học bơi cho trẻ ở đâu", "vaccination.children", None),
    ("trẻ 9 tháng tiêm sởi ở đâu", None, "vaccination.children"),
]


@pytest.mark.parametrize(("question", "never", "answer"), REQUIRED_WORDS)
def test_a_topic_answers_only_questions_with_its_required_words(vi, question, never, answer):
    match = vi.ask(question)
    assert match.id == answer
    if never:
        assert match.id != never


def test_a_topic_missing_its_required_words_is_still_offered_as_a_button(vi):
    match = vi.ask("mua bảo hiểm xe máy ở đâu")
    assert match.id is None and match.alternatives[0] in ("bhyt.card", "bhyt.benefits")


def test_empty_and_unknown_questions_are_safe(vi):
    assert vi.ask("").id is None
    assert vi.ask("???").id is None
    assert vi.ask("qwxz zzkq").id is None


def test_english_library_answers_english(vi):
    match = get_index("en").ask("what time does the health station open on saturday")
    assert match.id == "station.hours" and "open" in (match.answer or "")


def test_phone_numbers_are_masked_before_logging():
    assert mask_phones("gọi tôi 0912 345 678 nhé") == "gọi tôi [số điện thoại] nhé"
    assert mask_phones("tôi 70 tuổi, tổ 3") == "tôi 70 tuổi, tổ 3"
