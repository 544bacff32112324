"""Per-field confidence: the OCR engine's confidence combined with the validators.

Scale (0..1), calibrated on benchmarks/extract.py so that the credit policy's review threshold
(``REVIEW_THRESHOLD``, 0.80 by default, owned by the policy) separates trusted from doubtful values:
- 0.97-1.00  read from a PDF text layer, or confirmed by an independent validator (ID check digit,
             birth date and sex against the ID number, figures against capital numerals, validity
             period length, balance arithmetic) or by a second OCR engine that read the same;
- 0.80-0.97  read cleanly by one engine, nothing confirms or contradicts it;
- below 0.80 doubtful: weak OCR, a validator failed (at most 0.50), the two engines disagree
             (at most 0.60), or found without its label;
- 0.0        not found.
"""

from __future__ import annotations

from loanpipe.extraction.parsers.reads import Check, FieldRead

REVIEW_THRESHOLD = 0.80  # the policy's default; the policy may change it, this module's scale does not
FAILED_CAP = 0.50
DISAGREE_CAP = 0.60
AGREE_FLOOR = 0.95


def calibrate(ocr: float) -> float:
    """Engine confidence to the extraction scale: engines report 0.9+ for text they misread now and
    then, so only near-certain line scores stay above the review threshold."""
    if ocr >= 0.999:
        return 0.97
    if ocr >= 0.97:
        return 0.85 + (ocr - 0.97) * 4.0  # 0.97 -> 0.85, 0.99 -> 0.93
    if ocr >= 0.9:
        return 0.60 + (ocr - 0.9) * (0.2 / 0.07)  # 0.90 -> 0.60, just below 0.97 -> ~0.80
    return max(0.0, ocr * 0.66)


def counterparty_confidence(ocr: float) -> float:
    """A statement row's counterparty (对方户名) has no validator (no vocabulary, no arithmetic): the
    engine's confidence in the cell, calibrated; a row is no surer than its counterparty."""
    return calibrate(ocr)


def field_confidence(read: FieldRead, *, text_layer: bool = False) -> float:
    """The field's confidence from its reading and its check, never above the read's own ``cap``."""
    return round(min(read.cap, _checked_confidence(read, text_layer=text_layer)), 3)


def _checked_confidence(read: FieldRead, *, text_layer: bool) -> float:
    if read.value is None:
        return 0.0
    if text_layer:
        base = 0.97
    else:
        base = calibrate(read.ocr)
    if read.check is Check.FAILED:
        return round(min(base, FAILED_CAP), 3)
    if read.check is Check.CONFIRMED:
        return 0.98 if text_layer else 0.97
    if read.check is Check.PASSED:
        # A validator confirms the reading only if the engine was not guessing.
        if text_layer or read.ocr >= 0.8:
            return round(max(base, 0.98 if text_layer else 0.97), 3)
        return round(base, 3)
    return round(base, 3)


def combine(first: FieldRead, second: FieldRead) -> tuple[FieldRead, float | None]:
    """Consensus of two engines on one field: agreement raises the confidence floor, disagreement caps
    it. Returns the read to keep and the floor/cap to apply (None: nothing to apply)."""
    if first.value is None:
        return second, (DISAGREE_CAP if second.value is not None else None)
    if second.value is None:
        return first, None
    if first.value == second.value:
        return first, AGREE_FLOOR
    # Prefer the read a validator confirms; otherwise the more confident engine's.
    validated = (Check.PASSED, Check.CONFIRMED)
    if second.check in validated and first.check not in validated:
        return second, DISAGREE_CAP
    if first.check in validated and second.check not in validated:
        return first, DISAGREE_CAP
    return (first if first.ocr >= second.ocr else second), DISAGREE_CAP
