"""A certificate's form fields: a label cell and its value cell to the right (姓名 | 王伟 | 性别 | 男), a
"label：value" line, or a grid whose header row of labels stands above a row of values.

Cells are the runs the OCR engine or the text layer gives; a run that holds several fields at once
("姓名王喆璟性别男") is split at the labels that can start a field inside it (``INNER_LABELS``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from loanpipe.extraction.labels import compact
from loanpipe.extraction.layout import TextBox, rows
from loanpipe.extraction.normalize import arabic_dates, halfwidth
from loanpipe.extraction.parsers.certificate_terms import FORM_LABELS, INNER_LABELS

_SEPARATORS = " :：;；,，.。、|丨_"
_LEAD = re.compile(r"^[\s:：;；,，.。、|丨_*·•\-]*")
# Every label with its field, longest first, so 身份证号码 wins over 身份证 and 月收入 over 月.
_LABELS = sorted(((label, key) for key, labels in FORM_LABELS.items() for label in labels),
                 key=lambda item: -len(item[0]))
_LABEL_KEYS = dict(_LABELS)
# A qualifier printed right after a label: 月收入（税前）, 月收入(大写), 单位名称（盖章）.
_QUALIFIER = re.compile(r"^[(（]([^()（）]{1,6})[)）]")


@dataclass(frozen=True)
class Letter:
    """The page as one running text (the lines joined, half-width, no spaces: a sentence wrapped across
    lines reads whole) with the lines it came from, so a match anywhere has its lines' confidence."""

    flat: str
    lines: tuple[tuple[str, float], ...]  # each line's half-width text and its weakest run's confidence
    starts: tuple[int, ...]  # where each line starts in ``flat``

    @classmethod
    def of(cls, lines: Sequence[tuple[str, float]]) -> Letter:
        texts = [(arabic_dates(re.sub(r"\s+", "", halfwidth(text))), confidence) for text, confidence in lines]
        starts, at = [], 0
        for text, _ in texts:
            starts.append(at)
            at += len(text)
        return cls("".join(text for text, _ in texts), tuple(texts), tuple(starts))

    def confidence(self, start: int, end: int) -> float:
        """The weakest confidence of the lines the span ``flat[start:end]`` lies on."""
        spans = [(s, s + len(text), c) for s, (text, c) in zip(self.starts, self.lines, strict=True)]
        touched = [c for s, e, c in spans if s < max(end, start + 1) and e > start]
        return min(touched, default=0.0)

    def line_at(self, position: int) -> int:
        return max((index for index, start in enumerate(self.starts) if start <= position), default=0)


@dataclass(frozen=True)
class FormValue:
    """A value printed under a label: the field it names, the label as printed (with its qualifier, such
    as 月收入(税前)), the value text (half-width, no spaces), its confidence and the page row it is on."""

    key: str
    label: str
    value: str
    confidence: float
    row: int


@dataclass
class _Segment:
    label: str | None  # the label opening the segment (None: text without a label)
    text: str
    confidence: float
    box: TextBox


def opening_label(text: str) -> tuple[str, str] | None:
    """The label that opens ``text`` (with its qualifier) and the text after it."""
    body = _LEAD.sub("", text)
    for label, _ in _LABELS:
        if body.startswith(label):
            rest = body[len(label):]
            qualifier = _QUALIFIER.match(rest)
            if qualifier:
                label, rest = label + "(" + qualifier.group(1) + ")", rest[qualifier.end():]
            return label, rest.lstrip(_SEPARATORS)
    return None


def _split_inner(text: str) -> list[tuple[str | None, str]]:
    """``text`` cut before every inner label: [(label or None, text after it)]."""
    opening = opening_label(text)
    label, rest = opening if opening else (None, text)
    cut = min((index for inner in INNER_LABELS if (index := rest.find(inner)) > 0), default=-1)
    if cut < 0:
        return [(label, rest)]
    return [(label, rest[:cut].rstrip(_SEPARATORS)), *_split_inner(rest[cut:])]


def _segments(row: Sequence[TextBox]) -> list[_Segment]:
    cells = [(halfwidth(compact(box.text)), box) for box in row]
    labelled_row = any(opening_label(text) for text, _ in cells)
    segments: list[_Segment] = []
    for text, box in cells:
        confidence = box.confidence if box.word_confidence is None else box.word_confidence
        parts = _split_inner(text) if labelled_row else [(None, text)]
        segments.extend(_Segment(label, part, confidence, box) for label, part in parts)
    return segments


def _key(label: str) -> str:
    return _LABEL_KEYS[label.split("(")[0]]


def _cell_below(page_rows: list[list[TextBox]], index: int, label_box: TextBox) -> TextBox | None:
    """In a grid whose labels stand above their values, the cell under ``label_box`` on the next row: the
    column runs from the label to the next label of its row (values may be centred or left-aligned)."""
    if index + 1 >= len(page_rows):
        return None
    below = page_rows[index + 1]
    if any(opening_label(halfwidth(compact(box.text))) for box in below):
        return None  # the next row holds labels too: a label | value table with a value missing
    right = min((box.x0 for box in page_rows[index] if box.x0 > label_box.x1), default=float("inf"))
    left = label_box.x0 - label_box.height
    return next((box for box in below if left <= box.cx < right and box.x0 < right), None)


def form_values(boxes: Sequence[TextBox]) -> list[FormValue]:
    """Every labelled value on the page, top to bottom, left to right."""
    page_rows = rows(boxes)
    found: list[FormValue] = []
    for index, row in enumerate(page_rows):
        segments = _segments(row)
        for position, segment in enumerate(segments):
            if segment.label is None:
                continue
            value, confidence = segment.text, segment.confidence
            if not value:
                following = segments[position + 1] if position + 1 < len(segments) else None
                if following is not None and following.label is None:
                    value, confidence = following.text.strip(_SEPARATORS), following.confidence
                elif (below := _cell_below(page_rows, index, segment.box)) is not None:
                    value, confidence = halfwidth(compact(below.text)).strip(_SEPARATORS), below.confidence
            if value:
                found.append(FormValue(_key(segment.label), segment.label, value, confidence, index))
    return found


def values_for(found: Sequence[FormValue], key: str) -> list[FormValue]:
    return [value for value in found if value.key == key]
