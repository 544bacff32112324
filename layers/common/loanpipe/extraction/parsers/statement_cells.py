"""What the cells of one statement line say: its signed amount (from its column, a 借贷 flag or a CR/DR
mark) and a date OCR made impossible, repaired by one digit."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from loanpipe.extraction.labels import compact
from loanpipe.extraction.layout import TextBox
from loanpipe.extraction.normalize import halfwidth, parse_amount
from loanpipe.extraction.parsers.statement_columns import cell_text

# Digits blur and JPEG confuse with each other in small print.
_DIGIT_SWAPS = {"0": "986", "9": "08", "8": "036", "6": "085", "5": "63", "3": "85", "1": "7", "7": "1"}


def repair_date(text: str, previous: str | None) -> date | None:
    """A statement date OCR made impossible (2025/00/02, 2625/02/24): the one-digit repair that lands on or
    after the previous row's date, within a month of it, and closest to it. None when nothing fits or there is
    no previous row."""
    if previous is None:
        return None
    digits = re.sub(r"\D", "", halfwidth(text))
    if len(digits) != 8:
        return None
    after = date.fromisoformat(previous)
    best: date | None = None
    for position in range(8):  # any digit: 2625/02/24 is 2025/02/24 read with a 6 for a 0
        for swap in _DIGIT_SWAPS.get(digits[position], ""):
            candidate = digits[:position] + swap + digits[position + 1:]
            try:
                value = date(int(candidate[:4]), int(candidate[4:6]), int(candidate[6:]))
            except ValueError:
                continue
            if after <= value <= after + timedelta(days=31) and (best is None or value < best):
                best = value
    return best


_DEBIT_MARKS = ("DR", "D", "借", "支", "出", "-")
_CREDIT_MARKS = ("CR", "C", "贷", "收", "入", "+")


def flag_sign(text: str) -> int:
    """The sign a 借贷 / 收支 mark gives: 借, 支, D, DR (money out) -1; 贷, 收, C, CR (money in) +1; 0 unread."""
    text = halfwidth(compact(text)).upper().strip(".:：")
    if not text:
        return 0
    for marks, sign in ((_DEBIT_MARKS, -1), (_CREDIT_MARKS, 1)):
        if text in marks or text[0] in "借贷收支" and text[0] in "".join(marks):
            return sign
    return 0


_TRAILING_MARK = re.compile(r"(CR|DR|借|贷)$")


def signed_amount(cells: dict[str, list[TextBox]]) -> Decimal | None:
    """The row's amount, credit +: from its column (收入 +, 支出 -), else from the 借贷 flag column or a CR/DR
    mark printed after the figure, else from its own sign. ¥ marks and thousands separators are read by
    ``parse_amount``."""
    def amount_of(role: str) -> tuple[Decimal | None, int]:
        text = halfwidth("".join(compact(b.text) for b in cells.get(role, []))).upper().rstrip(".,·。")
        mark = _TRAILING_MARK.search(text.replace("CNY", "").replace("RMB", ""))
        sign = flag_sign(mark.group(1)) if mark else 0
        if not text or text.strip("-—") == "":
            return None, 0
        return parse_amount(text.replace("CNY", "").replace("RMB", "")), sign

    if "amount" in cells:
        value, sign = amount_of("amount")
        sign = flag_sign(cell_text(cells, "flag")) or sign
        if value is None or not sign:
            return value
        return abs(value) if sign > 0 else -abs(value)
    credit, _ = amount_of("credit")
    debit, _ = amount_of("debit")
    if credit and (debit is None or debit == 0):
        return abs(credit)
    if debit and (credit is None or credit == 0):
        return -abs(debit)
    return None
