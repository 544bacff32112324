"""The ID card's two sides: the portrait side (人像面) and the emblem side (国徽面)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from loanpipe.extraction.labels import compact, find_label, right_of, value_after
from loanpipe.extraction.layout import TextBox, rows
from loanpipe.extraction.normalize import (
    LONG_TERM,
    find_dates,
    find_ethnicity,
    find_id_number,
    find_sex,
    halfwidth,
    id_birth_date,
    id_checksum_ok,
    id_sex,
    parse_date,
)
from loanpipe.extraction.parsers.reads import (
    LAYOUT_CAP,
    Check,
    FieldRead,
    cjk_text,
    id_number_read,
    person_name,
    row_after,
)

# ---------------------------------------------------------------- ID card front (人像面)

_FRONT_LABELS = ("姓名", "性别", "民族", "出生", "住址", "公民身份号码")


def _strip_labels(text: str) -> str:
    for label in _FRONT_LABELS:
        text = text.replace(label, "")
    return text


def read_id_card_front(boxes: Sequence[TextBox]) -> dict[str, FieldRead]:
    reads: dict[str, FieldRead] = {}

    id_run = row_after(boxes, ["公民身份号码", "身份号码", "号码"])
    id_number, id_conf = None, 0.0
    if id_run:
        id_number, id_conf = find_id_number(id_run[0]), id_run[1]
    if id_number is None:
        for box in boxes:
            candidate = find_id_number(box.text)
            if candidate:
                id_number, id_conf = candidate, box.confidence
                break
    reads["id_number"] = id_number_read(id_number, id_conf)
    valid_id = id_number if id_number and id_checksum_ok(id_number) else None

    name_run = value_after(boxes, ["姓名"])
    name = person_name(_strip_labels(name_run[0])) if name_run else None
    reads["name"] = FieldRead(name, name_run[1] if name_run and name else 0.0)

    sex_run = row_after(boxes, ["性别"])
    sex = None
    if sex_run:
        sex = find_sex(sex_run[0].split("民族")[0]) or find_sex(sex_run[0][:2])
    check = Check.NONE
    if sex and valid_id:
        check = Check.PASSED if id_sex(valid_id) == sex else Check.FAILED
    reads["sex"] = FieldRead(sex, sex_run[1] if sex_run and sex else 0.0, check)

    reads["ethnicity"] = _ethnicity(boxes, sex_run[:2] if sex_run else None, sex)

    birth_run = row_after(boxes, ["出生"])
    birth = parse_date(birth_run[0]) if birth_run else None
    check = Check.NONE
    if birth and valid_id:
        check = Check.CONFIRMED if id_birth_date(valid_id) == birth else Check.FAILED
    reads["birth_date"] = FieldRead(birth.isoformat() if birth else None,
                                    birth_run[1] if birth_run and birth else 0.0, check)
    if check is Check.CONFIRMED:
        # The printed birth date equals the eight digits inside the number: both readings are right.
        reads["id_number"].check = Check.CONFIRMED

    reads["address"] = _id_address(boxes)
    return reads


def _ethnicity(boxes: Sequence[TextBox], sex_row: tuple[str, float] | None, sex: str | None) -> FieldRead:
    """民族 after its label; when the small label was not read, the word after the sex on the same row
    (性别 男 民族 汉 is one row of the card), found without its label so never trusted without review."""
    eth_run = row_after(boxes, ["民族"])
    ethnicity = find_ethnicity(eth_run[0]) if eth_run else None
    if ethnicity:
        return FieldRead(ethnicity, eth_run[1])
    if sex_row and sex:
        rest = sex_row[0].split(sex, 1)[-1]
        ethnicity = find_ethnicity(rest) if rest else None
        if ethnicity:  # at most 0.90 from the engine: below the review threshold once calibrated
            return FieldRead(ethnicity, min(sex_row[1], 0.90), notes=["ethnicity read without its label"])
    return FieldRead.missing()


def _id_address(boxes: Sequence[TextBox]) -> FieldRead:
    hit = find_label(boxes, ["住址"])
    if hit is None:
        return FieldRead.missing()
    first = right_of(boxes, hit.box)
    parts = [hit.rest] + [compact(b.text) for b in first]
    used = [hit.box] + first
    label_width = hit.box.width * len(hit.label) / max(1, len(compact(hit.box.text)))
    value_x0 = first[0].x0 if first else hit.box.x0 + label_width
    line_height = max(b.height for b in used)
    stop = find_label(boxes, ["公民身份号码", "身份号码"])
    stop_y = stop.box.y0 if stop else float("inf")
    bottom = max(b.y1 for b in used)
    for row in rows(b for b in boxes if b.y0 > bottom - 0.3 * line_height and b.y1 < stop_y):
        if row[0].y0 - bottom > 1.2 * line_height:
            break
        # A continuation line starts under the value (right of the 住址 label), never in the label column.
        if row[0].x0 < hit.box.x0 + 1.2 * line_height or row[0].x0 > value_x0 + 3 * line_height:
            break
        text = "".join(compact(b.text) for b in row)
        if any(label in text for label in _FRONT_LABELS):
            break
        parts.append(text)
        used.extend(row)
        bottom = max(b.y1 for b in row)
    address = cjk_text("".join(parts), keep="0-9A-Za-z\\-#()（）·")
    if not address or len(address) < 4:
        return FieldRead.missing()
    return FieldRead(address, min(b.confidence for b in used))


# ---------------------------------------------------------------- ID card back (国徽面)

_VALID_YEARS = {5, 10, 20}


def read_id_card_back(boxes: Sequence[TextBox]) -> dict[str, FieldRead]:
    reads: dict[str, FieldRead] = {}
    # The label's first character is the one most often lost or misread at the card's edge (盖发机关).
    authority = row_after(boxes, ["签发机关", "签发机", "发机关"])
    value = cjk_text(authority[0], keep="") if authority else None
    reads["issuing_authority"] = FieldRead(value, authority[1] if authority and value else 0.0)
    if value and not value.endswith(("局", "分局", "公安局", "所", "厅")):
        reads["issuing_authority"].check = Check.FAILED

    validity = row_after(boxes, ["有效期限", "有效期", "效期限"]) or _validity_without_label(boxes, authority)
    valid_from = valid_until = None
    confidence = 0.0
    long_term = False
    if validity:
        text, confidence = validity[0], validity[1]
        dates = find_dates(text)
        if len(dates) < 2 and "-" in halfwidth(text):
            # "20160312-20360312" and "2016.03.12-2036.03.12" with a misread separator
            dates = [d for part in re.split(r"[-—–~至]", halfwidth(text)) if (d := parse_date(part))]
        long_term = LONG_TERM in text or "长" in text.split("-")[-1]
        if dates:
            valid_from = dates[0]
        if len(dates) >= 2:
            valid_until = dates[1]
    check = Check.NONE
    if valid_from and valid_until:
        years = valid_until.year - valid_from.year
        same_day = (valid_until.month, valid_until.day) == (valid_from.month, valid_from.day)
        check = Check.CONFIRMED if years in _VALID_YEARS and same_day else Check.FAILED
    elif valid_from and long_term:
        check = Check.PASSED
    reads["valid_from"] = FieldRead(valid_from.isoformat() if valid_from else None,
                                    confidence if valid_from else 0.0, check)
    until_value = valid_until.isoformat() if valid_until else (LONG_TERM if long_term and valid_from else None)
    reads["valid_until"] = FieldRead(until_value, confidence if until_value else 0.0, check)
    return reads


def _validity_without_label(boxes: Sequence[TextBox], authority: tuple[str, float, TextBox, list[TextBox]] | None,
                            ) -> tuple[str, float, TextBox, list[TextBox]] | None:
    """No 有效期限 read (a pale label in glare): the validity is the one run below the issuing authority that
    holds a period, a date then a second date or 长期; the period's length judges it as any other reading."""
    below = authority[2].y1 if authority else float("-inf")
    periods = [box for box in boxes if box.cy > below and _holds_period(box.text)]
    if len(periods) != 1:
        return None
    box = periods[0]
    return compact(box.text), min(box.confidence, LAYOUT_CAP), box, []


def _holds_period(text: str) -> bool:
    dates = len(find_dates(text))
    return dates == 2 or (dates == 1 and LONG_TERM in compact(text))
