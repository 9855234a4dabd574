"""FAQ engine: normalisation, abbreviations, emergency and off-topic signals, contracts."""

from __future__ import annotations

import pytest

from bot.faq import FaqIndex, get_index
from bot.faq.index import EMERGENCY_TOPIC, THRESHOLD
from bot.faq.log import mask_phones
from bot.faq.normalize import Normalizer, PhraseSet, Span, fold_word, words
from content.faq import load_abbreviations, load_signals


@pytest.fixture(scope="module")
def vi() -> FaqIndex:
    return get_index("vi")


def test_words_are_nfc_and_lower_case():
    decomposed = "Khám Sa\u0300ng Lọc?"
    assert words(decomposed) == ["khám", "sàng", "lọc"]


def test_abbreviations_expand_with_and_without_diacritics():
    normalizer = Normalizer.build(load_abbreviations("vi"))
    folded = [fold_word(t) for t in normalizer.tokens("Đc ko, BHYT?")]
    assert folded == ["duoc", "khong", "bao", "hiem", "y", "te"]
    assert [fold_word(t) for t in normalizer.tokens("kham sxh o tyt ntn")] == (
        ["kham", "sot", "xuat", "huyet", "o", "tram", "y", "te", "nhu", "the", "nao"]
    )
    assert normalizer.tokens("đc") == ["được"]


def test_phrases_compare_each_word_as_typed():
    phrases = PhraseSet.build(["ngất", "khó thở", "co giật"])
    assert phrases.find(words("bị ngạt mũi")) == []  # typed with marks: "ngạt" is not "ngất"
    assert phrases.find(words("mẹ bị ngất")) == [Span(2, 3)]
    assert phrases.find(words("me bi ngat, kho tho")) == [Span(2, 3), Span(3, 5)]
    assert phrases.find(words("chau bi co giat ạ")) == [Span(2, 4)]  # one marked word
    assert phrases.find(words("bà khó thỡ quá")) == [Span(1, 3)]  # ngã typed for hỏi


def test_a_word_taken_literally_is_not_an_unmarked_spelling():
    eat = PhraseSet.build(["ăn"])
    assert eat.find(words("an gi")) == [Span(0, 1)]
    assert eat.find(words("an toàn"), literal=frozenset({"an"})) == []


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


# Typed as residents do: mixed diacritics, teencode, hỏi/ngã mixed up, stroke signs.
EMERGENCIES = [
    "chau bi co giat ạ",
    "ba toi dang kho tho, cứu với",
    "me bi ngat xiu giờ sao",
    "thở không được",
    "không thở nổi",
    "tho ko dc",
    "khó thỡ quá",
    "ông bị méo mặt",
    "bà tự nhiên nói ngọng",
    "tê nửa người bên trái",
    "bị chảy máu nhìu quá",
    "bị đứt tay chảy máu nhiều quá ạ",
    "ba toi xiu roi",
]


@pytest.mark.parametrize("question", EMERGENCIES)
def test_emergencies_as_typed_answer_115_first(vi, question):
    match = vi.ask(question)
    assert match.emergency and match.answer is not None and "115" in match.answer[:30]


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("cho hoi xiu gio mo cua tram", "station.hours"),  # "xíu", a bit
        ("đợi xíu, cho hỏi giờ mở cửa trạm", "station.hours"),
        ("con bi ngat mui 3 ngay", None),  # blocked nose
        ("bé bị ngạt mũi", None),
        ("mua bao hiem tai nan o dau", None),
    ],
)
def test_everyday_words_that_look_like_emergencies_are_not(vi, question, topic):
    match = vi.ask(question)
    assert not match.emergency and match.id == topic


@pytest.mark.parametrize(("lang", "emergency"), [("vi", "khó thở quá"), ("en", "can't breathe")])
def test_whatever_the_topic_an_emergency_answer_starts_with_115(lang, emergency):
    index = get_index(lang)
    for entry in index.entries.values():
        match = index.ask(f"{entry.question} {emergency}")
        assert match.emergency and "115" in (match.answer or "")[:30], entry.id


def test_a_confident_topic_keeps_its_answer_with_the_115_line_first(vi):
    match = vi.ask("bị sxh chảy máu cam nhiều")
    assert match.emergency and match.id == "dengue.symptoms"
    reply = load_signals("vi").emergency_reply
    assert match.answer == f"{reply}\n\n{vi.entries['dengue.symptoms'].answer}"


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


OFF_TOPIC = [
    "giá vàng hôm nay",
    "xo so mien bac",
    "thời tiết mai",
    "ly hon thi chia tai san the nao",
    "sổ đỏ",
    "ho chieu",
    "cach nau bun bo hue",
    "cat dien",
    "o dau ban dien thoai cu",
]


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_gets_no_answer(vi, question):
    match = vi.ask(question)
    assert (match.id, match.answer, match.off_topic) == (None, None, True)


@pytest.mark.parametrize("question", ["con nhà tôi hay khóc đêm", "bị nổi mẩn ngứa khắp người"])
def test_low_confidence_offers_closest_topics(vi, question):
    match = vi.ask(question)
    assert match.id is None and not match.off_topic  # health, just not in the library
    assert 2 <= len(match.alternatives) <= 3
    assert all(topic in vi.entries for topic in match.alternatives)


def test_with_no_topic_allowed_to_answer_the_score_is_the_nearest_topics(vi):
    match = vi.ask("mua bảo hiểm nhân thọ ở đâu")
    assert match.id is None and match.score > 0
    assert match.score == round(vi._rank("mua bảo hiểm nhân thọ ở đâu")[1][0][1], 4)


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
    ("bé bị sổ mũi", "vaccination.children", None),  # "mũi" is also the nose
    ("ho kéo dài", None, "tb.symptoms"),
    ("Ho Khan Keo Dai 1 Thang", None, "tb.symptoms"),
    ("tiêm filler ở đâu an toàn", "food_safety", None),  # "an" here is not "ăn"
    ("huyet áp bao nhiêu là cao ạ", None, "hypertension"),  # mixed: "huyet" is "huyết"
    ("ong noi 75 tuoi co dc kham mien phi ko ạ", None, "screening.eligibility"),
]


@pytest.mark.parametrize(("question", "never", "answer"), REQUIRED_WORDS)
def test_a_topic_answers_only_questions_with_its_required_words(vi, question, never, answer):
    assert vi.ask(question).id == answer
    if never:  # not even a candidate: its required words are missing
        assert never not in [topic for topic, _ in vi.rank(question, limit=len(vi.entries))]


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


def test_english_children_vaccination_needs_a_child(vi):
    english = get_index("en")
    assert english.ask("where can i get my kid vaccinated").id == "vaccination.children"
    assert english.ask("does my grandfather need a pneumonia vaccine").id == "vaccination.adults"


def test_phone_numbers_are_masked_before_logging():
    assert mask_phones("gọi tôi 0912 345 678 nhé") == "gọi tôi [số điện thoại] nhé"
    assert mask_phones("tôi 70 tuổi, tổ 3") == "tôi 70 tuổi, tổ 3"


def test_a_repeated_word_does_not_lower_the_confidence(vi):
    """Residents' stories repeat "em", "chị ơi": that is not less about the topic."""
    plain = vi.ask("chị ơi buồn chán mất ngủ kéo dài")
    repeated = vi.ask("chị ơi chị ơi chị ơi buồn chán mất ngủ kéo dài")
    assert plain.id == "mental_health"
    assert (repeated.id, repeated.score) == (plain.id, plain.score)
