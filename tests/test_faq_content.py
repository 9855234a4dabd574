"""`check_faq`: the shipped FAQ is valid, and each kind of mistake is reported with its line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.faq import get_index
from bot.faq.check import check_faq_retrieval
from content import CONTENT_DIR
from content.faq import LANGUAGES, MAX_EXAMPLES, MIN_EXAMPLES, check_faq, load_faq
from content.yamlfile import ContentError, Problem

REQUIRED = [
    "screening.eligibility",
    "screening.register",
    "screening.schedule",
    "screening.documents",
    "screening.cost",
    "screening.content",
    "screening.results",
    "screening.cancel",
    "ehealth.vneid",
    "ehealth.record",
    "bhyt.card",
    "bhyt.benefits",
    "station.hours",
    "station.contact",
    "station.emergency",
    "dengue.prevention",
    "dengue.symptoms",
    "vaccination.children",
    "vaccination.adults",
    "tb.symptoms",
    "hiv.testing",
    "rabies.bite",
    "food_safety",
    "tobacco.quit",
    "hypertension",
    "diabetes",
    "mental_health",
    "breastfeeding",
    "elderly.care",
    "blood_donation",
    "handwashing",
    "bot.unsubscribe",
    "bot.topics",
    "bot.privacy",
    "bot.report_rumor",
    # Added with issue 15.
    "fever.children",
    "diarrhoea",
    "measles",
    "flu",
    "chickenpox",
    "pink_eye",
    "heatstroke",
    "poisoning",
    "firstaid.burns",
    "firstaid.drowning",
    "firstaid.choking",
    "snakebite",
    "contraception",
    "hpv.cervical",
    "hepatitis.testing",
    "violence.help",
    "mental_health.hotline",
    "vaccination.reactions",
    "health_certificate",
    "home_visit",
    "antibiotics",
]


def test_shipped_faq_has_no_problems():
    assert [str(p) for p in faq_problems()] == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_required_topic_is_answered_with_station_facts(lang):
    entries = {entry.id: entry for entry in load_faq(lang)}
    assert set(REQUIRED) <= set(entries)
    station = {"vi": "Trạm Y tế phường Hòa Bình", "en": "Hoa Binh Ward Health Station"}[lang]
    assert station in entries["station.hours"].answer  # the station's facts in that language
    assert all("{" not in entry.answer for entry in entries.values())
    for entry in entries.values():
        assert entry.source and MIN_EXAMPLES <= len(entry.examples) <= MAX_EXAMPLES
        if entry.emergency:
            assert "115" in entry.answer[:30]


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        # The content review's wrong answers (issue 15), each now its own topic.
        ("bị rắn cắn phải làm sao", "snakebite"),
        ("thuốc tránh thai khẩn cấp", "contraception"),
        ("khám sức khỏe lấy giấy đi làm", "health_certificate"),
        ("phá thai ở đâu", "contraception"),
        ("khám đúng tuyến là thế nào", "bhyt.benefits"),
        ("con sốt cao 39 độ", "fever.children"),
    ],
)
def test_reviewed_questions_get_their_own_topic(question, topic):
    assert get_index("vi").ask(question).id == topic


def test_dengue_answer_names_the_only_safe_fever_medicine():
    answer = {e.id: e.answer for e in load_faq("vi")}["dengue.symptoms"]
    assert "paracetamol" in answer and "ibuprofen" in answer and "oresol" in answer


@pytest.fixture
def content(tmp_path: Path) -> Path:
    shutil.copytree(CONTENT_DIR / "faq", tmp_path / "faq")
    for name in ("station.yaml", "abbreviations.yaml"):
        shutil.copy(CONTENT_DIR / name, tmp_path / name)
    return tmp_path


def faq_problems(content_dir: Path = CONTENT_DIR) -> list[Problem]:
    """What `loaphuong content check` says of the FAQ: its shape, and each example's topic."""
    return check_faq(content_dir) + check_faq_retrieval(content_dir)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("- id: screening.register", "- id: screening.eligibility", "id bị lặp"),
        ('question: "Trạm y tế mở cửa giờ nào?"', 'question: ""', "thiếu 'question'"),
        ("{tram} mở cửa", "{tram_y_te} mở cửa", "biến lạ {tram_y_te}"),
        ("**Gọi 115 ngay** khi có", "Khi có", "phải mở đầu bằng 115"),
        ('    - "giờ mở cửa trạm y tế"', '    - "bị chó cắn phải làm gì"', "tìm ra chủ đề"),
        (
            '    - "bị chó cắn phải làm gì"',
            '    - "chó nhà bị ốm phải làm gì"',
            "thiếu từ bắt buộc",
        ),
        ('  requires: ["huyết áp"]', '  requires: "huyết áp"', "requires phải là danh sách"),
    ],
)
def test_mistakes_are_reported_with_file_and_line(content, old, new, message):
    path = content / "faq" / "vi.yaml"
    edit(path, old, new)
    problems = faq_problems(content)
    assert any(message in p.message and p.file == path and p.line > 1 for p in problems), problems


def test_a_topic_missing_in_english_is_reported(content):
    path = content / "faq" / "en.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("- id: handwashing")
    path.write_text(text[:start] + text[text.index("- id: bot.unsubscribe") :], encoding="utf-8")
    assert any("handwashing" in p.message for p in faq_problems(content))


def test_load_faq_refuses_invalid_content(content):
    edit(content / "faq" / "vi.yaml", "- id: screening.register", "- id: Bad Id")
    with pytest.raises(ContentError):
        load_faq("vi", content)


def test_answer_length_is_counted_with_this_stations_values_when_longer(content):
    long_address = "số 1234 ngõ 56 ngách 78 hẻm 90, " * 12
    edit(
        content / "station.yaml",
        'address: "số 12 đường Lê Lợi, phường Hòa Bình"',
        (f'address: "{long_address}"'),
    )
    problems = faq_problems(content)
    assert any("station.hours: câu trả lời dài" in p.message for p in problems)


def test_a_topic_id_too_long_for_button_data_is_reported(content):
    edit(content / "faq" / "vi.yaml", "- id: bot.report_rumor", f"- id: bot.{'x' * 40}")
    assert any("id dài quá" in p.message for p in faq_problems(content))
