"""Bank statement tables rebuilt into rows from text runs (OCR word boxes or the PDF text layer): one
transaction a dated line, the lines that continue it, the opening and closing balance lines, and the
marks of a row the reading may have damaged (cells off its line, cut short or scattered)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from loanpipe.extraction.labels import compact
from loanpipe.extraction.layout import TextBox, row_coordinates, rows_with_coordinates
from loanpipe.extraction.normalize import halfwidth, parse_amount, parse_date
from loanpipe.extraction.parsers.statement_cells import repair_date, signed_amount
from loanpipe.extraction.parsers.statement_columns import (
    DATE_CELL,
    MONEY_ROLES,
    Column,
    advance,
    cell_text,
    cells_of,
    find_header,
    flag_mark,
    is_figure,
)
from loanpipe.extraction.parsers.statement_terms import (
    join_description,
    names_a_counterparty,
    on_platform,
    snap_counterparty,
    snap_description,
)

_FOOTER_WORDS = ("合计", "总计", "本页小计", "以下空白", "打印时间", "温馨提示", "本明细仅供参考")
# Text that is never a cell: the page number in the margin and the words of the bank's seal, which a
# tilted photo may put on a row's line.
_NOT_A_CELL = re.compile(r"第\s*\d+\s*页|共\s*\d+\s*页|专用章|业务章|回单专用")
OPENING_WORDS = ("期初余额", "上期余额", "承前余额")
CLOSING_WORDS = ("期末余额", "本期余额")


@dataclass
class StatementRow:
    date: str
    summary: str  # 摘要 as printed (snapped to the banks' vocabulary)
    amount: Decimal
    balance: Decimal | None
    confidence: float
    ocr: float = 1.0  # the weakest OCR confidence of the row's date, 摘要 and amount cells, as read
    counterparty: str = ""  # 对方户名 ("" when the cell is empty or the statement has no such column)
    counterparty_ocr: float = 1.0  # OCR confidence of the counterparty cell
    aligned: bool = True  # every cell of the row lies on the date's printed line (no column slid by a row)
    whole: bool = True  # no cell of the row looks cut short or missing
    balanced: bool = False  # the running balance confirms the row (set by the statement check)
    after_gap: bool = False  # a line between this row and the one before it looked like a row and was not read
    figures_sure: bool = False  # amount and balance are the printed ones: a text layer, or read twice alike
    figures: float = 0.0  # confidence in the amount and balance as printed, in sequence (set by the check)
    amount_boxes: tuple[TextBox, ...] = ()  # where the amount (or credit/debit) and balance were read, for a
    balance_boxes: tuple[TextBox, ...] = ()  # second reading of a row the running balance does not confirm
    boxes: tuple[TextBox, ...] = ()  # every run of the row's dated line (where the console draws the row)

    @property
    def description(self) -> str:
        """The contract's description: 摘要, then the counterparty after one space when there is one."""
        return join_description(self.summary, self.counterparty)


@dataclass(frozen=True)
class Undated:
    """Where a line with figures in the money columns has no date read: the page region of its date cell
    (between the date column's left edge and the line's first word), for a second look."""

    top: float
    bottom: float
    left: float
    right: float
    cell: tuple[float, float]  # the date column's extent on that line, where a date read there belongs


@dataclass(frozen=True)
class Unnamed:
    """Where a row that names its counterparty (a salary, a purchase, a transfer) had none read: the page
    region of its 对方户名 cell, for a second look (a seal printed over the name leaves it faint)."""

    top: float
    bottom: float
    left: float
    right: float


@dataclass
class StatementTable:
    rows: list[StatementRow]
    opening: tuple[Decimal, float] | None = None  # balance on a 期初余额 line, with its OCR confidence
    closing: tuple[Decimal, float] | None = None  # balance on a 期末余额 line
    has_counterparty: bool = False  # the table prints a 对方户名 column
    columns: list[Column] = field(default_factory=list)  # the columns the rows were read by (for the next page)
    undated: list[Undated] = field(default_factory=list)  # lines with figures whose date was not read
    unnamed: list[Unnamed] = field(default_factory=list)  # rows whose counterparty was not read
    figureless: int = 0  # dated lines whose amount was not read (no row made of them)


@dataclass
class _RowMarks:
    """What the checks after the table need of the transaction rows read so far."""

    pitch: float  # the distance between two printed lines, in row coordinates
    starts: list[dict[str, float]] = field(default_factory=list)  # per row: where its 摘要 and counterparty start
    widths: list[list[tuple[str, float]]] = field(default_factory=list)  # per row: its word cells' text and width
    last_line: tuple[float, dict[str, float]] = (0.0, {})  # the last row's line and cell starts
    lost: bool = False  # since the last row, a line that looked like a row was not read as one
    continued: bool = False  # since the last row, a line continued it (a wrapped cell: the next row is lower)


def read_table(boxes: Sequence[TextBox], carried: list[Column] | None = None) -> StatementTable:
    """Statement rows in page order. A row starts with a date in the date column; a row without one
    continues the previous row's 摘要 or counterparty. 期初余额 / 期末余额 lines give the opening and
    closing balances and are not transactions. A row whose cells do not lie on its date's printed line
    (the right half of a tilted table slid by a row against the left half) is marked not aligned.
    ``carried``: the columns of the previous page, for a page that does not print the header again."""
    table = StatementTable(rows=[])
    header = find_header(boxes)
    if header is None and not carried:
        return table
    columns, header_bottom = header if header is not None else (list(carried or []), float("-inf"))
    table.columns = columns
    table.has_counterparty = any(column.role == "counterparty" for column in columns)
    body = [b for b in boxes if b.cy >= header_bottom and not _NOT_A_CELL.search(compact(b.text))]
    grouped = rows_with_coordinates(body, row_coordinates(body))
    marks = _RowMarks(pitch=_line_pitch(grouped))
    drift = _Drift()
    for items in grouped:
        text = "".join(compact(box.text) for box, _ in items)
        if any(word in text for word in _FOOTER_WORDS):
            break
        _read_line(table, marks, items, drift.follow(items, columns), text)
    _check_left_edges(table.rows, marks.starts)
    _check_text_fills_box(table.rows, marks.widths)
    if table.has_counterparty:
        unnamed = [row for row in table.rows if not row.counterparty and names_a_counterparty(row.summary)]
        for row in unnamed:
            row.whole = False  # a purchase, transfer or salary names its counterparty: one was not read
        if unnamed:
            extent = _counterparty_extent(body, columns)
            table.unnamed.extend(_unnamed_cell(row, extent, columns) for row in unnamed if row.boxes)
    return table


def _counterparty_extent(body: list[TextBox], columns: list[Column]) -> tuple[float, float] | None:
    """Where the counterparties read on the page start and end (a header is often centred over its column);
    None when none was read."""
    read = cells_of(body, columns).get("counterparty", [])
    if not read:
        return None
    starts = sorted(box.x0 for box in read)
    return starts[len(starts) // 2], max(box.x1 for box in read)


def _unnamed_cell(row: StatementRow, extent: tuple[float, float] | None, columns: list[Column]) -> Unnamed:
    """The counterparty cell of ``row``, on the row's dated line: over the page's counterparties' extent,
    else from the header's left edge over twelve characters."""
    height = min(box.height for box in row.boxes)
    top, bottom = min(box.y0 for box in row.boxes), max(box.y1 for box in row.boxes)
    if extent is None:
        column = next(column for column in columns if column.role == "counterparty")
        extent = column.x0, column.x0 + 12 * height
    left, right = extent
    return Unnamed(top, bottom, left - 0.5 * height, right + height)


class _Drift:
    """A photo turned on the table slides each line sideways by a little more than the line above: the
    columns follow the lines' date cells (dates are printed at one x on paper), measured from the first
    dated line under the header. A line without a date keeps the last line's shift."""

    def __init__(self) -> None:
        self.anchor: float | None = None
        self.shift = 0.0

    def follow(self, items: list[tuple[TextBox, float]], columns: list[Column]) -> list[Column]:
        dated = [box for box, _ in items if _is_date_run(box)]
        if dated:
            left = min(box.x0 for box in dated)
            if self.anchor is None:
                self.anchor = left
            self.shift = left - self.anchor
        if abs(self.shift) < 1e-6:
            return columns
        return [Column(c.role, c.x0 + self.shift, c.x1 + self.shift) for c in columns]


def _is_date_run(box: TextBox) -> bool:
    """A run that starts with a date (and is not a figure such as 2019.71)."""
    text = halfwidth(compact(box.text))
    match = DATE_CELL.match(text)
    return match is not None and not is_figure(text) and parse_date(match.group(0)) is not None


def _read_line(table: StatementTable, marks: _RowMarks, items: list[tuple[TextBox, float]], columns: list[Column],
               text: str) -> None:
    """One printed line of the table: a balance line, a transaction, or the continuation of the row above."""
    row = [box for box, _ in items]
    cells = cells_of(row, columns)
    if any(word in text for word in OPENING_WORDS + CLOSING_WORDS):
        _balance_line(table, row, cells, text)
        return
    when, repaired = _row_date(cells, table)
    if when is not None and not cells.get("description"):
        _words_as_description(cells, row)
    summary = snap_description(cell_text(cells, "description"))
    counterparty = snap_counterparty(cell_text(cells, "counterparty"))
    if when is None:
        if table.rows and not any(role in cells for role in MONEY_ROLES):
            _continue_row(table.rows[-1], items, cells, summary, counterparty, marks)
        elif table.rows and _figures_in(cells):
            marks.lost = True  # figures in the money columns and no date read: a row the reading lost
            _note_undated(table, row, columns)
        return
    amount = signed_amount(cells)
    if amount is None:
        marks.lost = bool(table.rows)  # a dated line without a readable amount: a row the reading lost
        table.figureless += 1
        return
    table.rows.append(_transaction(cells, items, when.isoformat(), amount, summary=summary, counterparty=counterparty,
                                   repaired=repaired, pitch=marks.pitch))
    row = table.rows[-1]
    line, _ = marks.last_line
    # A row lost before this one: a line read and dropped, or a printed line no text was found on.
    row.after_gap = marks.lost or (len(table.rows) > 1 and items[0][1] - line > LOST_LINE_PITCHES * marks.pitch
                                   and not marks.continued)
    marks.lost = marks.continued = False
    _mark(row, marks, items, cells)


def _note_undated(table: StatementTable, row: list[TextBox], columns: list[Column]) -> None:
    """The region where the date of a line without one is printed: from the date column's left edge (a
    line height before it) to the line's first word, on that word's line (the nearest to the date cell)."""
    date_column = next((column for column in columns if column.role == "date"), None)
    first = min(row, key=lambda box: box.x0)
    if date_column is None or first.x0 <= date_column.x0:
        return
    height = first.height
    table.undated.append(Undated(first.y0 - 0.15 * height, first.y1 + 0.15 * height,
                                 max(0.0, date_column.x0 - height), first.x0 - 0.2 * height,
                                 (date_column.x0, min(date_column.x1, first.x0 - 0.2 * height))))


def _figures_in(cells: dict[str, list[TextBox]]) -> bool:
    return any(parse_amount(box.text) is not None for role in MONEY_ROLES for box in cells.get(role, []))


def _row_date(cells: dict[str, list[TextBox]], table: StatementTable) -> tuple[date | None, bool]:
    """The date of a line, and whether it was repaired (a digit OCR made impossible, on a line with a balance)."""
    date_text = cell_text(cells, "date")
    when = parse_date(date_text) if date_text else None
    if when is None and date_text and cells.get("balance"):
        when = repair_date(date_text, table.rows[-1].date if table.rows else None)
        return when, when is not None
    return when, False


def _words_as_description(cells: dict[str, list[TextBox]], row: list[TextBox]) -> None:
    """The 摘要 header was not read (glare, a merged header): the words between the date and the amounts
    are the description."""
    money_x = min((b.x0 for role in MONEY_ROLES for b in cells.get(role, [])), default=float("inf"))
    marks = [b for role in ("flag", "time", "seq") for b in cells.get(role, [])]
    words = [b for b in row if b.x0 < money_x and not DATE_CELL.match(halfwidth(compact(b.text)))
             and parse_amount(b.text) is None and b not in marks and not flag_mark(halfwidth(compact(b.text)))]
    if words:
        cells["description"] = words


def _transaction(cells: dict[str, list[TextBox]], items: list[tuple[TextBox, float]], when: str, amount: Decimal, *,
                 summary: str, counterparty: str, repaired: bool, pitch: float) -> StatementRow:
    balance_text = cell_text(cells, "balance")
    balance = parse_amount(balance_text) if balance_text else None
    kept = [b for role, found in cells.items() if role != "counterparty" for b in found]
    confidence = min(b.confidence for b in kept) if kept else 0.0
    if repaired:
        confidence = min(confidence, 0.5)  # a guessed digit is never trusted
    platform = on_platform(counterparty)
    counterparty_ocr = min((b.word_confidence if platform and b.word_confidence is not None else b.confidence
                            for b in cells.get("counterparty", [])), default=1.0)
    return StatementRow(when, summary, amount, balance, confidence, confidence,
                        counterparty=counterparty, counterparty_ocr=counterparty_ocr,
                        aligned=_on_one_line(items, pitch),
                        amount_boxes=tuple(b for role in ("amount", "credit", "debit") for b in cells.get(role, [])),
                        balance_boxes=tuple(cells.get("balance", [])), boxes=tuple(box for box, _ in items))


def _mark(row: StatementRow, marks: _RowMarks, items: list[tuple[TextBox, float]],
          cells: dict[str, list[TextBox]]) -> None:
    """Note where the row's word cells start and how wide they are (for the checks after the table)."""
    marks.starts.append({role: min(b.x0 for b in cells[role]) for role in ("description", "counterparty")
                         if cells.get(role)} | {"height": min(box.height for box, _ in items)})
    marks.last_line = (items[0][1], marks.starts[-1])
    marks.widths.append([(compact(b.text), b.width) for role in ("description", "counterparty")
                         for b in cells.get(role, [])])
    if _scattered(cells.get("description", [])) or _scattered(cells.get("counterparty", [])):
        row.whole = False  # words apart in one cell: a stamp's or a neighbour's text joined it


def _scattered(boxes: list[TextBox]) -> bool:
    """A word cell is one run of text: runs with a gap of more than a character between them are not."""
    ordered = sorted(boxes, key=lambda b: b.x0)
    return any(right.x0 - left.x1 > 1.2 * min(left.height, right.height)
               for left, right in zip(ordered, ordered[1:], strict=False))


def _check_text_fills_box(table_rows: list[StatementRow], widths: list[list[tuple[str, float]]]) -> None:
    """A word cell whose box is wider than its text by a whole character lost a character in reading
    (a blurred or half-detected glyph): the width per character is measured on the page's own cells."""
    samples = sorted(width / advance(text) for cells in widths for text, width in cells if len(text) >= 2)
    if len(samples) < 5:
        return
    per_char = samples[len(samples) // 2]
    for row, cells in zip(table_rows, widths, strict=True):
        if any(width / per_char - advance(text) > 0.9 for text, width in cells if text):
            row.whole = False


def _check_left_edges(table_rows: list[StatementRow], starts: list[dict[str, float]]) -> None:
    """摘要 and counterparty cells are printed flush left: a cell that starts later than the same
    column in the rows around it lost its first characters (a detector box cut short)."""
    for index, row in enumerate(table_rows):
        near = starts[max(0, index - 4): index] + starts[index + 1: index + 5]
        for role in ("description", "counterparty"):
            if role not in starts[index]:
                continue
            others = sorted(start[role] for start in near if role in start)
            if len(others) >= 3 and starts[index][role] - others[len(others) // 2] > 0.6 * starts[index]["height"]:
                row.whole = False


def _continue_row(row: StatementRow, items: list[tuple[TextBox, float]], cells: dict[str, list[TextBox]],
                  summary: str, counterparty: str, marks: _RowMarks) -> None:
    """A line without a date or amounts: a word cell of the row above wrapped onto it, when it is the
    next line and starts where that cell starts. Other words there (a stamp's, a note's) are not the
    row's, but the row is no longer trusted as read."""
    line, row_starts = marks.last_line
    next_line = items[0][1] - line <= 1.6 * marks.pitch
    wrapped = next_line and all(role in row_starts and abs(min(b.x0 for b in found) - row_starts[role])
                                <= 0.5 * row_starts["height"] for role, found in cells.items())
    marks.continued = True  # a printed line between this row and the next, whatever it holds
    if not wrapped:
        if next_line:
            row.whole = False
        return
    row.summary += summary
    if counterparty:
        row.counterparty = snap_counterparty(row.counterparty + counterparty)


def _balance_line(table: StatementTable, row: list[TextBox], cells: dict[str, list[TextBox]], text: str) -> None:
    numbers = [b for b in row if parse_amount(b.text) is not None and not DATE_CELL.match(compact(b.text))]
    value = parse_amount(cell_text(cells, "balance")) if cells.get("balance") else None
    if value is None and numbers:
        value = parse_amount(max(numbers, key=lambda b: b.x1).text)
    if value is None:
        return
    confidence = min(b.confidence for b in row)
    if any(word in text for word in OPENING_WORDS):
        table.opening = (value, confidence)
    else:
        table.closing = (value, confidence)


MAX_LINE_OFFSET = 0.3  # share of the line pitch a cell may sit off its date's line and still be on it
LOST_LINE_PITCHES = 1.6  # a row this many line pitches below the row before it (none wrapped): a line was lost


def _line_pitch(grouped: list[list[tuple[TextBox, float]]]) -> float:
    """The distance between two printed lines of the table, in row coordinates."""
    starts = [items[0][1] for items in grouped]
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False) if b > a]
    heights = [box.height for items in grouped for box, _ in items]
    fallback = float(sorted(heights)[len(heights) // 2]) if heights else 1.0
    return float(sorted(gaps)[len(gaps) // 2]) if len(gaps) >= 3 else fallback


def _on_one_line(items: list[tuple[TextBox, float]], pitch: float) -> bool:
    """Are all cells of a row on the printed line of its date (the leftmost cell)? A cell a third of a
    line off is as near to the next line as to its own: it may belong to either."""
    if not items:
        return True
    anchor = items[0][1]
    return all(abs(v - anchor) <= MAX_LINE_OFFSET * pitch for _, v in items)
