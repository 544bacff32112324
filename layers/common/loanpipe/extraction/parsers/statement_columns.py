"""A statement table's columns: the header row that names them, and how the text runs of one printed
line fall into its cells (OCR word boxes or the PDF text layer)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from loanpipe.extraction.labels import compact
from loanpipe.extraction.layout import TextBox, rows
from loanpipe.extraction.normalize import halfwidth

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


@dataclass(frozen=True)
class Column:
    role: str
    x0: float
    x1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


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


DATE_CELL = re.compile(r"^(?:19|20)\d{2}[-./年]?\d{1,2}[-./月]?\d{1,2}")


MONEY_ROLES = ("amount", "credit", "debit", "balance")
_MONEY_THEN_WORDS = re.compile(r"^([+\-]?[\d,]+\.\d{2})(?=[\u3400-\u9fff])")


def cells_of(row: list[TextBox], columns: list[Column]) -> dict[str, list[TextBox]]:
    cells: dict[str, list[TextBox]] = {}
    for box in row:
        text = compact(box.text)
        match = DATE_CELL.match(halfwidth(text))
        column = _column_for(box, columns)
        if match and column.role != "date" and match.end() < len(text):
            # A run that swallowed the date and the next cell (narrow gap): split the date off.
            split_x = box.x0 + box.width * match.end() / max(1, len(text))
            cells.setdefault("date", []).append(
                TextBox(match.group(0), box.x0, box.y0, split_x, box.y1, box.confidence))
            rest = TextBox(text[match.end():], split_x, box.y0, box.x1, box.y1, box.confidence)
            cells.setdefault(_column_for(rest, columns).role, []).append(rest)
            continue
        tail = _MONEY_THEN_WORDS.match(halfwidth(text)) if column.role in MONEY_ROLES else None
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
