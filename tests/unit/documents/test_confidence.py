"""The confidence scale: a value that is probably wrong must score below the policy's review threshold."""

from __future__ import annotations

from loanpipe.extraction.confidence import REVIEW_THRESHOLD, combine, field_confidence
from loanpipe.extraction.layout import TextBox
from loanpipe.extraction.parsers.id_card import read_id_card_front
from loanpipe.extraction.parsers.reads import Check, FieldRead


def test_a_value_its_validator_contradicts_is_sent_to_review():
    # Given an ID number read crisply whose check digit is wrong
    read = FieldRead("110105198803120017", 0.999, Check.FAILED)
    # Then its confidence is below the review threshold
    assert field_confidence(read) < REVIEW_THRESHOLD


def test_a_confirmed_value_is_trusted():
    read = FieldRead("12500.00", 0.9, Check.CONFIRMED)
    assert field_confidence(read) >= 0.97


def test_a_weak_ocr_reading_is_not_trusted():
    assert field_confidence(FieldRead("张伟", 0.85)) < REVIEW_THRESHOLD


def test_a_missing_value_has_zero_confidence():
    assert field_confidence(FieldRead.missing()) == 0.0


def test_two_engines_disagreeing_caps_the_confidence_below_review():
    # Given the two engines read different names
    keep, cap = combine(FieldRead("张伟", 0.99), FieldRead("张纬", 0.95))
    # Then the more confident reading is kept but capped below the review threshold
    assert keep.value == "张伟"
    assert cap < REVIEW_THRESHOLD


def test_birth_date_that_contradicts_the_id_number_is_flagged():
    # Given an ID card whose printed birth date differs from the one inside the ID number
    boxes = [TextBox("姓名张伟", 50, 50, 200, 80, 0.99), TextBox("性别男", 50, 110, 160, 140, 0.99),
             TextBox("出生1988年3月13日", 50, 170, 400, 200, 0.99),
             TextBox("公民身份号码110105198803120014", 50, 440, 600, 470, 0.99)]
    reads = read_id_card_front(boxes)
    # Then the birth date fails its check and would go to review
    assert reads["birth_date"].check is Check.FAILED
    assert field_confidence(reads["birth_date"]) < REVIEW_THRESHOLD
    assert reads["sex"].check is Check.PASSED
