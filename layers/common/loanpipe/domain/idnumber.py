"""Resident ID numbers (GB 11643-1999): check digit, area code, birth date and sex.

An 18-character number is ``AAAAAA YYYYMMDD SSS C``: the area code of first registration (GB/T 2260),
the birth date, a sequence whose last digit is odd for men and even for women, and an ISO 7064
MOD 11-2 check character (``0``-``9`` or ``X``).

Legacy 15-digit numbers (``AAAAAA YYMMDD SSS``, births in the 1900s, no check character) were printed on
first-generation cards, which ceased to be valid on 2013-01-01. ``upgrade_legacy`` turns one into its
18-character form (the number a second-generation card of the same person carries), so a certificate
citing the old number can be compared with the card; ``parse_id_number`` refuses a legacy number
unless ``allow_legacy=True`` (the ID card itself must carry 18 characters).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

# Weight of position i (0-based, from the left) is 2**(17 - i) mod 11.
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
# Check character for (weighted sum mod 11) = 0, 1, 2, ... (public: the testkit plants wrong ones)
CHECK_CHARACTERS = "10X98765432"

MALE = "男"
FEMALE = "女"


class IdNumberError(ValueError):
    """The text is not an ID number at all; ``kind`` is ``format``, ``birth_date`` or ``legacy``."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class IdNumber:
    number: str  # 18 characters, upper-case X
    area_code: str  # 6 digits
    birth_date: date
    sex: str  # 男 / 女
    check_digit_ok: bool
    upgraded_from_legacy: bool = False

    @property
    def province_code(self) -> str:
        return self.area_code[:2]

    @property
    def prefecture_code(self) -> str:
        return self.area_code[:4]


@dataclass(frozen=True)
class Area:
    code: str
    province: str
    prefecture: str | None


def check_digit(first17: str) -> str:
    """The check character of the first 17 digits of an ID number."""
    if len(first17) != 17 or not first17.isdigit() or not first17.isascii():
        raise IdNumberError("format", "the check digit needs exactly 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def has_valid_check_digit(number: str) -> bool:
    text = _clean(number)
    if len(text) != 18 or not text[:17].isdigit() or not text[:17].isascii():
        return False
    return check_digit(text[:17]) == text[17]


def upgrade_legacy(number15: str) -> str:
    """``AAAAAAYYMMDDSSS`` -> ``AAAAAA19YYMMDDSSSC`` (births before 2000, as the 15-digit scheme allowed)."""
    text = _clean(number15)
    if len(text) != 15 or not text.isdigit() or not text.isascii():
        raise IdNumberError("format", "a legacy ID number has exactly 15 digits")
    first17 = text[:6] + "19" + text[6:]
    return first17 + check_digit(first17)


def normalize_id_number(text: str | None) -> str | None:
    """Upper-case 18-character form for comparisons; a 15-digit number is upgraded; None if neither."""
    if text is None:
        return None
    cleaned = _clean(text)
    if len(cleaned) == 15 and cleaned.isdigit() and cleaned.isascii():
        return upgrade_legacy(cleaned)
    if len(cleaned) == 18 and cleaned[:17].isdigit() and cleaned[:17].isascii() and cleaned[17] in "0123456789X":
        return cleaned
    return None


def parse_id_number(text: str, *, allow_legacy: bool = False) -> IdNumber:
    """Read an ID number; a wrong check digit is reported (``check_digit_ok``), not raised."""
    cleaned = _clean(text)
    upgraded = False
    if len(cleaned) == 15 and cleaned.isdigit() and cleaned.isascii():
        if not allow_legacy:
            raise IdNumberError(
                "legacy",
                "15-digit first-generation ID number: first-generation cards ceased to be valid on 2013-01-01",
            )
        cleaned = upgrade_legacy(cleaned)
        upgraded = True
    if len(cleaned) != 18 or not cleaned[:17].isdigit() or not cleaned[:17].isascii() or cleaned[17] not in (
        "0123456789X"
    ):
        raise IdNumberError("format", "an ID number has 17 digits and a check character (0-9 or X)")
    try:
        born = date(int(cleaned[6:10]), int(cleaned[10:12]), int(cleaned[12:14]))
    except ValueError as exc:
        raise IdNumberError("birth_date", "the ID number does not contain a real birth date") from exc
    if born.year < 1900:
        raise IdNumberError("birth_date", "the ID number's birth year is before 1900")
    return IdNumber(
        number=cleaned,
        area_code=cleaned[:6],
        birth_date=born,
        sex=MALE if int(cleaned[16]) % 2 == 1 else FEMALE,
        check_digit_ok=check_digit(cleaned[:17]) == cleaned[17],
        upgraded_from_legacy=upgraded,
    )


def validity_years(age_at_issue: int) -> int | None:
    """Validity of a resident ID card by the holder's age when it was applied for (居民身份证法 art. 5):
    under 16: 5 years; 16-25: 10; 26-45: 20; 46 and over: long-term (长期, None)."""
    if age_at_issue < 16:
        return 5
    if age_at_issue <= 25:
        return 10
    if age_at_issue <= 45:
        return 20
    return None


def area_of(area_code: str) -> Area | None:
    """The province and prefecture of an area code, or None if GB/T 2260 never had them.

    Checked at the province (2 digits) and prefecture (4 digits) level, over every revision from 1980:
    a code abolished since is still valid on a number issued when it existed. Provinces without
    prefectures in the table (Taiwan 71, Hong Kong 81, Macao 82) accept ``XX00``.
    """
    if len(area_code) < 4 or not area_code[:4].isdigit():
        return None
    table = _division_table()
    province = table["provinces"].get(area_code[:2])
    if province is None:
        return None
    prefecture = table["prefectures"].get(area_code[:4])
    if prefecture is not None:
        return Area(code=area_code, province=province, prefecture=prefecture)
    has_prefectures = any(code.startswith(area_code[:2]) for code in table["prefectures"])
    if not has_prefectures and area_code[2:4] == "00":
        return Area(code=area_code, province=province, prefecture=None)
    return None


def prefecture_codes() -> dict[str, str]:
    """Every prefecture-level code (4 digits) in the shipped GB/T 2260 table, with its name."""
    return dict(_division_table()["prefectures"])


def province_names() -> dict[str, str]:
    """Every province-level code (2 digits) in the shipped GB/T 2260 table, with its name."""
    return dict(_division_table()["provinces"])


@cache
def _division_table() -> dict:
    text = resources.files("loanpipe.domain").joinpath("data/gb2260.json").read_text(encoding="utf-8")
    return json.loads(text)


def _clean(text: str) -> str:
    return "".join(text.split()).upper()
