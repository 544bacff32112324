"""Masks for ID and account numbers in texts people and logs see."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from loanpipe.domain.masking import mask_account, mask_id_number, mask_name


def test_an_id_number_keeps_its_prefecture_and_last_four():
    assert mask_id_number("110105198803120017") == "1101**********0017"
    assert mask_id_number("11010519491231002x") == "1101**********002X"


def test_an_account_number_keeps_the_bank_part_and_last_four():
    assert mask_account("6222021234567890123") == "6222***********0123"
    assert mask_account("6222 0212 3456 7890 123") == "6222***********0123"


def test_short_or_empty_values_are_masked_whole():
    assert mask_id_number("12345678") == "********"
    assert mask_account(None) == ""
    assert mask_name("张伟") == "张*"


@given(st.text(alphabet="0123456789", min_size=9, max_size=30))
def test_a_mask_never_shows_the_middle_digits(number):
    masked = mask_account(number)
    assert len(masked) == len(number)
    assert masked[4:-4] == "*" * (len(number) - 8)
    assert masked[:4] == number[:4] and masked[-4:] == number[-4:]
