"""Label-anchored reading: find a printed label (姓名, 签发机关, 月收入...) among the text runs of a page
and take the value written after it, on the same run, to its right, or on the lines below."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from loanpipe.extraction.layout import TextBox, rows, same_row

_SEPARATORS = " :：;；,，.。、|丨_"


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class Hit:
    """A label found on the page: the run holding it and the text after the label in that run."""

    box: TextBox
    rest: str
    label: str


def _fuzzy_find(text: str, label: str) -> tuple[int, int] | None:
    """Position of ``label`` in ``text``; labels of 3+ characters may have one character misread (not the
    first: only the windows that start with the label's first character are compared)."""
    index = text.find(label)
    if index >= 0:
        return index, index + len(label)
    if len(label) >= 3:
        first, rest = label[0], label[1:]
        last = len(text) - len(label)
        start = text.find(first)
        while 0 <= start <= last:
            if sum(1 for a, b in zip(text[start + 1:start + len(label)], rest, strict=True) if a != b) == 1:
                return start, start + len(label)
            start = text.find(first, start + 1)
    return None


def find_label(boxes: Sequence[TextBox], labels: Sequence[str], avoid: Sequence[str] = (),
               *, at_start: bool = False) -> Hit | None:
    """The first run (top to bottom) that contains one of ``labels`` (tried in order). Exact matches
    are looked for on the whole page before a label with one misread character is accepted; a run
    holding one of ``avoid`` (a sibling label such as 期初余额 for 期末余额) never matches fuzzily.
    ``at_start``: the label must open the run (a table cell), not sit inside a sentence."""
    ordered = [(box, compact(box.text)) for box in sorted(boxes, key=lambda b: (b.y0, b.x0))]
    for fuzzy in (False, True):
        candidates = ordered if not fuzzy else [(box, text) for box, text in ordered
                                                 if not any(other in text for other in avoid)]
        for label in labels:
            if fuzzy and len(label) < 3:
                continue
            for box, text in candidates:
                if fuzzy:
                    found = _fuzzy_find(text, label)
                else:
                    index = text.find(label)
                    found = (index, index + len(label)) if index >= 0 else None
                if found and at_start and found[0] > 1:
                    continue
                if found:
                    return Hit(box=box, rest=text[found[1]:].lstrip(_SEPARATORS), label=label)
    return None


def right_of(boxes: Sequence[TextBox], anchor: TextBox, max_gap: float | None = None) -> list[TextBox]:
    """Runs on the same visual row as ``anchor`` (see ``layout.rows``) and to its right, left to right."""
    result = []
    for box in same_row(boxes, anchor):
        # Detector boxes are padded and may overlap the label's box a little.
        if box is anchor or box.cx <= anchor.x1 or box.x0 < anchor.x0 + 0.5 * anchor.width:
            continue
        if max_gap is not None and box.x0 - anchor.x1 > max_gap:
            continue
        result.append(box)
    return sorted(result, key=lambda b: b.x0)


def value_after(boxes: Sequence[TextBox], labels: Sequence[str],
                max_gap_heights: float = 12.0) -> tuple[str, float, TextBox] | None:
    """The text after a label: the rest of its run, else the nearest run to its right.
    Returns (value text, confidence of the runs read, the last run used)."""
    hit = find_label(boxes, labels)
    if hit is None:
        return None
    if hit.rest:
        return hit.rest, hit.box.confidence, hit.box
    neighbours = right_of(boxes, hit.box, max_gap=max_gap_heights * hit.box.height)
    if not neighbours:
        return None
    first = neighbours[0]
    return compact(first.text).strip(_SEPARATORS), min(hit.box.confidence, first.confidence), first


def lines_text(boxes: Sequence[TextBox]) -> list[tuple[str, float]]:
    """The page as lines of text in reading order, each with its weakest run's confidence."""
    result = []
    for row in rows(boxes):
        result.append(("".join(compact(b.text) for b in row), min(b.confidence for b in row)))
    return result
