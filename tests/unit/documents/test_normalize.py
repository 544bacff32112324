"""Normal forms of what officers photograph: dates, amounts (figures and capital numerals), ID numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loanpipe.extraction.normalize import (
    find_dates,
    find_id_number,
    halfwidth,
    id_checksum_ok,
    parse_amount,
    parse_capital_amount,
    parse_date,
)


@pytest.mark.parametrize("printed", ["2026年11月05日", "2026 年 11 月 5 日", "2026.11.05", "2026-11-05", "2026/11/05",
                                     "20261105", "２０２６年１１月０５日"])
def test_every_printed_date_form_reads_as_the_same_day(printed):
    # Given a date as certificates, cards and statements print it
    # When it is parsed
    # Then it is the same calendar day
    assert parse_date(printed) == date(2026, 11, 5)


def test_an_impossible_date_is_not_read():
    # Given a date OCR misread into an impossible one
    # Then no date is returned rather than a guess
    assert parse_date("2026年02月30日") is None


def test_a_validity_period_yields_both_dates_in_order():
    # Given the back of an ID card's validity period
    assert find_dates("有效期限 2016.03.12-2036.03.12") == [date(2016, 3, 12), date(2036, 3, 12)]


@pytest.mark.parametrize(("printed", "amount"), [
    ("12,500.00", "12500.00"), ("¥8200", "8200.00"), ("-35.50", "-35.50"), ("+8,200.00元", "8200.00"),
    ("１２，５００．００", "12500.00"), ("6.600.00", "6600.00"),
])
def test_figure_amounts_read_as_decimal(printed, amount):
    # Given an amount in figures (full-width, with a misread thousands separator...)
    # Then it reads as an exact Decimal, never a float
    value = parse_amount(printed)
    assert isinstance(value, Decimal)
    assert value == Decimal(amount)


@pytest.mark.parametrize(("capital", "amount"), [
    ("壹万贰仟伍佰元整", "12500.00"), ("肆仟元整", "4000.00"), ("壹拾万零伍元叁角", "100005.30"),
    ("捌仟零伍拾元伍角", "8050.50"), ("人民币叁万元整", "30000.00"), ("伍佰元零伍分", "500.05"),
])
def test_capital_numerals_read_as_the_amount(capital, amount):
    # Given the monthly income written in capital numerals on a certificate
    # Then it reads as the same amount as in figures
    assert parse_capital_amount(capital) == Decimal(amount)


def test_capital_numerals_without_yuan_are_not_an_amount():
    assert parse_capital_amount("壹万贰仟") is None


def test_id_number_check_digit_is_verified():
    # Given a valid ID number and the same with one digit changed
    assert id_checksum_ok("110105198803120014")
    assert not id_checksum_ok("110105198803120017")


def test_id_number_ocr_confusions_are_corrected_when_the_check_digit_confirms():
    # Given an ID number line where OCR read a zero as the letter O and a one as l
    # When it is read
    # Then the corrected number (whose check digit holds) is returned
    assert find_id_number("公民身份号码 11O1O5l98803120014") == "110105198803120014"


def test_full_width_text_becomes_half_width():
    assert halfwidth("ＡＢＣ１２３：") == "ABC123:"
