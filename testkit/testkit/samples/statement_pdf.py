"""The statement exported as a PDF, in the column layouts Chinese banks print.

A ``StatementLayout`` says which columns the table has and what they are called: one signed amount column
(交易金额), separate credit and debit columns (收入/支出, 贷方发生额/借方发生额), or an unsigned amount beside a
debit/credit flag (借/贷, D/C, CR/DR, 收/支); the date column's name (交易日期, 记账日期, 交易时间 with a time of
day), a ¥ mark, a serial number or channel column, counterparties long enough to wrap onto a second line,
and whether the opening and closing balances are table rows or header lines. ``CLASSIC`` is the layout the
generator always used; ``LAYOUTS`` holds every one, so a benchmark over them does not agree with one parser
by construction.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

from testkit.samples.fonts import pdf_font_name
from testkit.samples.seal import seal_rgba
from testkit.samples.statement import Row, Statement
from testkit.samples.text import grouped

PAGE_W, PAGE_H = 595.27, 841.89  # A4 in points
ROWS_PER_PAGE = 42
ROW_H = 14.5
TABLE_LEFT, TABLE_RIGHT = 40.0, PAGE_W - 40.0


@dataclass(frozen=True)
class StatementLayout:
    name: str
    columns: tuple[str, ...]  # kinds, left to right: serial date description amount credit debit flag balance
    #                           counterparty channel
    headers: tuple[tuple[str, str], ...]  # kind -> the printed column name
    widths: tuple[tuple[str, float], ...] = ()  # kind -> points (computed layouts; CLASSIC has fixed positions)
    date_format: str | None = None  # None: the bank's own
    with_time: bool = False  # the date cell carries a time of day
    flag_marks: tuple[str, str] = ("贷", "借")  # (credit, debit) in a flag column
    currency: str = ""  # printed before every amount, e.g. "¥"
    plus_sign: bool | None = None  # credits printed with '+' in a signed column; None: the bank's habit
    holder_label: str = "户名"
    account_label: str = "账号"
    period_label: str = "起止日期"
    balance_rows: bool = True  # 期初余额 / 期末余额 as table rows; otherwise lines above the table
    wrap_at: int = 0  # counterparties longer than this wrap onto a second line (0: never)
    rows_per_page: int = ROWS_PER_PAGE

    def header(self, kind: str) -> str:
        return dict(self.headers)[kind]


CLASSIC = StatementLayout(
    "classic", ("date", "description", "amount", "balance", "counterparty"),
    (("date", "交易日期"), ("description", "摘要"), ("amount", "交易金额"), ("balance", "账户余额"),
     ("counterparty", "对方户名")),
)
LAYOUTS: dict[str, StatementLayout] = {layout.name: layout for layout in (
    CLASSIC,
    StatementLayout(
        "split_income_expense", ("date", "description", "credit", "debit", "balance", "counterparty"),
        (("date", "交易日期"), ("description", "摘要"), ("credit", "收入金额"), ("debit", "支出金额"),
         ("balance", "余额"), ("counterparty", "对方户名/账号")),
        (("date", 70), ("description", 80), ("credit", 75), ("debit", 75), ("balance", 80), ("counterparty", 135)),
        holder_label="客户名称", period_label="查询期间", balance_rows=False),
    StatementLayout(
        "ledger_debit_credit", ("serial", "date", "description", "debit", "credit", "balance", "counterparty"),
        (("serial", "序号"), ("date", "记账日期"), ("description", "交易摘要"), ("debit", "借方发生额"),
         ("credit", "贷方发生额"), ("balance", "账户余额"), ("counterparty", "对方户名")),
        (("serial", 28), ("date", 62), ("description", 72), ("debit", 72), ("credit", 72), ("balance", 78),
         ("counterparty", 131)),
        date_format="%Y%m%d", account_label="卡号", period_label="交易期间", wrap_at=9, rows_per_page=30),
    StatementLayout(
        "flag_jie_dai", ("date", "description", "amount", "flag", "balance", "counterparty", "channel"),
        (("date", "交易日期"), ("description", "摘要"), ("amount", "发生额"), ("flag", "借贷标志"),
         ("balance", "联机余额"), ("counterparty", "对方户名"), ("channel", "交易渠道")),
        (("date", 66), ("description", 70), ("amount", 72), ("flag", 44), ("balance", 76), ("counterparty", 120),
         ("channel", 67)),
        holder_label="账户名称"),
    StatementLayout(
        "flag_cr_dr_time", ("date", "description", "amount", "flag", "balance", "counterparty"),
        (("date", "交易时间"), ("description", "用途"), ("amount", "交易金额"), ("flag", "CR/DR"),
         ("balance", "余额"), ("counterparty", "对方户名")),
        (("date", 108), ("description", 66), ("amount", 78), ("flag", 40), ("balance", 80), ("counterparty", 143)),
        date_format="%Y-%m-%d", with_time=True, flag_marks=("CR", "DR"), currency="¥", period_label="查询起止日期",
        balance_rows=False),
    StatementLayout(
        "signed_yen_dc", ("date", "description", "amount", "flag", "balance", "counterparty"),
        (("date", "交易日期"), ("description", "交易类型"), ("amount", "金额"), ("flag", "收/支"),
         ("balance", "余额"), ("counterparty", "对方账户名称")),
        (("date", 70), ("description", 74), ("amount", 84), ("flag", 40), ("balance", 84), ("counterparty", 163)),
        flag_marks=("收", "支"), currency="¥", wrap_at=11, rows_per_page=32),
)}


@dataclass(frozen=True)
class StatementPdf:
    data: bytes
    pages: list[tuple[int, int]]  # per page: the [start, end) slice of statement.rows printed on it

    @property
    def page_count(self) -> int:
        return len(self.pages)


def paginate(row_count: int, rows_per_page: int = ROWS_PER_PAGE, balance_rows: bool = True
             ) -> list[tuple[int, int]]:
    """Row slices per page; with balance rows the first page also carries the 期初余额 line and the last the
    期末余额 line."""
    if not balance_rows:
        return [(start, min(start + rows_per_page, row_count)) for start in range(0, max(row_count, 1), rows_per_page)]
    line_count = row_count + 2  # opening line, the rows, closing line
    pages = []
    for first_line in range(0, line_count, rows_per_page):
        last_line = min(first_line + rows_per_page, line_count)  # exclusive
        pages.append((max(first_line - 1, 0), min(last_line - 1, row_count)))
    return pages


@dataclass(frozen=True)
class _Cell:
    x: float
    right: bool  # aligned on its right edge at x


def _cells(layout: StatementLayout) -> dict[str, _Cell]:
    if layout is CLASSIC:  # the positions the generator always printed at
        return {"date": _Cell(40, False), "description": _Cell(112, False), "amount": _Cell(300, True),
                "balance": _Cell(392, True), "counterparty": _Cell(404, False)}
    widths, cells, cursor = dict(layout.widths), {}, TABLE_LEFT
    for kind in layout.columns:
        right = kind in ("amount", "credit", "debit", "balance")
        cells[kind] = _Cell(cursor + widths[kind] - 6 if right else cursor, right)
        cursor += widths[kind]
    return cells


def _money(layout: StatementLayout, amount, *, sign: bool = False) -> str:
    return layout.currency + grouped(amount, sign=sign)


def _time_of(index: int) -> time:
    """A plausible time of day for row ``index``, without a random draw (the seeded sequence stays as is)."""
    return time(8 + (index * 7) % 13, (index * 13) % 60, (index * 29) % 60)


def _row_cells(layout: StatementLayout, statement: Statement, row: Row, index: int) -> dict[str, str]:
    date_format = layout.date_format or statement.bank.date_format
    day = row.day.strftime(date_format)
    if layout.with_time:
        day += " " + _time_of(index).strftime("%H:%M:%S")
    cells = {"serial": str(index + 1), "date": day, "description": row.description,
             "balance": _money(layout, row.balance), "counterparty": row.counterparty,
             "channel": ("手机银行", "网上银行", "柜面", "POS", "批量")[index % 5]}
    credit = row.amount > 0
    if "flag" in layout.columns:
        cells["amount"] = _money(layout, abs(row.amount))
        cells["flag"] = layout.flag_marks[0] if credit else layout.flag_marks[1]
    elif "credit" in layout.columns:
        cells["credit" if credit else "debit"] = _money(layout, abs(row.amount))
    else:
        plus = statement.bank.plus_sign if layout.plus_sign is None else layout.plus_sign
        cells["amount"] = _money(layout, row.amount, sign=plus)
    return cells


def _balance_line(layout: StatementLayout, statement: Statement, day: date, label: str, amount) -> dict[str, str]:
    return {"date": day.strftime(layout.date_format or statement.bank.date_format), "description": label,
            "balance": _money(layout, amount)}


def _page_lines(layout: StatementLayout, statement: Statement, start: int, end: int, first: bool,
                last: bool) -> list[dict[str, str]]:
    lines = []
    if first and layout.balance_rows:
        lines.append(_balance_line(layout, statement, statement.period_start, "期初余额", statement.opening))
    lines += [_row_cells(layout, statement, row, start + offset)
              for offset, row in enumerate(statement.rows[start:end])]
    if last and layout.balance_rows:
        lines.append(_balance_line(layout, statement, statement.period_end, "期末余额", statement.closing))
    return lines


def _draw_header(pdf, font: str, layout: StatementLayout, statement: Statement, printed_on: date) -> float:
    """The bank's band and the account block above the table; returns the y of the column names."""
    bank = statement.bank
    top = PAGE_H - 48
    red, green, blue = (channel / 255 for channel in bank.colour)
    pdf.setFillColorRGB(red, green, blue)
    pdf.rect(36, top - 6, PAGE_W - 72, 26, stroke=0, fill=1)
    pdf.setFillColorRGB(1, 1, 1)
    pdf.setFont(font, 14)
    pdf.drawString(46, top + 1, bank.name)
    pdf.setFont(font, 12)
    pdf.drawRightString(PAGE_W - 46, top + 2, bank.title)
    pdf.setFillColorRGB(0.1, 0.1, 0.12)
    pdf.setFont(font, 9.5)
    y = top - 26
    pdf.drawString(40, y, f"{layout.holder_label}：{statement.holder}")
    pdf.drawString(230, y, f"{layout.account_label}：{statement.account_number}")
    y -= 15
    pdf.drawString(40, y, "币种：人民币")
    period = f"{statement.period_start:%Y-%m-%d} 至 {statement.period_end:%Y-%m-%d}"
    pdf.drawString(230, y, f"{layout.period_label}：{period}")
    y -= 15
    pdf.drawString(40, y, f"打印日期：{printed_on:%Y-%m-%d}")
    pdf.drawString(230, y, "钞汇标志：钞")
    if not layout.balance_rows:
        y -= 15
        pdf.drawString(40, y, f"期初余额：{_money(layout, statement.opening)}")
        pdf.drawString(230, y, f"期末余额：{_money(layout, statement.closing)}")
    return y - 22


def _draw_table(pdf, font: str, layout: StatementLayout, y: float, lines: Sequence[dict[str, str]]) -> float:
    cells = _cells(layout)
    pdf.setFillColorRGB(0.9, 0.91, 0.93)
    pdf.rect(36, y - 4, PAGE_W - 72, ROW_H + 1, stroke=0, fill=1)
    pdf.setFillColorRGB(0.1, 0.1, 0.12)
    pdf.setFont(font, 9)
    for kind in layout.columns:
        draw = pdf.drawRightString if cells[kind].right else pdf.drawString
        draw(cells[kind].x, y, layout.header(kind))
    pdf.setFont(font, 8.5)
    for line in lines:
        y -= ROW_H
        wrapped = ""
        for kind in layout.columns:
            text = line.get(kind, "")
            if kind == "counterparty" and layout.wrap_at and len(text) > layout.wrap_at:
                text, wrapped = text[: layout.wrap_at], text[layout.wrap_at:]
            draw = pdf.drawRightString if cells[kind].right else pdf.drawString
            draw(cells[kind].x, y, text)
        if wrapped:  # the rest of a long counterparty on a line of its own, under its column
            y -= ROW_H * 0.8
            pdf.drawString(cells["counterparty"].x, y, wrapped)
        pdf.setStrokeColorRGB(0.85, 0.86, 0.88)
        pdf.setLineWidth(0.4)
        pdf.line(36, y - 4, PAGE_W - 36, y - 4)
    return y


def render_statement_pdf(rng: random.Random, statement: Statement, *, printed_on: date,
                         layout: StatementLayout = CLASSIC) -> StatementPdf:
    """The statement as an online-banking PDF: embedded subset font, extractable text, deterministic bytes."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    font = pdf_font_name("hei")
    bank = statement.bank
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(PAGE_W, PAGE_H), invariant=1)
    pdf.setTitle(f"{bank.name}{bank.title}")
    pdf.setAuthor(bank.legal_name)
    pdf.setCreator(f"{bank.name}网上银行")
    pages = paginate(len(statement.rows), layout.rows_per_page, layout.balance_rows)
    seal = seal_rgba(rng, bank.legal_name, 360, centre_text="电子回单专用章", font_style="hei")
    for page_index, (start, end) in enumerate(pages):
        last = page_index == len(pages) - 1
        y = _draw_header(pdf, font, layout, statement, printed_on)
        y = _draw_table(pdf, font, layout, y, _page_lines(layout, statement, start, end, page_index == 0, last))
        pdf.setFont(font, 8)
        pdf.setFillColorRGB(0.35, 0.35, 0.38)
        pdf.drawString(40, 40, "本明细仅供参考，如与银行系统记录不符，以银行系统记录为准。")
        pdf.drawRightString(PAGE_W - 40, 40, f"第 {page_index + 1} 页 / 共 {len(pages)} 页")
        if last:
            size = 118
            x = PAGE_W - 200 + rng.uniform(-30, 20)
            pdf.drawImage(ImageReader(seal), x, max(50, y - size * 0.55), size, size, mask="auto")
        pdf.showPage()
    pdf.save()
    return StatementPdf(buffer.getvalue(), pages)


def rasterise(pdf_bytes: bytes, dpi: int = 200) -> list:
    """PDF pages as RGB PIL images (pdfium)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf_bytes)
    try:
        images = []
        for index in range(len(document)):
            page = document[index]
            images.append(page.render(scale=dpi / 72).to_pil().convert("RGB"))
            page.close()
        return images
    finally:
        document.close()
