"""The parser's own certainty: values that look wrong for their field are capped below the review threshold,
whatever the OCR engine's confidence (``extraction.plausible``)."""

from __future__ import annotations

import pytest

from loanpipe.domain.documents import DocType
from loanpipe.extraction.confidence import REVIEW_THRESHOLD
from loanpipe.extraction.plausible import doubts, luhn_ok


def _cap(doc_type: DocType, name: str, value: str, text: str = "") -> float | None:
    found = doubts(doc_type, {name: value}, text)
    return found[name][0] if name in found else None


@pytest.mark.parametrize("value", ["王喆璟性别男", "刘诗性别女", "张伟身份证号码", "李娜同志", "吴兴明男"])
def test_a_name_that_ran_into_the_next_label_is_doubted(value):
    # Given a holder's name that swallowed the label or the sex printed after it
    # When its plausibility is judged
    # Then it cannot be trusted without a reviewer
    assert _cap(DocType.INCOME_CERTIFICATE, "name", value) < REVIEW_THRESHOLD


@pytest.mark.parametrize("value", ["卡彬喆", "口丽"])
def test_a_name_whose_surname_no_one_bears_is_doubted(value):
    # Given a name whose first character is not a surname (卞 misread as 卡)
    assert _cap(DocType.ID_CARD_FRONT, "name", value) < REVIEW_THRESHOLD


@pytest.mark.parametrize("value", ["张伟", "欧阳娜娜", "卞彬喆", "买买提·艾力", "诸葛明"])
def test_ordinary_names_are_not_doubted(value):
    assert _cap(DocType.ID_CARD_FRONT, "name", value) is None
    assert _cap(DocType.BANK_STATEMENT, "account_holder", value) is None


@pytest.mark.parametrize("value", ["我单位客服中心", "本公司", "中国移动通信集团", "销售部"])
def test_an_employer_that_is_a_phrase_or_a_cut_name_is_doubted(value):
    # Given an employer read from the letter's sentence or cut before its legal-form ending
    assert _cap(DocType.INCOME_CERTIFICATE, "employer", value) < REVIEW_THRESHOLD


@pytest.mark.parametrize("value", ["杭州市盛世电子科技有限公司", "中国移动通信集团河北有限公司石家庄分公司",
                                   "北京协和医院", "上海市第一中学", "深圳市南山区人民法院", "于都县人民医院",
                                   "本溪钢铁集团有限公司"])
def test_registered_organisation_names_are_not_doubted(value):
    assert _cap(DocType.INCOME_CERTIFICATE, "employer", value) is None


def test_a_bank_short_name_is_not_the_contracts_normal_form():
    # Given a statement whose bank is given as the letterhead's short name
    # Then it is doubted (the contract wants 上海浦东发展银行); the registered name is not
    assert _cap(DocType.BANK_STATEMENT, "bank_name", "浦发银行") < REVIEW_THRESHOLD
    assert _cap(DocType.BANK_STATEMENT, "bank_name", "上海浦东发展银行") is None
    assert _cap(DocType.BANK_STATEMENT, "bank_name", "某某村镇银行") < REVIEW_THRESHOLD


def test_a_balance_that_is_the_tail_of_a_longer_figure_is_doubted():
    # Given a page that prints the closing balance with a space after its thousands separator
    text = "期初余额:8,200.00\n期末余额:10, 170.31 打印日期:2025-03-01"
    # When the parser kept only the digits after the separator
    # Then the figure cannot be trusted; the whole figure can
    assert _cap(DocType.BANK_STATEMENT, "closing_balance", "170.31", text) < REVIEW_THRESHOLD
    assert _cap(DocType.BANK_STATEMENT, "closing_balance", "10170.31", text) is None
    assert _cap(DocType.BANK_STATEMENT, "opening_balance", "8200.00", text) is None


def test_an_account_number_cut_at_a_digit_group_is_doubted():
    # Given an account number printed in groups of four
    text = "户名:李芸 账号:6228 4847 4640 3751 310 币种:人民币"
    # When the parser kept four groups of five
    assert _cap(DocType.BANK_STATEMENT, "account_number", "6228484746403751", text) < REVIEW_THRESHOLD
    # Then the whole number passes (it is a card number with a valid Luhn digit)
    assert luhn_ok("6228484746403751310")
    assert _cap(DocType.BANK_STATEMENT, "account_number", "6228484746403751310", text) is None


def test_a_card_number_failing_its_luhn_digit_is_doubted():
    assert _cap(DocType.BANK_STATEMENT, "account_number", "6228484746403751311") < REVIEW_THRESHOLD


def test_dates_in_the_wrong_order_are_both_doubted():
    # Given a certificate whose employment would start after the letter was issued
    found = doubts(DocType.INCOME_CERTIFICATE, {"employment_start": "2025-06-01", "issue_date": "2025-02-01"}, "")
    # Then neither date is trusted: one of them is misread
    assert found["employment_start"][0] < REVIEW_THRESHOLD
    assert found["issue_date"][0] < REVIEW_THRESHOLD


def test_the_date_a_letter_is_valid_until_is_not_its_issue_date():
    # Given a certificate that says how long it is valid, and is dated in Chinese numerals below
    text = "以上情况属实。本证明有效期至2025年5月22\n日。\n特此证明!\n二〇二五年二月二十一日"
    # When the parser took the validity end for the issue date
    # Then it is not trusted; a date printed on its own line is
    assert _cap(DocType.INCOME_CERTIFICATE, "issue_date", "2025-05-22", text) < REVIEW_THRESHOLD
    assert _cap(DocType.INCOME_CERTIFICATE, "issue_date", "2025-02-21", "特此证明\n2025年2月21日") is None
