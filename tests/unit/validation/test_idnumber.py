"""ID numbers: GB 11643 check character, parsing, legacy numbers and the GB/T 2260 area table."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loanpipe.domain.idnumber import (
    IdNumberError,
    area_of,
    check_digit,
    has_valid_check_digit,
    normalize_id_number,
    parse_id_number,
    prefecture_codes,
    upgrade_legacy,
)


def iso7064_mod11_2(digits: str) -> str:
    """Independent formulation used only here: the recursive ISO 7064 MOD 11-2 (no weight table)."""
    remainder = 0
    for digit in digits:
        remainder = ((remainder + int(digit)) * 2) % 11
    check = (12 - remainder) % 11
    return "X" if check == 10 else str(check)


seventeen_digits = st.text(alphabet="0123456789", min_size=17, max_size=17)


@given(seventeen_digits)
def test_check_digit_agrees_with_the_recursive_iso7064_formulation(first17):
    # Given any 17 digits / When the check character is computed / Then both formulations agree
    assert check_digit(first17) == iso7064_mod11_2(first17)


@given(seventeen_digits, st.sampled_from("0123456789X"))
def test_a_number_is_valid_exactly_when_its_last_character_is_the_check_character(first17, last):
    assert has_valid_check_digit(first17 + last) == (iso7064_mod11_2(first17) == last)


def test_the_published_example_number_is_valid():
    # GB 11643-1999's appendix example
    assert has_valid_check_digit("11010519491231002X")
    assert not has_valid_check_digit("110105194912310021")


def test_parse_reads_area_birth_date_and_sex():
    # Given the published example (born 1949-12-31, sequence 002: even, a woman)
    number = parse_id_number(" 11010519491231002x ")
    # Then
    assert number.number == "11010519491231002X"
    assert number.area_code == "110105"
    assert number.birth_date == date(1949, 12, 31)
    assert number.sex == "女"
    assert number.check_digit_ok


def test_a_wrong_check_character_is_reported_not_raised():
    number = parse_id_number("110105194912310021")
    assert not number.check_digit_ok
    assert number.birth_date == date(1949, 12, 31)


@pytest.mark.parametrize("text", ["11010519491231002", "1101051949123100XX", "11010519491331002X", "abc"])
def test_something_that_is_not_an_id_number_is_refused(text):
    with pytest.raises(IdNumberError):
        parse_id_number(text)


def test_a_15_digit_legacy_number_is_refused_on_a_card_and_upgraded_for_comparison():
    legacy = "110105491231002"
    # When the card carries it / Then it is refused, saying why
    with pytest.raises(IdNumberError) as refused:
        parse_id_number(legacy)
    assert refused.value.kind == "legacy"
    assert "2013-01-01" in str(refused.value)
    # When a certificate cites it / Then it compares as the 18-character number of the same person
    assert upgrade_legacy(legacy) == "11010519491231002X"
    assert normalize_id_number(legacy) == "11010519491231002X"
    upgraded = parse_id_number(legacy, allow_legacy=True)
    assert upgraded.upgraded_from_legacy and upgraded.check_digit_ok


def test_area_codes_are_checked_at_province_and_prefecture_level():
    beijing = area_of("110105")
    assert beijing is not None and beijing.province == "北京市"
    hangzhou = area_of("330106")
    assert hangzhou is not None and (hangzhou.province, hangzhou.prefecture) == ("浙江省", "杭州市")
    assert area_of("990101") is None  # no province 99
    assert area_of("118901") is None  # Beijing never had prefecture 1189


def test_abolished_prefectures_stay_valid_for_old_numbers():
    # 巢湖市 (3414) was abolished in 2011; people born there keep numbers starting 3414
    assert area_of("341402") is not None
    assert area_of("341402").prefecture == "巢湖市"


def test_the_shipped_table_has_every_province_level_division_and_hundreds_of_prefectures():
    prefectures = prefecture_codes()
    provinces = {code[:2] for code in prefectures}
    assert {"11", "31", "44", "65", "54"} <= provinces
    assert len(prefectures) > 400
