"""The ID card parsers on runs of text as an engine returns them: labels misread at the card's edge, a
label the engine missed, the birth date and validity period checked against what they must agree with."""

from __future__ import annotations

from loanpipe.extraction.confidence import REVIEW_THRESHOLD, field_confidence
from loanpipe.extraction.layout import TextBox
from loanpipe.extraction.parsers.id_card import read_id_card_back, read_id_card_front
from loanpipe.extraction.parsers.reads import Check


def _rows(*lines: str, confidence: float = 0.99) -> list[TextBox]:
    return [TextBox(text, 40.0, 40.0 + 60 * index, 40.0 + 30 * len(text), 80.0 + 60 * index, confidence)
            for index, text in enumerate(lines)]


def test_an_issuing_authority_label_with_its_first_character_misread_is_still_found():
    # Given an emblem side whose 签发机关 was read as 盖发机关
    reads = read_id_card_back(_rows("中华人民共和国", "居民身份证", "盖发机关 苏州市公安局姑苏分局",
                                    "有效期限 2015.05.21-2025.05.21"))
    # Then the authority is read, and the ten-year period confirms both dates
    assert reads["issuing_authority"].value == "苏州市公安局姑苏分局"
    assert (reads["valid_from"].value, reads["valid_until"].value) == ("2015-05-21", "2025-05-21")
    assert reads["valid_until"].check is Check.CONFIRMED


def test_a_validity_period_of_an_impossible_length_is_not_trusted():
    # Given a period of 7 years (cards are valid 5, 10 or 20 years, or 长期)
    reads = read_id_card_back(_rows("签发机关 苏州市公安局姑苏分局", "有效期限 2015.05.21-2022.05.21"))
    # Then both dates are doubted
    assert reads["valid_until"].check is Check.FAILED
    assert field_confidence(reads["valid_until"]) < REVIEW_THRESHOLD


FRONT = ("姓名 戚鹏梓", "性别 男 汉", "出生 1985年8月20日", "住址 河北省唐山市路北区光明路359号",
         "公民身份号码 130203198508207156")


def test_an_ethnicity_whose_label_was_missed_is_read_after_the_sex_but_not_trusted():
    # Given a card front whose small 民族 label the engine did not read (性别 男 汉)
    reads = read_id_card_front(_rows(*FRONT))
    # Then the ethnicity is read from the sex's row, below the review threshold (found without its label)
    assert reads["ethnicity"].value == "汉"
    assert field_confidence(reads["ethnicity"]) < REVIEW_THRESHOLD
    # And the printed birth date equals the ID number's digits 7-14: both confirmed
    assert reads["birth_date"].value == "1985-08-20"
    assert reads["birth_date"].check is Check.CONFIRMED


def test_a_birth_date_that_disagrees_with_the_id_number_is_not_trusted():
    lines = list(FRONT)
    lines[2] = "出生 1985年3月20日"
    reads = read_id_card_front(_rows(*lines))
    assert reads["birth_date"].check is Check.FAILED
    assert field_confidence(reads["birth_date"]) < REVIEW_THRESHOLD


def test_a_validity_period_whose_label_was_not_read_is_found_below_the_authority_and_judged_by_its_length():
    # Given an emblem side whose pale 有效期限 was lost in the reading (the period itself read, a dot lost)
    reads = read_id_card_back(_rows("中华人民共和国", "居民身份证", "签发机关 乌鲁木齐市公安局沙依巴克分局",
                                    "2025.0218-2045.02.18"))
    # Then the period is read, confirmed by its twenty years
    assert (reads["valid_from"].value, reads["valid_until"].value) == ("2025-02-18", "2045-02-18")
    assert reads["valid_until"].check is Check.CONFIRMED
    # and a date that is not a period (one date, no 长期) is not taken for it
    reads = read_id_card_back(_rows("签发机关 乌鲁木齐市公安局沙依巴克分局", "2025.02.18"))
    assert reads["valid_from"].value is None
