"""A statement table's columns: the header row that names them, and how the text runs of one printed
line fall into its cells (OCR word boxes or the PDF text layer)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from loanpipe.extraction.labels import compact
from loanpipe.extraction.layout import TextBox, rows
from loanpipe.extraction.normalize import halfwidth

# Column roles and the header words Chinese banks print for them. Words are matched longest first, so
# 账户余额 is one balance column and 借方发生额 one debit column, not 发生额 and a stray 借方. Roles that carry
# nothing the contract needs (序号, 币种, 渠道, 对方账号...) are still columns: their words must not
# spill into a neighbour's cell.
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "date": ("交易日期", "记账日期", "入账日期", "发生日期", "交易日", "记账日", "日期"),
    "time": ("交易时间", "记账时间", "时间"),
    "credit": ("收入金额", "存入金额", "贷方发生额", "贷方金额", "收入", "存入", "贷方", "转入金额"),
    "debit": ("支出金额", "支取金额", "借方发生额", "借方金额", "支出", "支取", "借方", "转出金额"),
    "flag": ("借贷标志", "借贷方向", "收支标志", "收支方向", "交易方向", "借/贷", "借贷", "收/支", "收支", "方向",
             "D/C", "C/D", "DR/CR", "CR/DR"),
    "balance": ("账户余额", "联机余额", "可用余额", "交易后余额", "本次余额", "余额"),
    "amount": ("交易金额", "发生额", "金额"),
    "description": ("交易摘要", "摘要", "用途", "附言", "交易说明", "说明", "交易类型", "业务类型", "备注", "交易描述"),
    "counterparty": ("对方户名", "对方账户名称", "对方账户名", "对方名称", "交易对方", "对手方户名", "对方单位",
                     "对方信息", "收/付款人"),
    "counterparty_account": ("对方账号", "对方卡号", "对方账户", "对手方账号"),
    "seq": ("序号", "编号", "笔数"),
    "currency": ("币种", "币别", "货币"),
    "channel": ("交易渠道", "渠道", "交易网点", "网点", "交易地点", "柜员", "交易机构", "钞汇"),
}
_WORDS_LONGEST_FIRST = sorted(((word, role) for role, words in HEADER_WORDS.items() for word in words),
                              key=lambda item: -len(item[0]))
AMOUNT_ROLES = ("amount", "credit", "debit")


@dataclass(frozen=True)
class Column:
    role: str
    x0: float
    x1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    def scaled(self, factor: float) -> Column:
        return Column(self.role, self.x0 * factor, self.x1 * factor)


def _one_misread(text: str, word: str) -> int:
    """Where a four-character header word stands in ``text`` with one character misread (交别金额). A window
    with one character wrong has the word's first or second character in place: only those are compared."""
    size = len(word)
    if len(text) < size:
        return -1
    starts = sorted({i for i, char in enumerate(text[:len(text) - size + 1]) if char == word[0]}
                    | {i - 1 for i, char in enumerate(text[1:len(text) - size + 2], start=1) if char == word[1]})
    return next((i for i in starts if sum(x != y for x, y in zip(text[i:i + size], word, strict=True)) == 1), -1)


@lru_cache(maxsize=4096)
def _matches(text: str, *, fuzzy: bool) -> tuple[tuple[int, int, str], ...]:
    """Every header word in ``text`` as (start, end, role), exactly or with one character misread (a page's
    runs are looked at for a header more than once: the answer is kept)."""
    spans = []
    for word, role in _WORDS_LONGEST_FIRST:
        if fuzzy and len(word) < 4:
            continue
        start = 0
        while start <= len(text) - len(word):
            index = _one_misread(text[start:], word) + start if fuzzy else text.find(word, start)
            if index < start:
                break
            spans.append((index, index + len(word), role))
            start = index + len(word)
    return tuple(spans)


def _roles_in(box: TextBox) -> list[Column]:
    """The columns a header run names. A run that swallowed two headers (账户余额对方户名) is split in
    proportion to the characters of each. A misread word that could be two roles' (货方金额: 贷方 or
    借方?) names neither."""
    text = compact(halfwidth(box.text)).upper()
    found: list[tuple[int, int, str]] = []
    for fuzzy in (False, True):
        spans = _matches(text, fuzzy=fuzzy)
        for index, end, role in spans:
            rivals = {r for s, e, r in spans if (s, e) == (index, end)}
            if fuzzy and len(rivals) > 1:
                continue
            if not any(index < e and s < end for s, e, _ in found):
                found.append((index, end, role))
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


def _header_columns(row: Sequence[TextBox]) -> list[Column]:
    """The columns of a candidate header line, left to right. The first date column is the date; a
    second (记账日期 beside 交易日期) is another column. A table whose only date column is 交易时间 prints
    the date in it (2025-03-04 10:21:33)."""
    columns = sorted((c for box in row for c in _roles_in(box)), key=lambda c: c.x0)
    kept: list[Column] = []
    for column in columns:
        if any(c.role == column.role for c in kept) and column.role not in ("seq", "channel", "currency"):
            column = Column("other", column.x0, column.x1)
        kept.append(column)
    if not any(c.role == "date" for c in kept):
        kept = [Column("date", c.x0, c.x1) if c.role == "time" else c for c in kept]
    return kept


def find_header(boxes: Sequence[TextBox]) -> tuple[list[Column], float] | None:
    """The table's column header: the first row naming a date column and an amount/balance column, else
    a row naming the date column whose other headers were misread (余糕 for 余额), their roles inferred
    from the cells printed under them. Returns the columns (left to right) and the y below which the
    table's rows start."""
    lines = rows(boxes)
    for index, row in enumerate(lines):
        columns = _header_columns(row)
        roles = {c.role for c in columns}
        if "date" in roles and roles & {"amount", "credit", "debit"} and len(columns) >= 3:
            below = lines[index + 1: index + 1 + INFER_LINES]
            return _infer_columns(row, columns, below) or columns, _below(row)
    for index, row in enumerate(lines):
        columns = _header_columns(row)
        if any(c.role == "date" for c in columns) and len(row) >= 4:
            inferred = _infer_columns(row, columns, lines[index + 1: index + 1 + INFER_LINES])
            if inferred is not None:
                return inferred, _below(row)
    return None


def _below(row: Sequence[TextBox]) -> float:
    # Below the header means below its text line (centres), not below its padded boxes.
    return sum(b.cy for b in row) / len(row) + 0.5 * min(b.height for b in row)


INFER_LINES = 8  # lines under a header read to infer the role of a header word that was misread


def _kind(text: str) -> str:
    """What a cell holds: a figure, a date, a time, a 借/贷 mark, or words."""
    text = halfwidth(compact(text)).upper()
    if _MONEY.match(text):
        return "money"
    if DATE_CELL.match(text):
        return "date"
    if _TIME.match(text):
        return "time"
    if flag_mark(text):
        return "flag"
    return "words" if text else ""


def flag_mark(text: str) -> bool:
    return text in ("借", "贷", "收", "支", "D", "C", "DR", "CR", "+", "-")


def _infer_columns(row: Sequence[TextBox], named: list[Column],
                   below: Sequence[Sequence[TextBox]]) -> list[Column] | None:
    """Columns for a header some of whose words were misread: each header word without a role takes the
    role of what is printed under it (figures, 借/贷 marks, times, words); of unnamed figure columns the
    rightmost is the balance when none is named, the others the amounts. None unless a date and an
    amount column result."""
    unnamed = [b for b in row if not _roles_in(b)]
    if not unnamed:
        return None
    kinds: dict[int, list[str]] = {i: [] for i in range(len(unnamed))}
    for line in below:
        for box in line:
            for piece in _pieces(box):
                nearest = min(range(len(unnamed)), key=lambda i: abs(unnamed[i].cx - piece.cx))
                if min(piece.x1, unnamed[nearest].x1) - max(piece.x0, unnamed[nearest].x0) > 0:
                    kinds[nearest].append(_kind(piece.text))
    columns = list(named)
    roles = {c.role for c in named}
    found = []
    for i, box in enumerate(unnamed):
        if kinds[i]:
            kind = max(set(kinds[i]), key=kinds[i].count)
            if kinds[i].count(kind) * 2 > len(kinds[i]):
                found.append((box, kind))
    money = [box for box, kind in found if kind == "money"]
    if money and "balance" not in roles:
        columns.append(Column("balance", money[-1].x0, money[-1].x1))
        money = money[:-1]
    if len(money) == 1 and not roles & set(AMOUNT_ROLES):
        columns.append(Column("amount", money[0].x0, money[0].x1))
    for box, kind in found:
        role = {"flag": "flag", "time": "time", "words": "description"}.get(kind)
        if role and role not in {c.role for c in columns}:
            columns.append(Column(role, box.x0, box.x1))
    final = {c.role for c in columns}
    if "date" in final and final & set(AMOUNT_ROLES):
        return sorted(columns, key=lambda c: c.x0)
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


DATE_CELL = re.compile(r"^(?:19|20)\d{2}[-./年]?\d{1,2}[-./月]?\d{1,2}")


MONEY_ROLES = ("amount", "credit", "debit", "balance")
# A figure as printed or as OCR reads it: thousands grouped by commas (or by points, misread), two decimals.
_FIGURE = r"[+\-]?[¥￥]?(?:CNY|RMB)?(?:\d{1,3}(?:[,.]\d{3})+|\d+)\.\d{2}(?:CR|DR)?"
# A figure run into the words after it; those may start with digits or a dot (23848.9512306铁路客服: a figure
# has two decimals, so 12306 starts the counterparty).
_MONEY_THEN_WORDS = re.compile(rf"^({_FIGURE})(?=[·•:：\-]?\d*[\u3400-\u9fff])")
_MONEY = re.compile(rf"^{_FIGURE}$")
_TIME = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$")
_CJK = re.compile(r"[\u3400-\u9fff]")


def is_figure(text: str) -> bool:
    """A money figure as printed (-1,234.50, ¥8,200.00, 500.00CR), nothing else."""
    return bool(_MONEY.match(halfwidth(compact(text)).upper()))


def advance(text: str) -> float:
    """The printed width of ``text`` in CJK character widths (digits, Latin and punctuation about half)."""
    return sum(1.0 if _CJK.match(char) else 0.55 for char in text)


def _split_at(box: TextBox, text: str, cuts: list[int]) -> list[TextBox]:
    """``box`` cut into pieces at the character positions ``cuts`` of ``text``, each piece's extent in
    proportion to the printed width of its characters."""
    total = max(advance(text), 1e-6)
    pieces, start = [], 0
    for end in [*cuts, len(text)]:
        part = text[start:end].strip()
        if part:
            x0 = box.x0 + box.width * advance(text[:start]) / total
            x1 = box.x0 + box.width * advance(text[:end]) / total
            pieces.append(TextBox(part, x0, box.y0, x1, box.y1, box.confidence, box.angle, box.word_confidence))
        start = end
    return pieces


def _pieces(box: TextBox) -> list[TextBox]:
    """A run as the cells it may hold: OCR reads two cells printed close together as one run (a balance
    and the counterparty after it, 20,809.96滴滴出行; a date and its time, 2025-03-04 10:21:33): the run is
    cut at its spaces, and a date or a figure at the start of a piece is cut from the words after it."""
    text = halfwidth(box.text).strip()
    cuts = [m.start() for m in re.finditer(r"(?<=\S)\s+(?=\S)", text)]
    for token in re.finditer(r"\S+", text):
        word = token.group(0)
        date, figure = DATE_CELL.match(word), _MONEY_THEN_WORDS.match(word)
        if date and date.end() < len(word) and not word[date.end()].isdigit() and not is_figure(word):
            cuts.append(token.start() + date.end())
        elif figure:
            cuts.append(token.start() + figure.end())
    return _split_at(box, text, sorted(set(cuts))) if cuts else [box]


def _role_of(piece: TextBox, columns: list[Column]) -> str:
    text = compact(piece.text)
    if _TIME.match(text):
        return "time"
    money = [c for c in columns if c.role in MONEY_ROLES]
    if _MONEY.match(text.upper()) and money:  # before the date: 19716.65 is a figure, not 1971-6-65
        return _column_for(piece, money).role
    if DATE_CELL.fullmatch(text) and any(c.role == "date" for c in columns):
        return "date"
    return _column_for(piece, columns).role


def cells_of(row: list[TextBox], columns: list[Column]) -> dict[str, list[TextBox]]:
    """The cells of one printed line: each run, or each piece of a run that holds several cells, in the
    column its role and extent give."""
    cells: dict[str, list[TextBox]] = {}
    for box in row:
        pieces = _pieces(box)
        if len(pieces) == 1 and pieces[0] is box:
            cells.setdefault(_role_of(box, columns), []).append(box)
            continue
        for piece in pieces:
            cells.setdefault(_role_of(piece, columns), []).append(piece)
    return cells


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


def cell_text(cells: dict[str, list[TextBox]], role: str) -> str:
    return join_cell(cells.get(role, []))
