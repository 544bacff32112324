"""Normal forms of what officers photograph: dates, amounts (figures and capital numerals), ID numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loanpipe.extraction.normalize import (
    find_dates,
    find_id_number,
    find_year_month,
    halfwidth,
    id_checksum_ok,
    parse_amount,
    parse_capital_amount,
    parse_date,
    parse_yuan,
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
    # reading noise seen on dev-set scans: a point read as a colon, a stray mark after the figure
    ("126:91", "126.91"), ("-1,234:56", "-1234.56"), ("96490.98.代扣", "96490.98"), ("4.364.79.", "4364.79"),
])
def test_figure_amounts_read_as_decimal(printed, amount):
    # Given an amount in figures (full-width, with a misread thousands separator...)
    # Then it reads as an exact Decimal, never a float
    value = parse_amount(printed)
    assert isinstance(value, Decimal)
    assert value == Decimal(amount)


def test_a_time_is_not_taken_for_a_figure_with_a_misread_point():
    # hours have one or two digits: 19:26 is no 19.26
    assert parse_amount("19:26") == Decimal("19.00")


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


@pytest.mark.parametrize(("printed", "day"), [
    ("二〇二五年五月二十二日", date(2025, 5, 22)), ("二O二五年四月一日", date(2025, 4, 1)),
    ("二0二五年一月二十九日", date(2025, 1, 29)), ("二〇二五年十二月三十一日", date(2025, 12, 31)),
    ("二〇二五年元月八日", date(2025, 1, 8)), ("2025年5月22日", date(2025, 5, 22)), ("2025.05.22", date(2025, 5, 22)),
    ("2025/5/22", date(2025, 5, 22)), ("2025年5月22号", date(2025, 5, 22)),
])
def test_a_date_in_chinese_numerals_or_figures_reads_as_the_same_day(printed, day):
    # Given the issue date as certificates print it under the seal (often in Chinese numerals)
    # Then it reads as the calendar day
    assert parse_date(printed) == day


def test_a_month_without_its_day_is_a_year_and_month():
    # Given an employment start printed as a month only
    assert find_year_month("于2019年3月入职") == (2019, 3)
    assert find_year_month("自2019.03起") == (2019, 3)
    assert find_year_month("于2019年3月5日入职") == (2019, 3)
    assert find_year_month("入职时间不详") is None


@pytest.mark.parametrize(("printed", "amount"), [
    ("1.25万元", "12500.00"), ("12,500.00元", "12500.00"), ("人民币9700元", "9700.00"), ("¥8,200", "8200.00"),
    ("3万", "30000.00"),
])
def test_an_amount_as_letters_write_it_reads_in_yuan(printed, amount):
    assert parse_yuan(printed) == Decimal(amount)


@pytest.mark.parametrize(("capital", "amount"), [
    ("壹亿贰仟万元整", "120000000.00"), ("壹拾贰万零伍佰元", "120500.00"), ("捌仟玖佰叁拾叁元叁角叁分", "8933.33"),
    ("壹万参仟元整", "13000.00"), ("一万二千五百元", "12500.00"),
])
def test_capital_numerals_with_sections_and_variant_characters(capital, amount):
    assert parse_capital_amount(capital) == Decimal(amount)


def test_capital_numerals_that_lost_their_first_digit_are_not_an_amount():
    # Given 贰仟叁佰元 whose first digit OCR misread as a character that is no numeral
    # Then no amount is read rather than 1300 or 2300
    assert parse_capital_amount("式仟参佰叁拾叁元") is None
