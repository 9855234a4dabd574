"""Recognising a person across registrations and imported lists, without storing more.

Phones are parsed with `phonenumbers` (the same metadata Android uses): only Vietnamese
mobile numbers are accepted and kept in one normal form, 0XXXXXXXXX.
An identity is a hash of the folded name and birth year plus a third fact (the phone
for a registration, the tổ dân phố for a list row), so "Nguyễn Văn A" and
"nguyen van a" are the same person and the hash alone reveals nothing readable.
Names and birth years follow one rule whether a resident types them or a list brings them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date
from enum import Enum, auto

import phonenumbers
from phonenumbers import PhoneNumberType
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models.screening import EligibleResident
from content.text import fold

_MOBILE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
# A Vietnamese mobile number has 9 digits after the leading 0 (or +84).
MOBILE_DIGITS = 9
OLDEST_BIRTH_YEAR = 1900
NAME_LENGTH = range(2, 121)
# Words of letters joined by one space, dot, apostrophe or hyphen: "Nguyễn Thị Mai", "H'Hen".
_NAME = re.compile(r"^[^\W\d_]+(?:[ .'-][^\W\d_]+)*$")


def clean_name(text: str) -> str | None:
    """The full name with spaces squeezed, in composed form (NFC); None if it is not a name.

    Spreadsheets saved on a Mac often hold decomposed accents, which would fail the check."""
    name = " ".join(unicodedata.normalize("NFC", text).split())
    return name if len(name) in NAME_LENGTH and _NAME.match(name) else None


# A name typed in the chat has 2–6 words; these words make it a question instead
# ("trạm mở cửa mấy giờ vậy"). Compared with their accents: "Mây" is a name, "mấy" is not.
TYPED_NAME_WORDS = range(2, 7)
QUESTION_WORDS = frozenset(
    {"gì", "nào", "sao", "mấy", "bao", "nhiêu", "không", "thế", "đâu", "vậy", "hả", "chưa", "giờ"}
)


def typed_name(text: str) -> str | None:
    """A full name typed by a resident, in title case ("nguyen thi hoa" → "Nguyen Thi Hoa");
    None for what is not a name: a question, one word, more than six."""
    name = clean_name(text)
    if name is None:
        return None
    words = name.split()
    if len(words) not in TYPED_NAME_WORDS or any(w.lower() in QUESTION_WORDS for w in words):
        return None
    return " ".join(word[:1].upper() + word[1:].lower() for word in words)


def is_birth_year(year: int, today: date) -> bool:
    return OLDEST_BIRTH_YEAR <= year <= today.year


class PhoneProblem(Enum):
    """Why a typed number is no Vietnamese mobile number."""

    TOO_SHORT = auto()
    TOO_LONG = auto()
    NOT_MOBILE = auto()  # a real number, but a landline or a 1900 line
    OTHER = auto()


def normalize_phone(text: str) -> str | None:
    """'0912 345 678', '+84912345678', '84912345678' → '0912345678'; None if not a VN mobile."""
    number = _vietnamese_number(text)
    if number is None or phonenumbers.number_type(number) not in _MOBILE:
        return None
    return "0" + str(number.national_number)


def phone_problem(text: str) -> PhoneProblem | None:
    """What is wrong with `text` as a mobile number (None: nothing)."""
    number = _vietnamese_number(text)
    if number is not None:
        return None if phonenumbers.number_type(number) in _MOBILE else PhoneProblem.NOT_MOBILE
    digits = "".join(ch for ch in text if ch.isdigit())
    national = digits[2:] if digits.startswith("84") else digits.removeprefix("0")
    foreign = text.strip().startswith("+") and not digits.startswith("84")
    if foreign or len(digits) < MOBILE_DIGITS - 3:  # "số nhà 12" is no try at a phone number
        return PhoneProblem.OTHER
    if len(national) < MOBILE_DIGITS:
        return PhoneProblem.TOO_SHORT
    return PhoneProblem.TOO_LONG if len(national) > MOBILE_DIGITS else PhoneProblem.OTHER


def _vietnamese_number(text: str) -> phonenumbers.PhoneNumber | None:
    """`text` as a valid Vietnamese number of any kind, or None."""
    digits = "".join(ch for ch in text if ch.isdigit() or ch == "+")
    if digits.startswith("84") and len(digits) == 11:
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, "VN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        return None
    return number


def identity(full_name: str, birth_year: int, third: str) -> str:
    """A stable, non-reversible key for "the same person"."""
    key = f"{fold(full_name)}|{birth_year}|{fold(third)}"
    return hashlib.sha256(key.encode()).hexdigest()


async def listed_resident_id(
    session: AsyncSession, full_name: str, birth_year: int, area: str, phone: str | None
) -> int | None:
    """The list row of this person, if any: same folded name, birth year and tổ dân phố,
    and the same phone when both have one."""
    found = (
        await session.execute(
            select(EligibleResident.id, EligibleResident.phone).where(
                EligibleResident.identity == identity(full_name, birth_year, area)
            )
        )
    ).first()
    if found is None or not phones_agree(found.phone, phone):
        return None
    return found.id


def phones_agree(listed: str | None, given: str | None) -> bool:
    """A list row and a registration agree on the phone unless both have one and they differ."""
    return not (listed and given) or listed == given
