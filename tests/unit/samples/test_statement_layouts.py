"""The generator prints statements in the column layouts Chinese banks use, not in one template."""

from __future__ import annotations

import random
import re
from datetime import date
from decimal import Decimal

import pypdfium2 as pdfium
import pytest

from testkit.samples.statement import build_statement
from testkit.samples.statement_pdf import CLASSIC, LAYOUTS, render_statement_pdf

ON = date(2025, 7, 2)


def _statement():
    return build_statement(random.Random(3), holder="李娜", period_start=date(2025, 1, 1),
                           period_end=date(2025, 6, 30), salary_payer="杭州云帆信息技术有限公司",
                           net_salary=lambda month: Decimal("8800.00"))


def _text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(document[index].get_textpage().get_text_range() for index in range(len(document)))
    finally:
        document.close()


def test_the_layouts_cover_the_amount_columns_banks_print():
    # Then there is a signed column, separate credit/debit columns and a flag beside an unsigned amount
    kinds = {frozenset(layout.columns) & {"amount", "credit", "debit", "flag"} for layout in LAYOUTS.values()}
    assert {frozenset({"amount"}), frozenset({"credit", "debit"}), frozenset({"amount", "flag"})} <= kinds
    assert {layout.header("date") for layout in LAYOUTS.values()} >= {"交易日期", "记账日期", "交易时间"}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_layout_prints_its_column_names_and_every_figure(name):
    layout = LAYOUTS[name]
    statement = _statement()
    # When the statement is exported in this layout
    exported = render_statement_pdf(random.Random(4), statement, printed_on=ON, layout=layout)
    text = _text(exported.data)
    # Then the text layer carries the column names, the holder, every amount unsigned and every balance
    for kind in layout.columns:
        assert layout.header(kind) in text, kind
    assert f"{layout.holder_label}：李娜" in text
    printed = {Decimal(number.replace(",", "")) for number in re.findall(r"\d[\d,]*\.\d{2}", text)}
    for row in statement.rows:
        assert abs(row.amount) in printed and row.balance in printed
    # and the pages hold every row once, in order
    assert [index for start, end in exported.pages for index in range(start, end)] == list(range(len(statement.rows)))
    if "flag" in layout.columns:
        credit, debit = layout.flag_marks
        assert re.search(rf"(?<![A-Z]){credit}(?![A-Z])", text) and re.search(rf"(?<![A-Z]){debit}(?![A-Z])", text)
    if layout.with_time:
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", text)


def test_the_classic_layout_is_what_the_generator_always_printed():
    # Given the same statement and seed, the default layout is the classic one, byte for byte
    statement = _statement()
    assert render_statement_pdf(random.Random(5), statement, printed_on=ON).data == \
        render_statement_pdf(random.Random(5), statement, printed_on=ON, layout=CLASSIC).data
