"""The portrait side (人像面) of the resident identity card is printed in one layout, the state's: a column of
small labels on the left (姓名, 性别 with 民族 on the same line, 出生, 住址, 公民身份号码, top to bottom) and
the values right of them. On a photo in glare or blur the small pale labels are what the OCR loses or misreads
first (栏别 for 性别, 往址 for 住址, 族 for 民族, or no 出生 at all) while the values read well.

``settle_front_labels`` puts the labels back where the layout proves them: a run that opens in the label
column with one of a label's two characters, at the place in the column order where that label belongs; a
run that is one of the 56 ethnic groups after a lone 民 or 族; a full date between the name and the address
(出生); a person's name above the sex line with no label left to claim it (姓名). The values keep the
confidence the engine gave them, never above ``LAYOUT_CAP``: the parser reads them by their labels and the
validators (birth date and sex against the ID number, the declared name) judge them as any other reading.
A page that shows no sign of being a portrait side (an emblem side, a page) is left as it was read."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from statistics import median

from loanpipe.extraction.labels import compact
from loanpipe.extraction.layout import TextBox
from loanpipe.extraction.normalize import ETHNICITIES, find_id_number, halfwidth
from loanpipe.extraction.parsers.reads import LAYOUT_CAP, person_name

# The label column, top to bottom (民族 shares the 性别 line, right of the sex).
COLUMN = ("姓名", "性别", "出生", "住址", "公民身份号码")
ETHNICITY_LABEL = "民族"
# The photo fills the card's right part; labels and values stand left of it.
TEXT_SHARE = 0.62
_FULL_DATE = re.compile(r"^(?:19|20)\d{2}年\d{1,2}月\d{1,2}日?$")


def settle_front_labels(boxes: Sequence[TextBox], width: float) -> list[TextBox]:
    """``boxes`` with the portrait side's lost or misread labels put back (see the module)."""
    result = list(boxes)
    found = _exact_labels(result)
    has_number = any(find_id_number(b.text) for b in result)
    if not found or (len(found) < 2 and not has_number):
        return result  # not a portrait side, or too little of one to place anything
    height = median(result[i].height for i in found.values())
    column_x = median(result[i].x0 for i in found.values())
    _misread_labels(result, found, column_x, height)
    _ethnicity_label(result, found, height)
    _birth_without_label(result, found, column_x, width, height)
    _name_without_label(result, found, column_x, width, height)
    return result


def _exact_labels(boxes: Sequence[TextBox]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index in sorted(range(len(boxes)), key=lambda i: boxes[i].y0):
        text = compact(boxes[index].text)
        for label in COLUMN:
            if text.startswith(label) and label not in found:
                found[label] = index
    return found


def _relabel(boxes: list[TextBox], index: int, text: str, found: dict[str, int], label: str) -> None:
    box = boxes[index]
    boxes[index] = replace(box, text=text, confidence=min(box.confidence, LAYOUT_CAP))
    found[label] = index


def _label_before(boxes: list[TextBox], index: int, found: dict[str, int], label: str, column_x: float,
                  height: float) -> None:
    """A label the engine did not read at all, put in the label column left of its value's run (the value
    keeps its place, so the lines' geometry stays what was read)."""
    value = boxes[index]
    right = max(column_x + 0.5 * height, value.x0 - 0.2 * height)
    boxes.append(TextBox(label, min(column_x, right - 0.5 * height), value.y0, right, value.y1,
                         min(value.confidence, LAYOUT_CAP)))
    found[label] = len(boxes) - 1


def _slot_fits(label: str, cy: float, boxes: Sequence[TextBox], found: dict[str, int]) -> bool:
    """``label`` may stand at height ``cy``: below every label found above it in the column order, above
    every label found below it."""
    rank = COLUMN.index(label)
    for other, index in found.items():
        if other not in COLUMN or other == label:
            continue
        other_rank, other_cy = COLUMN.index(other), boxes[index].cy
        if (other_rank < rank and other_cy >= cy) or (other_rank > rank and other_cy <= cy):
            return False
    return True


def _misread_labels(boxes: list[TextBox], found: dict[str, int], column_x: float, height: float) -> None:
    """A run opening in the label column with one of a missing two-character label's characters in place
    (栏别女, 性前女, 往址辽宁省...), at that label's place in the column order."""
    taken = set(found.values())
    for index, box in enumerate(boxes):
        text = compact(box.text)
        if index in taken or len(text) < 3 or abs(box.x0 - column_x) > 1.5 * height:
            continue
        matches = [label for label in COLUMN[:4] if label not in found
                   and (text[0] == label[0]) != (text[1] == label[1])
                   and _slot_fits(label, box.cy, boxes, found)]
        if len(matches) == 1:
            _relabel(boxes, index, matches[0] + text[2:], found, matches[0])
            taken.add(index)


def _ethnicity_label(boxes: list[TextBox], found: dict[str, int], height: float) -> None:
    """民族 with one of its characters lost (族壮, 民汉): the rest of the run is one of the 56 groups."""
    if any(ETHNICITY_LABEL in compact(b.text) for b in boxes):
        return
    name_cy = boxes[found["姓名"]].cy if "姓名" in found else None
    birth_cy = boxes[found["出生"]].cy if "出生" in found else None
    for index, box in enumerate(boxes):
        text = compact(halfwidth(box.text))
        if index in found.values() or len(text) < 2 or text[0] not in ETHNICITY_LABEL:
            continue
        group = text[1:].removesuffix("族")
        if group not in ETHNICITIES:
            continue
        if (name_cy is not None and box.cy <= name_cy + 0.5 * height) or (
                birth_cy is not None and box.cy >= birth_cy - 0.5 * height):
            continue
        boxes[index] = replace(box, text=ETHNICITY_LABEL + group, confidence=min(box.confidence, LAYOUT_CAP))
        found[ETHNICITY_LABEL] = index
        return


def _birth_without_label(boxes: list[TextBox], found: dict[str, int], column_x: float, width: float,
                         height: float) -> None:
    """No 出生 read: the one full date (年月日) left of the photo, below the name, above the address."""
    if "出生" in found:
        return
    upper = boxes[found["住址"]].cy if "住址" in found else None
    lower = boxes[found["姓名"]].cy if "姓名" in found else None
    dates = [index for index, box in enumerate(boxes)
             if index not in found.values() and box.x1 <= TEXT_SHARE * width + height
             and _FULL_DATE.match(compact(halfwidth(box.text)))
             and (upper is None or box.cy < upper - 0.5 * height)
             and (lower is None or box.cy > lower + 0.5 * height)]
    if len(dates) == 1 and _slot_fits("出生", boxes[dates[0]].cy, boxes, found):
        _label_before(boxes, dates[0], found, "出生", column_x, height)


def _name_without_label(boxes: list[TextBox], found: dict[str, int], column_x: float, width: float,
                        height: float) -> None:
    """No 姓名 read: the run just above the sex line (or the birth line), in the value column left of the
    photo, that is a person's name and nothing else."""
    if "姓名" in found:
        return
    below = [boxes[found[label]].cy for label in ("性别", ETHNICITY_LABEL, "出生") if label in found]
    if not below:
        return
    ceiling = min(below) - 0.5 * height
    candidates = []
    for index, box in enumerate(boxes):
        text = compact(box.text)
        if (index in found.values() or box.cy >= ceiling or box.x1 > TEXT_SHARE * width + height
                or box.x0 < column_x - height or box.x0 > column_x + 5 * height):
            continue
        if person_name(text) == text and len(text) <= 6:
            candidates.append(index)
    if candidates:
        nearest = max(candidates, key=lambda i: boxes[i].cy)
        if ceiling - boxes[nearest].cy < 3 * height:
            _label_before(boxes, nearest, found, "姓名", column_x, height)
