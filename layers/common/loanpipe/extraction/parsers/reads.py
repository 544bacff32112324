"""What a field parser returns (``FieldRead``, ``Check``) and the small readers every parser shares.

Each parser returns ``FieldRead``s: the value, the OCR confidence of the text it came from and the
outcome of the validators that apply (ID check digit, date validity, birth date / sex against the ID
number, figures against capital numerals, validity period length). ``confidence.py`` turns these into
the contract's per-field confidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from loanpipe.extraction.labels import compact, find_label, lines_text, right_of
from loanpipe.extraction.layout import TextBox
from loanpipe.extraction.normalize import halfwidth, id_checksum_ok


class Check(Enum):
    CONFIRMED = "confirmed"  # equals a second, independent reading (balance chain, capital numerals)
    PASSED = "passed"  # a validator accepts the value (a check digit, a plausible period)
    NONE = "none"  # no validator applies
    FAILED = "failed"  # a validator contradicts the value


# The certainty of a value a parser found by a weak fallback (a line guessed to be the letterhead, a date
# without its label, a candidate only one place names): below the policy's review threshold (0.80).
WEAK = 0.7
# A value whose label the card's layout put back (the label lost or misread, ``card_layout``): the engine's
# confidence in the run, at most this (0.85 once calibrated: above the review threshold, below the band where
# a value is trusted without a validator).
LAYOUT_CAP = 0.97


@dataclass
class FieldRead:
    """A field as a parser read it. ``certainty`` is the parser's own: 1.0 for a value found by its label
    or a sentence pattern, lower for a weak fallback (``WEAK``) or a value worked out or guessed (a balance
    derived from the rows, a bank known only by its abbreviation); the field's confidence never exceeds it."""

    value: str | None
    ocr: float = 0.0
    check: Check = Check.NONE
    notes: list[str] = field(default_factory=list)
    certainty: float = 1.0

    @classmethod
    def missing(cls) -> FieldRead:
        return cls(None, 0.0)


_NAME_CHARS = re.compile(r"[\u3400-\u9fff·•]+")


def person_name(text: str | None) -> str | None:
    if not text:
        return None
    parts = _NAME_CHARS.findall(halfwidth(text))
    name = "".join(parts).replace("•", "·").strip("·")
    return name if 2 <= len(name) <= 20 else None


def cjk_text(text: str | None, keep: str = "()（）·-0-9A-Za-z") -> str | None:
    if not text:
        return None
    cleaned = re.sub(rf"[^\u3400-\u9fff{keep}]", "", halfwidth(text))
    return cleaned or None


def row_after(boxes: Sequence[TextBox], labels: Sequence[str], avoid: Sequence[str] = (),
              *, at_start: bool = False) -> tuple[str, float, TextBox, list[TextBox]] | None:
    """The rest of the label's run plus every run to its right on the same row, as one string."""
    hit = find_label(boxes, labels, avoid, at_start=at_start)
    if hit is None:
        return None
    right = right_of(boxes, hit.box)
    text = hit.rest + "".join(compact(b.text) for b in right)
    confidence = min([hit.box.confidence] + [b.confidence for b in right])
    return text, confidence, hit.box, right


def page_lines(boxes: Sequence[TextBox]) -> tuple[list[tuple[str, float]], str]:
    lines = lines_text(boxes)
    return lines, "\n".join(text for text, _ in lines)


def line_confidence(lines: list[tuple[str, float]], fragment: str) -> float:
    for text, confidence in lines:
        if fragment and fragment in text:
            return confidence
    return min((c for _, c in lines), default=0.0)


def first_match(patterns: Sequence[str], text: str) -> str | None:
    for pattern in patterns:
        match = re.search(pattern, text)
        if match:
            return match.group(1)
    return None


def id_number_read(id_number: str | None, confidence: float) -> FieldRead:
    """An ID number as read, its check character validated (a mismatch fails the read, with a note)."""
    if not id_number:
        return FieldRead.missing()
    ok = id_checksum_ok(id_number)
    return FieldRead(id_number, confidence, Check.PASSED if ok else Check.FAILED,
                     [] if ok else ["id_number check digit does not match"])
