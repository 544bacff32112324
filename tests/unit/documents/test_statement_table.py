"""Statement tables rebuilt from word boxes, and the balance arithmetic that confirms or doubts rows."""

from __future__ import annotations

import math

from loanpipe.documents.contract import DocType
from loanpipe.documents.extract import _Page, _parse
from loanpipe.documents.layout import PageText, TextBox
from loanpipe.documents.statement import read_table

HEADER = [("交易日期", 100), ("摘要", 300), ("交易金额", 720), ("账户余额", 970), ("对方户名", 1110)]


def _page(rows: list[tuple[str, str, str, str]], *, slope: float = 0.0, opening: str = "1,000.00",
          confidence: float = 0.99) -> list[TextBox]:
    """Boxes of a photographed statement page whose lines fall by ``slope`` px per px (a tilted photo)."""
    boxes = []

    def put(text: str, x: float, y: float) -> None:
        width = 18 * len(text)
        y += slope * x
        boxes.append(TextBox(text, x, y - 16, x + width, y + 16, confidence))

    for text, x in HEADER:
        put(text, x, 300)
    put("2026-05-01", 100, 340)
    put("期初余额", 300, 340)
    put(opening, 970, 340)
    for index, (day, description, amount, balance) in enumerate(rows):
        y = 380 + 40 * index
        put(day, 100, y)
        put(description, 300, y)
        put(amount, 720, y)
        put(balance, 970, y)
        put("永辉超市", 1110, y)
    return boxes


ROWS = [("2026-05-02", "消费", "-35.50", "964.50"), ("2026-05-05", "代发工资", "+8,200.00", "9,164.50"),
        ("2026-05-06", "快捷支付", "-64.00", "9,100.50")]


def test_rows_of_a_tilted_photo_stay_together():
    # Given a page photographed with a 2 degree tilt: a row's amount sits 30 px higher than its date
    boxes = _page(ROWS, slope=-math.tan(math.radians(2)))
    # When the table is rebuilt
    table = read_table(boxes)
    # Then every row keeps its own date, description, signed amount and balance
    assert [(r.date, r.description, str(r.amount), str(r.balance)) for r in table.rows] == [
        ("2026-05-02", "消费", "-35.50", "964.50"), ("2026-05-05", "代发工资", "8200.00", "9164.50"),
        ("2026-05-06", "快捷支付", "-64.00", "9100.50")]
    assert str(table.opening[0]) == "1000.00"


def _extract(boxes: list[TextBox]):
    page = _Page(PageText(tuple(boxes), 1654, 2339, "rapidocr"))
    return _parse(DocType.BANK_STATEMENT, [page])


def test_a_minus_sign_lost_by_ocr_is_restored_by_the_running_balance():
    # Given a debit whose thin minus sign OCR did not see
    rows = [ROWS[0], ROWS[1], ("2026-05-06", "快捷支付", "64.00", "9,100.50")]
    # When the statement is parsed
    _, parsed = _extract(_page(rows))
    # Then the balance chain shows it is a debit, and the row is trusted
    assert str(parsed[2].amount) == "-64.00"
    assert parsed[2].confidence >= 0.8


def test_a_row_that_breaks_the_running_balance_is_not_trusted():
    # Given a row whose amount was misread (35.50 read as 36.50)
    rows = [("2026-05-02", "消费", "-36.50", "964.50"), ROWS[1], ROWS[2]]
    # When the statement is parsed
    reads, parsed = _extract(_page(rows))
    # Then that row scores below the review threshold, the others stay trusted
    assert parsed[0].confidence < 0.8
    assert all(row.confidence >= 0.8 for row in parsed[1:])
    assert reads["opening_balance"].value == "1000.00"


def test_an_amount_that_lost_a_digit_is_rebuilt_from_the_balances_but_not_trusted():
    # Given "-2,000.00" read as "-2,00.00" between two balances the running balance confirms
    rows = [("2026-05-02", "ATM取款", "-2,00.00", "-1,000.00"), ("2026-05-05", "代发工资", "+8,200.00", "7,200.00")]
    # When the statement is parsed
    _, parsed = _extract(_page(rows))
    # Then the amount is the difference of the balances, and the row goes to review
    assert str(parsed[0].amount) == "-2000.00"
    assert parsed[0].confidence < 0.8
    assert parsed[1].confidence >= 0.8
