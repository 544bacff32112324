"""Where on the first page each value was read: the contract's optional ``box`` per field and statement row, for
the reviewer's console to draw over the page image.

A statement row knows its runs of text (``StatementRow.boxes``, set by the table reader). A field is found
back among the first page's runs by its value in the forms a page prints it: a date as any date the run holds
(``2016.03.12``, ``2016年3月12日``), an amount as a figure of the same value (``12,500.00``, ``12500``), an ID or
account number by its characters, a text by its characters (an address that runs onto the next lines is
followed down). A value the parser worked out (a derived balance, a bank's registered name from its short form)
or read on a later page is not on the first page as printed: it gets no box. Boxes are normalised 0..1 to the
page the runs are measured on (the page image as read: rectified and upright for a photo, the page for a PDF).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from loanpipe.domain.documents import Box, FieldValue, Transaction
from loanpipe.extraction.labels import compact
from loanpipe.extraction.layout import PageText, TextBox, merge, rows
from loanpipe.extraction.normalize import find_dates, halfwidth
from loanpipe.extraction.parsers.statement_table import StatementRow

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_AMOUNT = re.compile(r"^-?\d+\.\d{2}$")
_NUMBER_IN_TEXT = re.compile(r"\d[\d,，]*(?:\.\d{1,2})?")
_CODE = re.compile(r"^[0-9A-Z]{8,}$")  # an ID, account or other number read character by character
_FOLLOW_LINES = 3  # an address or an organisation's name runs onto at most this many more lines


def normalised(box: TextBox, page: PageText) -> Box | None:
    if page.width <= 0 or page.height <= 0:
        return None

    def clip(value: float) -> float:
        return round(min(1.0, max(0.0, value)), 4)

    return (clip(box.x0 / page.width), clip(box.y0 / page.height), clip(box.x1 / page.width),
            clip(box.y1 / page.height))


def place_fields(fields: dict[str, FieldValue], page: PageText) -> dict[str, FieldValue]:
    """``fields`` with the box of each value found on ``page`` (the first page)."""
    placed = {}
    for name, field in fields.items():
        found = locate(field.value, page.boxes, last=name.startswith("closing")) if field.value else None
        box = normalised(found, page) if found is not None else None
        placed[name] = field.model_copy(update={"box": box}) if box else field
    return placed


def place_rows(transactions: list[Transaction], rows_read: list[StatementRow], page: PageText) -> list[Transaction]:
    """Each transaction with the box of its row when the row was read on ``page`` (the first page); the
    transactions are the rows in order."""
    on_page = {id(box) for box in page.boxes}
    placed = []
    for transaction, row in zip(transactions, rows_read, strict=False):
        boxes = [box for box in row.boxes if id(box) in on_page]
        box = normalised(merge(boxes), page) if boxes and len(boxes) == len(row.boxes) else None
        placed.append(transaction.model_copy(update={"box": box}) if box else transaction)
    return placed + transactions[len(placed):]


def locate(value: str, boxes: Sequence[TextBox], *, last: bool = False) -> TextBox | None:
    """The run (or runs) of ``boxes`` the value was read from; the shortest run holding it, the first in reading
    order (``last``: the last, for a closing figure printed at the end)."""
    if _DATE.match(value):
        found = [box for box in boxes if any(day.isoformat() == value for day in find_dates(box.text))]
    elif _AMOUNT.match(value):
        found = [box for box in boxes if _holds_amount(box.text, value)]
    elif _CODE.match(value.upper()):
        found = [box for box in boxes if value.upper() in re.sub(r"[^0-9A-Z]", "", halfwidth(box.text).upper())]
    else:
        return _text_run(_key(value), boxes, last=last)
    return _pick(found, last=last)


def _pick(found: list[TextBox], *, last: bool) -> TextBox | None:
    if not found:
        return None
    ordered = sorted(found, key=lambda box: (box.y0, box.x0))
    shortest = min(len(compact(box.text)) for box in ordered)
    ordered = [box for box in ordered if len(compact(box.text)) == shortest]
    return ordered[-1] if last else ordered[0]


def _holds_amount(text: str, value: str) -> bool:
    try:
        wanted = abs(Decimal(value))
    except InvalidOperation:
        return False
    for match in _NUMBER_IN_TEXT.finditer(halfwidth(text)):
        try:
            if Decimal(re.sub(r"[,，]", "", match.group(0))) == wanted:
                return True
        except InvalidOperation:
            continue
    return False


def _key(text: str) -> str:
    return compact(halfwidth(text)).upper()


def _text_run(key: str, boxes: Sequence[TextBox], *, last: bool) -> TextBox | None:
    """A text value: the run holding all of it, or the run where it starts and the lines that continue it."""
    if not key:
        return None
    short = len(key) <= 2  # 男, 汉: only a short run (性别男) says it is the value and not a word of a sentence
    whole = [box for box in boxes if key in _key(box.text) and (not short or len(_key(box.text)) <= 8)]
    if whole or short:
        return _pick(whole, last=last)
    lines = rows(boxes)
    for index, line in enumerate(lines):
        for start in line:
            text = _key(start.text)
            head = next((cut for cut in range(len(key), 3, -1) if text.endswith(key[:cut])), 0)
            if not head:
                continue
            used, rest = [start], key[head:]
            for following in lines[index + 1:index + 1 + _FOLLOW_LINES]:
                joined = "".join(_key(box.text) for box in following)
                taken = next((cut for cut in range(len(rest), 0, -1) if joined.startswith(rest[:cut])), 0)
                if not taken:
                    break
                used += following
                rest = rest[taken:]
                if not rest:
                    return merge(used)
    return None
