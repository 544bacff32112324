"""A library's table (rows of cells, as pdfplumber, img2table or rapid-table return it) turned into statement
transactions through the project's own header lexicon (``parsers.statement_columns``) and its own sign,
date and figure rules (``parsers.statement_table``, ``normalize``).

Only the table's finding and cell structure are the library's: which column is the date, the amount, the
借贷 flag or the balance is decided by the same words our parser looks for, and a row becomes a transaction
by the same rules, so a difference in rows is a difference in how the table was cut into cells. A table
that repeats no header (the next page, or a table the library split in two) is read with the last header's
columns, by position when the cells have coordinates, by column index otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from loanpipe.domain.money import money_str
from loanpipe.extraction.labels import compact
from loanpipe.extraction.layout import TextBox
from loanpipe.extraction.normalize import halfwidth, parse_amount, parse_date
from loanpipe.extraction.parsers.statement_columns import DATE_CELL, Column, _header_columns
from loanpipe.extraction.parsers.statement_table import CLOSING_WORDS, OPENING_WORDS, _signed_amount

# A figure at the start of a cell: OCR runs a balance into the 摘要 printed right after it (49461.65话费充值).
_FIGURE_FIRST = re.compile(r"^[+\-−]?[¥￥]?(?:CNY|RMB)?\d[\d,]*\.\d{2}(?:CR|DR|借|贷)?")
MONEY_ROLES = ("amount", "credit", "debit", "balance")
_INDEX_WIDTH = 100.0  # cells without coordinates stand at column index x 100


@dataclass(frozen=True)
class GridCell:
    text: str
    x0: float | None = None  # the cell's extent on the page, when the library gives it
    x1: float | None = None


Table = list[list[GridCell]]


def _boxes(row: list[GridCell]) -> list[TextBox]:
    boxes = []
    for index, cell in enumerate(row):
        x0 = cell.x0 if cell.x0 is not None else index * _INDEX_WIDTH
        x1 = cell.x1 if cell.x1 is not None else (index + 1) * _INDEX_WIDTH
        boxes.append(TextBox(halfwidth(cell.text or "").replace("\n", " "), x0, 0.0, x1, 10.0))
    return boxes


def header_columns(row: list[GridCell]) -> list[Column] | None:
    """The row's columns when it is a statement header (a date column, an amount column, three or more
    columns: the rule of ``find_header``), else None."""
    columns = _header_columns([box for box in _boxes(row) if box.text.strip()])
    roles = {column.role for column in columns}
    if "date" in roles and roles & {"amount", "credit", "debit"} and len(columns) >= 3:
        return columns
    return None


def _column_of(box: TextBox, columns: list[Column]) -> Column:
    best, overlap = None, 0.0
    for column in columns:
        shared = min(box.x1, column.x1) - max(box.x0, column.x0)
        if shared > overlap:
            best, overlap = column, shared
    return best if best is not None else min(columns, key=lambda c: abs(c.cx - box.cx))


def _money_cell(box: TextBox) -> TextBox:
    text = halfwidth(compact(box.text))
    found = _FIGURE_FIRST.match(text)
    return TextBox(found.group(0) if found else text, box.x0, box.y0, box.x1, box.y1)


def row_transaction(row: list[GridCell], columns: list[Column]) -> dict | None:
    """One table row as a transaction (date, signed amount, balance), or None: no date, no amount, or an
    opening/closing balance line."""
    boxes = [box for box in _boxes(row) if box.text.strip()]
    text = "".join(compact(box.text) for box in boxes)
    if not boxes or any(word in text for word in OPENING_WORDS + CLOSING_WORDS):
        return None
    cells: dict[str, list[TextBox]] = {}
    for box in boxes:
        role = _column_of(box, columns).role
        cells.setdefault(role, []).append(_money_cell(box) if role in MONEY_ROLES else box)
    date_text = halfwidth(compact("".join(box.text for box in cells.get("date", []))))
    found = DATE_CELL.match(date_text)
    when = parse_date(found.group(0)) if found else None
    amount = _signed_amount(cells) if when is not None else None
    if when is None or amount is None:
        return None
    balance_text = "".join(compact(box.text) for box in cells.get("balance", []))
    balance = parse_amount(balance_text) if balance_text else None
    return {"date": when.isoformat(), "amount": money_str(amount),
            "balance": money_str(balance) if balance is not None else None}


class GridReader:
    """Reads a statement's tables in page order, carrying the last header to tables that repeat none."""

    def __init__(self) -> None:
        self.columns: list[Column] | None = None
        self.width: float | None = None  # the width of the page the columns were found on
        self.transactions: list[dict] = []

    def read(self, table: Table, page_width: float | None = None) -> None:
        columns = self._carried(page_width)
        for row in table:
            found = header_columns(row)
            if found is not None:
                columns, self.columns, self.width = found, found, page_width
                continue
            if columns is None:
                continue
            transaction = row_transaction(row, columns)
            if transaction is not None:
                self.transactions.append(transaction)

    def _carried(self, page_width: float | None) -> list[Column] | None:
        if self.columns is None:
            return None
        if page_width and self.width:
            return [column.scaled(page_width / self.width) for column in self.columns]
        return self.columns


class _HtmlTable(HTMLParser):
    """An HTML table (rapid-table's output) as a grid of cell texts, row and column spans expanded."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._spans: dict[tuple[int, int], str] = {}  # (row, column) filled from a span above or to the left
        self._cell: list[str] | None = None
        self._attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell, self._attrs = [], dict(attrs)

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr" and self.rows:
            row_index, row = len(self.rows) - 1, self.rows[-1]
            while (row_index, len(row)) in self._spans:  # spans from above at the row's end
                row.append(self._spans.pop((row_index, len(row))))
        if tag not in ("td", "th") or self._cell is None or not self.rows:
            return
        row_index, row = len(self.rows) - 1, self.rows[-1]
        while (row_index, len(row)) in self._spans:
            row.append(self._spans.pop((row_index, len(row))))
        text = "".join(self._cell).strip()
        rowspan, colspan = (int(self._attrs.get(name) or 1) for name in ("rowspan", "colspan"))
        start = len(row)
        for offset in range(colspan):
            row.append(text if offset == 0 else "")
            for down in range(1, rowspan):
                self._spans[(row_index + down, start + offset)] = ""
        self._cell = None


def html_grid(html: str) -> Table:
    parser = _HtmlTable()
    parser.feed(html)
    return [[GridCell(text) for text in row] for row in parser.rows]
