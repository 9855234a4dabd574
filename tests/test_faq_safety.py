"""Knowing when not to answer: doses, diagnoses and lab values are handed off;
emergencies still get 115; place and animal words do not carry the station's or
children's topics. And residents' words (content/faq/synonyms.yaml) reach the library's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.faq import ask
from bot.faq.normalize import words
from bot.faq.synonyms import Rewriter
from content import CONTENT_DIR
from content.faq import check_signals, check_synonyms, load_synonyms


@pytest.mark.parametrize(
    "question",
    [
        "bé 2 tuổi tiêu chảy uống oresol mấy gói",
        "paracetamol cho bé 10kg uống bao nhiêu ml",
        "men gan ALT 85 AST 60 có sao không",
        "cholesterol 6.8 có cao lắm không",
        "đường huyết lúc đói 7.5 thì sao",
        "hba1c 8 phan tram co sao ko",
        "dau bung duoi ben phai buon non la benh gi",
        "tôi hay chóng mặt mỏi cổ là bị bệnh gì",
        "uống thuốc huyết áp chung với thuốc cảm được không",
        "how many tablets of paracetamol for a 5 year old",
        "my cholesterol is 7.1 is it high",
        "con 8 tháng ho nhiều cho uống siro ho loại nào",
        "siêu âm thấy thai hơi nhỏ có sao không",
    ],
)
def test_medical_advice_is_handed_off_not_answered(question):
    match = ask(question)
    assert match.advice and match.id is None and match.answer is None


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("huyết áp bao nhiêu là cao", "hypertension"),
        ("khám sàng lọc năm nay có mất tiền không", "screening.cost"),
        ("bác 75 tuổi có được khám free không", "screening.eligibility"),
        # An age or a duration is not a value to judge.
        ("bé 3 tuần tuổi sốt có nguy hiểm không", "fever.children"),
    ],
)
def test_numbers_and_health_words_alone_are_not_advice(question, topic):
    match = ask(question)
    assert not match.advice and match.id == topic


def test_a_stroke_in_residents_words_is_an_emergency():
    match = ask("ông tôi bị tai biến mạch máu não")
    assert match.emergency and match.id == "stroke"


def test_an_emergency_still_gets_115_even_when_asked_as_advice():
    match = ask("bố tôi đau ngực khó thở uống mấy viên thuốc gì")
    assert match.emergency and match.answer.lstrip("*").startswith("Gọi 115")


@pytest.mark.parametrize(
    ("question", "never"),
    [
        ("bưu điện phường mở cửa mấy giờ", "station.hours"),
        ("số điện thoại công an phường là bao nhiêu", "station.contact"),
        ("ngân hàng gần trạm mở cửa giờ nào", "station.hours"),
        ("mèo con mấy tháng thì tiêm phòng", "vaccination.children"),
        ("tiêm phòng dại cho chó ở đâu", "rabies.bite"),
        ("post office opening hours", "station.hours"),
        ("trạm y tế có bán khẩu trang không", "station.hours"),
        ("muốn chích ngừa dại cho con chó ở đâu", "rabies.bite"),
        ("con mèo bị sốt cho uống hạ sốt được không", "fever.children"),
        ("khu mình bị cúp nước từ tối qua gọi số nào", "station.contact"),
        ("khu mình bị cúp nước từ tối qua gọi số nào", "station.emergency"),
        ("xin xác nhận cư trú ở đâu", "health_certificate"),
    ],
)
def test_other_places_and_animals_do_not_carry_a_topic(question, never):
    assert ask(question).id != never


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("giờ mở cửa trạm y tế", "station.hours"),
        ("bị mèo cắn có phải tiêm phòng dại không", "rabies.bite"),
        ("lịch tiêm chủng cho trẻ ở trạm", "vaccination.children"),
    ],
)
def test_the_same_topics_still_answer_their_own_questions(question, topic):
    assert ask(question).id == topic


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("chich ngua cho con o dau", "vaccination.children"),
        ("đang có bầu cần khám gì", "pregnancy.care"),
        ("ad ơi mình hỏi được gì", "bot.help"),
        ("do grown-ups need vaccines", "vaccination.adults"),
        ("khám sàng lọc có tốn phí không", "screening.cost"),
        ("bé bị phỏng nước sôi", "firstaid.burns"),
        (
            "người 50 tuổi khám sàng lọc được không, có giới hạn độ tuổi không",
            "screening.eligibility",
        ),
        ("mẹ tôi bị cao máu nên kiêng gì", "hypertension"),
        ("tu ngay ba mat me em chan nan suy sup, khong thiet gi nua", "mental_health"),
        ("làm sao tránh sốt xuất huyết cho cả nhà", "dengue.prevention"),
    ],
)
def test_residents_words_reach_the_librarys(question, topic):
    assert ask(question).id == topic


def test_synonym_mistakes_are_named_with_file_and_line(tmp_path: Path):
    shutil.copytree(CONTENT_DIR / "faq", tmp_path / "faq")
    (tmp_path / "faq" / "synonyms.yaml").write_text(
        "vi:\n"
        "  older_from_age: 200\n"
        "  words:\n"
        "    - use: tiêm\n"
        "      for: [chích]\n"
        "    - use: tiêm phòng\n"
        "      for: [chích]\n"
        "    - use: ''\n"
        "      for: []\n",
        encoding="utf-8",
    )
    problems = {(p.line, p.message.split(" ")[0]) for p in check_synonyms(tmp_path)}
    assert {line for line, _ in problems} == {2, 7, 8, 9}


def test_a_not_about_rule_naming_an_unknown_topic_is_named_with_its_line(tmp_path: Path):
    shutil.copytree(CONTENT_DIR / "faq", tmp_path / "faq")
    (tmp_path / "faq" / "signals.yaml").write_text(
        "vi:\n  not_about:\n    - words: [bưu điện]\n      topics: [station.hourz]\n",
        encoding="utf-8",
    )
    [problem] = check_signals(tmp_path)
    assert problem.line == 4 and "station.hourz" in problem.message


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("chich ngua cho be", "tiêm phòng cho be"),
        ("bịnh lao", "bệnh lao"),
        ("binh thuong", "binh thuong"),  # "bình", not "bịnh": exact
        ("đi bầu cử", "đi bầu cử"),  # not "mang thai cử"
        ("bác 75 tuổi", "bác 75 tuổi người cao tuổi"),
        ("chị 45 tuổi", "chị 45 tuổi"),
        ("phải làm răng", "phải làm sao"),  # central Vietnam's "how"
        ("làm răng sứ", "làm răng sứ"),  # but dental work stays dental work
        ("sốt ruột quá", "nóng lòng quá"),  # impatience, not a fever
    ],
)
def test_synonyms_are_rewritten_as_the_file_says(typed, read):
    rewriter = Rewriter.build(load_synonyms("vi"))
    assert " ".join(rewriter.rewrite(words(typed))) == read


def test_a_synonym_spelled_as_an_abbreviation_is_named(tmp_path: Path):
    shutil.copytree(CONTENT_DIR / "faq", tmp_path / "faq")
    shutil.copy(CONTENT_DIR / "abbreviations.yaml", tmp_path)
    (tmp_path / "faq" / "synonyms.yaml").write_text(
        "vi:\n  words:\n    - use: bác sĩ\n      for: [bác sỹ, bs]\n", encoding="utf-8"
    )
    [problem] = check_synonyms(tmp_path)
    assert problem.line == 4 and "'bs'" in problem.message
