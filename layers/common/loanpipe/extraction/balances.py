"""A statement's rows judged by its running balance: each row's balance is the previous balance plus its
amount. Figures that break the chain are read a second time (``read_figures_again``); then every row is
confirmed or marked doubtful, and the opening and closing balances checked (``check_statement``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import cv2
import numpy as np

from loanpipe.domain.money import money_str
from loanpipe.extraction.confidence import calibrate, counterparty_confidence
from loanpipe.extraction.engines import figure_reader
from loanpipe.extraction.labels import compact
from loanpipe.extraction.layout import TextBox
from loanpipe.extraction.normalize import halfwidth, parse_amount
from loanpipe.extraction.parsers.reads import Check, FieldRead
from loanpipe.extraction.parsers.statement_table import StatementRow
from loanpipe.extraction.parsers.statement_terms import DESCRIPTION_TERMS, description_fits_sign

_FIGURE = re.compile(r"(?<![\d,.])(?:\d{1,3}(?:,\d{3})+|\d+)\.\d{2}(?![\d,.])")  # signs come from the first reading
SECOND_READS_MAX = 12  # rows per statement read a second time (a doctored statement must not cost minutes)


def read_figures_again(reads: dict[str, FieldRead], rows: list[StatementRow],
                       images: list[np.ndarray | None]) -> None:
    """A row whose balance is not the previous balance plus its amount was misread (a 5 read as 0) or
    edited. Its amount and balance cells are read a second time by Tesseract, digits only: when the
    second reading makes the row add up, it replaces the first (the printed figures, read
    again, not figures rebuilt from the balances; the row after it is then judged against the corrected
    balance). An edited row reads the same the second time and stays doubtful. ``images``: the page
    image each row was read on (None: a text layer, nothing to read again)."""
    opening_read = reads.get("opening_balance")
    previous = Decimal(opening_read.value) if opening_read and opening_read.value else None
    budget = SECOND_READS_MAX
    for index, row in enumerate(rows):
        fits = previous is not None and row.balance is not None and row.balance in (previous + row.amount,
                                                                                   previous - row.amount)
        image = images[index] if index < len(images) else None
        if not fits and previous is not None and image is not None and row.amount_boxes and row.balance_boxes \
                and budget > 0:
            budget -= 1
            second = _second_reading(image, row)
            if second is not None:
                # The digits come from the second reading, the signs from the first (a thin minus sign, or
                # a table rule taken for one, is the second reading's weak point).
                amount = abs(second[0]) if row.amount >= 0 else -abs(second[0])
                balance = -abs(second[1]) if row.balance is not None and row.balance < 0 else abs(second[1])
                if balance in (previous + amount, previous - amount):
                    row.amount, row.balance = amount, balance
                    row.ocr = min(row.ocr, 0.97)
                elif (amount, balance) == (row.amount, row.balance):
                    row.figures_sure = True  # two engines read the same figures: printed so, and they break
        previous = row.balance


def _second_reading(image: np.ndarray, row: StatementRow) -> tuple[Decimal, Decimal] | None:
    reader = figure_reader()
    if reader is None:
        return None
    values = []
    for boxes in (row.amount_boxes, row.balance_boxes):
        x0, y0 = min(b.x0 for b in boxes), min(b.y0 for b in boxes)
        x1, y1 = max(b.x1 for b in boxes), max(b.y1 for b in boxes)
        # Tight above and below (the neighbouring lines stay out); wide to the right, where a detection
        # box sometimes ends a digit short (12,098.5 for 12,098.55).
        line = y1 - y0
        top, bottom = max(0, int(y0 - 0.1 * line)), min(image.shape[0], int(y1 + 0.1 * line))
        left, right = max(0, int(x0 - 0.4 * line)), min(image.shape[1], int(x1 + 1.2 * line))
        if bottom - top < 4 or right - left < 4:
            return None
        crop = image[top:bottom, left:right]
        scale = 48.0 / max(1, bottom - top)  # Tesseract reads figures best at ~30 px glyphs
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        value = None
        for layout in ("line", "word"):  # as a line, then as a word (the crop may hold a neighbouring cell's edge)
            figures = _FIGURE.findall(reader.read_figures(crop, layout=layout))
            if len(figures) == 1:
                value = parse_amount(figures[0])
                break
        if value is None:
            return None
        values.append(value)
    return values[0], values[1]


def check_statement(reads: dict[str, FieldRead], rows: list[StatementRow]) -> None:
    """Balance arithmetic: each row's balance = previous balance + amount; the opening and closing
    balances must fit the first and last rows. A row that fits is confirmed; a row whose amount fits
    only with the other sign had its minus sign lost by OCR (thin glyph) and is corrected; a row that
    does not fit, or whose date breaks the statement's order, is kept as read and marked doubtful."""
    opening_read = reads.get("opening_balance")
    opening = Decimal(opening_read.value) if opening_read and opening_read.value else None
    fits = _fit_running_balance(rows, opening)
    # An amount that does not fit the balances around it stays as it was read, doubtful: rebuilding it
    # from the balances (one digit away: -2,00.00 read for -2,000.00) would also hide an amount edited on
    # the statement (-141.38 printed over -41.38), which the credit checks must see.
    for index, row in enumerate(rows):
        # The first row without an opening balance is confirmed by the next row's fit.
        ok = fits[index] or (index == 0 and opening is None and len(fits) > 1 and fits[1])
        in_order = _in_date_order(rows, index)
        row.figures = _figures_confidence(row, ok)
        if ok and in_order:
            row.confidence = max(row.confidence, 0.98) if row.confidence >= 0.8 else row.confidence
        elif in_order and row.figures >= SURE_FIGURES:
            row.confidence = min(row.confidence, row.figures)  # read as printed: the statement breaks here
        else:
            row.confidence = min(row.confidence, 0.5)
        row.balanced = ok and in_order and row.confidence >= 0.8
    for row in rows:
        _cap_by_reading(row)
    if opening_read and opening_read.value and rows and rows[0].balance is not None:
        opening_read.check = Check.CONFIRMED if fits[0] else Check.FAILED
    closing_read = reads.get("closing_balance")
    if closing_read and closing_read.value and rows and rows[-1].balance is not None:
        closing_read.check = Check.CONFIRMED if Decimal(closing_read.value) == rows[-1].balance else Check.FAILED


SURE_FIGURES = 0.95  # figures two engines read alike (or a text layer's) that the running balance does not confirm


def _figures_confidence(row: StatementRow, fits: bool) -> float:
    """How surely the row's amount and balance are the printed ones, in sequence after the row before it.
    The running balance confirms them; otherwise a text layer or two engines reading the same figures do
    (the statement itself then breaks there), unless a line before the row was lost in reading (the break
    may be that row's amount). What nothing confirms is doubtful: a break there may be a misreading."""
    if fits:
        return 0.98
    if row.figures_sure and not row.after_gap:
        return 0.98 if row.ocr >= 0.999 else SURE_FIGURES
    return round(min(calibrate(row.ocr), 0.5), 3)


def _fit_running_balance(rows: list[StatementRow], opening: Decimal | None) -> list[bool]:
    """Whether each row's balance is the previous one plus its amount; an amount that fits only with the
    other sign had its minus sign lost by OCR and is turned; a figure whose separators the reading lost or
    garbled (48628 for 486.28, 6.26137 for 6,261.37, 8,62263 for 8,622.63: small print) that fits with its
    digits as read and the point before the last two gets it back (the digits are the ones read; the balance
    chain only places the point, and must then hold to the fen)."""
    previous = opening
    fits: list[bool] = []
    for row in rows:
        ok = False
        if previous is not None and row.balance is not None:
            for amount, balance in _with_points(row):
                if previous + amount == balance:
                    ok = True
                elif previous - amount == balance:
                    amount, ok = -amount, True
                if ok:
                    if (amount, balance) not in ((row.amount, row.balance), (-row.amount, row.balance)):
                        row.ocr = min(row.ocr, 0.97)
                    row.amount, row.balance = amount, balance
                    break
        fits.append(ok)
        previous = row.balance
    return fits


def _with_points(row: StatementRow) -> Iterator[tuple[Decimal, Decimal]]:
    """The row's figures as read, then (only when those do not fit) with the point put back before the last
    two digits read."""
    assert row.balance is not None
    yield row.amount, row.balance
    amounts = [row.amount] + _repointed(row.amount, row.amount_boxes)
    balances = [row.balance] + _repointed(row.balance, row.balance_boxes)
    yield from ((amount, balance) for balance in balances for amount in amounts
                if (amount, balance) != (row.amount, row.balance))


def _repointed(value: Decimal, boxes: tuple[TextBox, ...]) -> list[Decimal]:
    digits = re.sub(r"\D", "", halfwidth("".join(compact(box.text) for box in boxes)))
    if len(digits) < 3:
        return []
    figure = Decimal(digits).scaleb(-2)
    figure = -figure if value < 0 else figure
    return [figure] if figure != value else []


def _in_date_order(rows: list[StatementRow], index: int) -> bool:
    """The row's date lies between its neighbours' (no evidence against it when they disagree)."""
    row = rows[index]
    earlier = rows[index - 1].date if index else None
    later = rows[index + 1].date if index + 1 < len(rows) else None
    in_order = (earlier is None or earlier <= row.date) and (later is None or row.date <= later)
    if not in_order and earlier is not None and later is not None and earlier > later:
        in_order = True  # the neighbours disagree with each other: no evidence against this row
    return in_order


def _cap_by_reading(row: StatementRow) -> None:
    """The running balance vouches for the amount and balance, not for the words: a 摘要 missing,
    unknown to the banks' vocabulary, or of the wrong sign (taken from a neighbouring row on a tilted
    photo) keeps the row below the review threshold; so does a counterparty read unsurely."""
    if not row.aligned:
        # The amount and balance sit between two printed lines: they may be the next row's, which the
        # running balance cannot see (both slide together).
        row.confidence = min(row.confidence, 0.5)
    if not row.whole:
        row.confidence = min(row.confidence, 0.7)
    if not row.summary:
        row.confidence = min(row.confidence, 0.7)
    elif not description_fits_sign(row.summary, row.amount):
        row.confidence = min(row.confidence, 0.5)
    elif row.summary not in DESCRIPTION_TERMS:
        row.confidence = min(row.confidence, calibrate(row.ocr))
    if row.counterparty:
        row.confidence = min(row.confidence, counterparty_confidence(row.counterparty_ocr))


DERIVED_CONFIDENCE = 0.7  # a balance worked out from the rows, not printed: below the review threshold


def derive_balances(reads: dict[str, FieldRead], rows: list[StatementRow]) -> None:
    """A statement that prints no opening or closing balance still states them: the opening balance is
    the first row's balance less its amount, the closing balance the last row's balance. Figures worked
    out this way carry a lower confidence than printed ones, and only rows the running balance confirmed
    are used (a figure is never invented from a doubtful reading)."""
    opening, closing = reads.get("opening_balance"), reads.get("closing_balance")
    if (opening is None or opening.value is None) and rows and rows[0].balance is not None and rows[0].balanced:
        value = rows[0].balance - rows[0].amount
        reads["opening_balance"] = FieldRead(money_str(value), rows[0].confidence, certainty=DERIVED_CONFIDENCE)
        reads["opening_balance"].notes.append("worked out from the first row")
    if (closing is None or closing.value is None) and rows and rows[-1].balance is not None and rows[-1].balanced:
        reads["closing_balance"] = FieldRead(money_str(rows[-1].balance), rows[-1].confidence,
                                             certainty=DERIVED_CONFIDENCE)
        reads["closing_balance"].notes.append("the last row's balance")
