"""Bank statement tables rebuilt into rows and columns from text runs (OCR word boxes or the PDF
text layer), then checked by balance arithmetic."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from loanpipe.extraction.labels import compact
from loanpipe.extraction.layout import TextBox, row_coordinates, rows, rows_with_coordinates
from loanpipe.extraction.normalize import halfwidth, parse_amount, parse_date

# Column roles and the header words that name them (most specific first).
_HEADER_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("date", ("交易日期", "记账日期", "交易时间", "日期")),
    ("credit", ("收入金额", "存入金额", "贷方发生额", "收入", "存入", "贷方")),
    ("debit", ("支出金额", "支取金额", "借方发生额", "支出", "支取", "借方")),
    ("balance", ("账户余额", "余额")),
    ("amount", ("交易金额", "发生额", "金额")),
    ("description", ("交易摘要", "摘要", "用途", "附言", "交易说明", "说明", "交易类型", "备注")),
    ("counterparty", ("对方户名", "对方账户名称", "对方名称", "交易对方")),
]
_FOOTER_WORDS = ("合计", "总计", "本页小计", "以下空白", "打印时间", "温馨提示", "本明细仅供参考")
# Text that is never a cell: the page number in the margin and the words of the bank's seal, which a
# tilted photo may put on a row's line.
_NOT_A_CELL = re.compile(r"第\s*\d+\s*页|共\s*\d+\s*页|专用章|业务章|回单专用")
# 摘要 whose rows may have no counterparty (cash, interest, fees); any other row names one.
_WITHOUT_COUNTERPARTY = ("取款", "存款", "现金", "结息", "利息", "年费", "手续费", "服务费")
OPENING_WORDS = ("期初余额", "上期余额", "承前余额")
# The 摘要 vocabulary banks print (a closed set per bank); an OCR reading one character away from a
# single term is that term.
DESCRIPTION_TERMS = (
    "消费", "快捷支付", "网上支付", "银联消费", "转账", "转账存入", "转账支取", "手机银行转账", "网银转账", "跨行转出",
    "跨行转入", "跨行汇款", "代发工资", "工资", "代发", "奖金", "报销", "结息", "利息存入", "利息", "ATM取款", "取款",
    "现金存入", "存款", "短信服务费", "年费", "手续费", "信用卡还款", "还款", "代扣电费", "代扣水费", "代扣燃气费",
    "代扣话费", "代扣", "退款", "理财购买", "理财赎回", "公积金", "社保", "微信支付", "支付宝", "红包",
)
CLOSING_WORDS = ("期末余额", "本期余额")

@dataclass(frozen=True)
class Column:
    role: str
    x0: float
    x1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


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
    amount_boxes: tuple[TextBox, ...] = ()  # where the amount (or credit/debit) and balance were read, for a
    balance_boxes: tuple[TextBox, ...] = ()  # second reading of a row the running balance does not confirm

    @property
    def description(self) -> str:
        """The contract's description: 摘要, then the counterparty after one space when there is one."""
        return join_description(self.summary, self.counterparty)


def join_description(summary: str, counterparty: str) -> str:
    return f"{summary} {counterparty}" if counterparty else summary


_CREDIT_WORDS = ("工资", "代发", "结息", "利息", "存入", "转入", "退款", "奖金", "报销", "赎回")
_DEBIT_WORDS = ("消费", "支付", "取款", "转出", "还款", "代扣", "服务费", "手续费", "年费", "支取", "购买")


def description_fits_sign(description: str, amount: Decimal) -> bool:
    """A salary or interest line is a credit, a purchase or withdrawal a debit: a description with the
    other sign was taken from a neighbouring row."""
    if any(word in description for word in _CREDIT_WORDS) and amount < 0:
        return False
    return not (any(word in description for word in _DEBIT_WORDS) and amount > 0)


def _roles_in(box: TextBox) -> list[Column]:
    """The columns a header run names. A run that swallowed two headers (账户余额对方户名) is split in
    proportion to the characters of each."""
    text = compact(box.text)
    found: list[tuple[int, int, str]] = []
    for role, words in _HEADER_WORDS:
        for word in words:
            index = text.find(word)
            if index < 0 and len(word) >= 4:
                # 交别金额 / 张户余额: a four-character header with one character misread
                index = next((i for i in range(len(text) - len(word) + 1)
                              if sum(x != y for x, y in zip(text[i:i + len(word)], word, strict=True)) == 1), -1)
            if index >= 0 and not any(start <= index < end or index <= start < index + len(word)
                                      for start, end, _ in found):
                found.append((index, index + len(word), role))
                break
    if not found:
        return []
    found.sort()
    per_char = box.width / max(1, len(text))
    columns = []
    for position, (start, end, role) in enumerate(found):
        right = found[position + 1][0] if position + 1 < len(found) else len(text)
        left = start if position else 0
        columns.append(Column(role, box.x0 + left * per_char, box.x0 + max(end, right) * per_char))
    return columns


def find_header(boxes: Sequence[TextBox]) -> tuple[list[Column], float] | None:
    """The table's column header: the first row naming a date column and an amount/balance column.
    Returns the columns (left to right) and the y below which the table's rows start."""
    for row in rows(boxes):
        columns: list[Column] = []
        for box in row:
            for column in _roles_in(box):
                if all(c.role != column.role for c in columns):
                    columns.append(column)
        roles = {c.role for c in columns}
        if "date" in roles and roles & {"amount", "credit", "debit"} and len(columns) >= 3:
            # Below the header means below its text line (centres), not below its padded boxes.
            centre = sum(b.cy for b in row) / len(row)
            height = min(b.height for b in row)
            return sorted(columns, key=lambda c: c.x0), centre + 0.5 * height
    return None


def _column_for(box: TextBox, columns: list[Column]) -> Column:
    # Overlap first (cells are printed under their header), nearest centre otherwise.
    best, best_overlap = None, 0.0
    for column in columns:
        overlap = min(box.x1, column.x1) - max(box.x0, column.x0)
        if overlap > best_overlap:
            best, best_overlap = column, overlap
    if best is not None:
        return best
    return min(columns, key=lambda c: abs(c.cx - box.cx))


_DATE_CELL = re.compile(r"^(?:19|20)\d{2}[-./年]?\d{1,2}[-./月]?\d{1,2}")


@dataclass
class StatementTable:
    rows: list[StatementRow]
    opening: tuple[Decimal, float] | None = None  # balance on a 期初余额 line, with its OCR confidence
    closing: tuple[Decimal, float] | None = None  # balance on a 期末余额 line
    has_counterparty: bool = False  # the table prints a 对方户名 column


def _cells(row: list[TextBox], columns: list[Column]) -> dict[str, list[TextBox]]:
    cells: dict[str, list[TextBox]] = {}
    for box in row:
        text = compact(box.text)
        match = _DATE_CELL.match(halfwidth(text))
        column = _column_for(box, columns)
        if match and column.role != "date" and match.end() < len(text):
            # A run that swallowed the date and the next cell (narrow gap): split the date off.
            split_x = box.x0 + box.width * match.end() / max(1, len(text))
            cells.setdefault("date", []).append(
                TextBox(match.group(0), box.x0, box.y0, split_x, box.y1, box.confidence))
            rest = TextBox(text[match.end():], split_x, box.y0, box.x1, box.y1, box.confidence)
            cells.setdefault(_column_for(rest, columns).role, []).append(rest)
            continue
        tail = _MONEY_THEN_WORDS.match(halfwidth(text)) if column.role in _MONEY_ROLES else None
        if tail and any(c.role == "counterparty" for c in columns):
            # A balance run that swallowed the counterparty printed close after it (20,809.96滴滴出行).
            split_x = box.x0 + box.width * tail.end(1) / max(1, len(text))
            cells.setdefault(column.role, []).append(
                TextBox(tail.group(1), box.x0, box.y0, split_x, box.y1, box.confidence, box.angle))
            cells.setdefault("counterparty", []).append(TextBox(text[tail.end(1):], split_x, box.y0, box.x1, box.y1,
                                                                box.confidence, box.angle, box.word_confidence))
            continue
        cells.setdefault(column.role, []).append(box)
    return cells


_MONEY_ROLES = ("amount", "credit", "debit", "balance")
_MONEY_THEN_WORDS = re.compile(r"^([+\-]?[\d,]+\.\d{2})(?=[\u3400-\u9fff])")


def _one_edit_apart(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def snap_description(text: str) -> str:
    """A 摘要 one character away from exactly one known term of three or more characters is that term."""
    if not text or text in DESCRIPTION_TERMS:
        return text
    near = [term for term in DESCRIPTION_TERMS if len(term) >= 3 and _one_edit_apart(text, term)]
    return near[0] if len(near) == 1 else text


# Payment platforms name the merchant after their own name and a hyphen (支付宝-美团外卖); OCR reads the
# thin hyphen as a middle dot, a colon or 一, or drops it.
_PLATFORMS = ("支付宝", "财付通")
_LEGAL_FORMS = ("公司", "集团", "中心", "银行")


def snap_counterparty(text: str) -> str:
    """The counterparty in normal form: full-width forms folded, a platform's merchant separator
    restored (支付宝·淘宝 / 支付宝淘宝 -> 支付宝-淘宝); a platform's own legal name is left alone."""
    text = halfwidth(text).strip(" -·•:：")
    for platform in _PLATFORMS:
        if not text.startswith(platform) or len(text) <= len(platform):
            continue
        rest = text[len(platform):].lstrip("-—–·•:：.一_~")
        if rest and rest[0] not in "(（" and not rest.endswith(_LEGAL_FORMS):
            return f"{platform}-{rest}"
    return text


def join_cell(boxes: Sequence[TextBox]) -> str:
    """The text of a cell read as several overlapping runs ("2026-" + "6-02-20"): characters the two runs
    both cover are kept once."""
    text, previous = "", None
    for box in sorted(boxes, key=lambda b: b.x0):
        part = compact(box.text)
        if previous is not None and box.x0 < previous.x1 - 0.2 * box.height:
            for size in range(min(len(text), len(part)), 0, -1):
                if text.endswith(part[:size]):
                    part = part[size:]
                    break
        text += part
        previous = box
    return text


def _text(cells: dict[str, list[TextBox]], role: str) -> str:
    return join_cell(cells.get(role, []))


def read_table(boxes: Sequence[TextBox]) -> StatementTable:
    """Statement rows in page order. A row starts with a date in the date column; a row without one
    continues the previous row's 摘要 or counterparty. 期初余额 / 期末余额 lines give the opening and
    closing balances and are not transactions. A row whose cells do not lie on its date's printed line
    (the right half of a tilted table slid by a row against the left half) is marked not aligned."""
    table = StatementTable(rows=[])
    header = find_header(boxes)
    if header is None:
        return table
    columns, header_bottom = header
    table.has_counterparty = any(column.role == "counterparty" for column in columns)
    body = [b for b in boxes if b.cy >= header_bottom and not _NOT_A_CELL.search(compact(b.text))]
    grouped = rows_with_coordinates(body, row_coordinates(body))
    pitch = _line_pitch(grouped)
    starts: list[dict[str, float]] = []  # per transaction row: where its 摘要 and counterparty start
    widths: list[list[tuple[str, float]]] = []  # per transaction row: its word cells' text and width
    last_line: tuple[float, dict[str, float]] = (0.0, {})  # the last transaction row's line and cell starts
    for items in grouped:
        row = [box for box, _ in items]
        text = "".join(compact(b.text) for b in row)
        if any(word in text for word in _FOOTER_WORDS):
            break
        cells = _cells(row, columns)
        if any(word in text for word in OPENING_WORDS + CLOSING_WORDS):
            _balance_line(table, row, cells, text)
            continue
        date_text = _text(cells, "date")
        when = parse_date(date_text) if date_text else None
        repaired = False
        if when is None and date_text and cells.get("balance"):
            when = repair_date(date_text, table.rows[-1].date if table.rows else None)
            repaired = when is not None
        if when is not None and not cells.get("description"):
            # The 摘要 header was not read (glare, a merged header): the words between the date and the
            # amounts are the description.
            money_x = min((b.x0 for role in ("amount", "credit", "debit", "balance") for b in cells.get(role, [])),
                          default=float("inf"))
            words = [b for b in row if b.x0 < money_x and not _DATE_CELL.match(halfwidth(compact(b.text)))
                     and parse_amount(b.text) is None]
            if words:
                cells["description"] = words
        summary = snap_description(_text(cells, "description"))
        counterparty = snap_counterparty(_text(cells, "counterparty"))
        if when is None:
            if table.rows and not any(role in cells for role in ("amount", "credit", "debit", "balance")):
                _continue_row(table.rows[-1], items, cells, summary, counterparty, last_line, pitch)
            continue
        amount = _signed_amount(cells)
        if amount is None:
            continue
        balance_text = _text(cells, "balance")
        balance = parse_amount(balance_text) if balance_text else None
        kept = [b for role, found in cells.items() if role != "counterparty" for b in found]
        confidence = min(b.confidence for b in kept) if kept else 0.0
        if repaired:
            confidence = min(confidence, 0.5)  # a guessed digit is never trusted
        platform = counterparty.startswith(tuple(f"{name}-" for name in _PLATFORMS))
        counterparty_ocr = min((b.word_confidence if platform and b.word_confidence is not None else b.confidence
                                for b in cells.get("counterparty", [])), default=1.0)
        table.rows.append(StatementRow(when.isoformat(), summary, amount, balance, confidence, confidence,
                                       counterparty=counterparty, counterparty_ocr=counterparty_ocr,
                                       aligned=_on_one_line(items, pitch),
                                       amount_boxes=tuple(b for role in ("amount", "credit", "debit")
                                                          for b in cells.get(role, [])),
                                       balance_boxes=tuple(cells.get("balance", []))))
        starts.append({role: min(b.x0 for b in cells[role]) for role in ("description", "counterparty")
                       if cells.get(role)} | {"height": min(b.height for b in row)})
        last_line = (items[0][1], starts[-1])
        widths.append([(compact(b.text), b.width) for role in ("description", "counterparty")
                       for b in cells.get(role, [])])
        if _scattered(cells.get("description", [])) or _scattered(cells.get("counterparty", [])):
            table.rows[-1].whole = False  # words apart in one cell: a stamp's or a neighbour's text joined it
    _check_left_edges(table.rows, starts)
    _check_text_fills_box(table.rows, widths)
    if table.has_counterparty:
        for row in table.rows:
            if not row.counterparty and not any(word in row.summary for word in _WITHOUT_COUNTERPARTY):
                row.whole = False  # a purchase, transfer or salary names its counterparty: one was not read
    return table


def _scattered(boxes: list[TextBox]) -> bool:
    """A word cell is one run of text: runs with a gap of more than a character between them are not."""
    ordered = sorted(boxes, key=lambda b: b.x0)
    return any(right.x0 - left.x1 > 1.2 * min(left.height, right.height)
               for left, right in zip(ordered, ordered[1:], strict=False))


_CJK_CHAR = re.compile(r"[\u3400-\u9fff]")


def _advance(text: str) -> float:
    """The width of ``text`` in CJK character widths (digits, Latin and punctuation are about half)."""
    return sum(1.0 if _CJK_CHAR.match(char) else 0.55 for char in text)


def _check_text_fills_box(table_rows: list[StatementRow], widths: list[list[tuple[str, float]]]) -> None:
    """A word cell whose box is wider than its text by a whole character lost a character in reading
    (a blurred or half-detected glyph): the width per character is measured on the page's own cells."""
    samples = sorted(width / _advance(text) for cells in widths for text, width in cells if len(text) >= 2)
    if len(samples) < 5:
        return
    per_char = samples[len(samples) // 2]
    for row, cells in zip(table_rows, widths, strict=True):
        if any(width / per_char - _advance(text) > 0.9 for text, width in cells if text):
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
                  summary: str, counterparty: str, last_line: tuple[float, dict[str, float]], pitch: float) -> None:
    """A line without a date or amounts: a word cell of the row above wrapped onto it, when it is the
    next line and starts where that cell starts. Other words there (a stamp's, a note's) are not the
    row's, but the row is no longer trusted as read."""
    line, row_starts = last_line
    next_line = items[0][1] - line <= 1.6 * pitch
    wrapped = next_line and all(role in row_starts and abs(min(b.x0 for b in found) - row_starts[role])
                                <= 0.5 * row_starts["height"] for role, found in cells.items())
    if not wrapped:
        if next_line:
            row.whole = False
        return
    row.summary += summary
    if counterparty:
        row.counterparty = snap_counterparty(row.counterparty + counterparty)


def _balance_line(table: StatementTable, row: list[TextBox], cells: dict[str, list[TextBox]], text: str) -> None:
    numbers = [b for b in row if parse_amount(b.text) is not None and not _DATE_CELL.match(compact(b.text))]
    value = parse_amount(_text(cells, "balance")) if cells.get("balance") else None
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


# Digits blur and JPEG confuse with each other in small print.
_DIGIT_SWAPS = {"0": "986", "9": "08", "8": "036", "6": "085", "5": "63", "3": "85", "1": "7", "7": "1"}


def repair_date(text: str, previous: str | None) -> date | None:
    """A statement date OCR made impossible (2025/00/02): the one-digit repair that lands on or after
    the previous row's date and closest to it. None when nothing fits or there is no previous row."""
    if previous is None:
        return None
    digits = re.sub(r"\D", "", halfwidth(text))
    if len(digits) != 8:
        return None
    after = date.fromisoformat(previous)
    best: date | None = None
    for position in range(4, 8):  # month and day digits
        for swap in _DIGIT_SWAPS.get(digits[position], ""):
            candidate = digits[:position] + swap + digits[position + 1:]
            try:
                value = date(int(candidate[:4]), int(candidate[4:6]), int(candidate[6:]))
            except ValueError:
                continue
            if after <= value <= after + timedelta(days=31) and (best is None or value < best):
                best = value
    return best


def _signed_amount(cells: dict[str, list[TextBox]]) -> Decimal | None:
    def amount_of(role: str) -> Decimal | None:
        text = "".join(compact(b.text) for b in cells.get(role, []))
        return parse_amount(text) if text and text not in ("-", "--") else None

    if "amount" in cells:
        return amount_of("amount")
    credit, debit = amount_of("credit"), amount_of("debit")
    if credit and (debit is None or debit == 0):
        return abs(credit)
    if debit and (credit is None or credit == 0):
        return -abs(debit)
    return None
