"""Bank statements read by the meaning of their columns, not by one template: text-layer PDFs made in the
test in layouts banks print (a 借贷 flag beside an unsigned 发生额, 借方/贷方发生额 columns with CR/DR and ¥
marks, a date and time column, a header not repeated on the next page), read as a user would see them."""

from __future__ import annotations

import io

import pytest

from loanpipe.domain.banks import canonical_bank_name
from loanpipe.domain.documents import DocType
from loanpipe.extraction.extract import extract_document

FONT_FILE = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def _pdf(pages: list[list[tuple[float, float, str]]]) -> bytes:
    """A text-layer PDF: each page a list of (x, y from the top, text) in points on an A4 page."""
    pdfmetrics = pytest.importorskip("reportlab.pdfbase.pdfmetrics")
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("ZenHei", FONT_FILE, subfontIndex=0))
    out = io.BytesIO()
    page_canvas = canvas.Canvas(out, pagesize=(595, 842))
    for items in pages:
        for x, y, text in items:
            page_canvas.setFont("ZenHei", 9)
            page_canvas.drawString(x, 842 - y, text)
        page_canvas.showPage()
    page_canvas.save()
    return out.getvalue()


def _table(columns: list[tuple[float, str]], lines: list[list[str]], *, top: float,
           header: bool = True) -> list[tuple[float, float, str]]:
    items = [(x, top, name) for x, name in columns] if header else []
    for index, cells in enumerate(lines, start=1):
        items.extend((x, top + 14 * index, cell) for (x, _), cell in zip(columns, cells, strict=True) if cell)
    return items


def _read(data: bytes) -> tuple[dict[str, tuple[str | None, float]], list[tuple[str, str, str]]]:
    result = extract_document(data, expected_type=DocType.BANK_STATEMENT, filename="statement.pdf").result
    fields = {name: (value.value, value.confidence) for name, value in result.fields.items()}
    rows = [(t.date, t.amount, t.balance) for t in result.transactions]
    return fields, rows


FLAG_COLUMNS = [(36, "记账日期"), (100, "交易时间"), (150, "借贷标志"), (200, "发生额"), (270, "联机余额"),
                (340, "交易摘要"), (420, "对方户名")]


def test_a_flag_column_signs_unsigned_amounts_and_the_header_carries_to_the_next_page():
    # Given a statement whose amounts are unsigned beside a 借/贷 flag, over two pages, the second
    # printing no header, the account number in groups, the bank named by its short name
    top = [(36, 40, "浦发银行 个人账户交易明细"), (36, 60, "客户姓名:李芸"), (200, 60, "卡号:6228 4847 4640 3751 310"),
           (36, 75, "查询起止日期:20240820 - 20250219"), (36, 90, "上期余额:46,996.75")]
    first = _table(FLAG_COLUMNS, [["20240827", "09:01:19", "借", "2,816.49", "44,180.26", "信用卡还款", "李芸"],
                                  ["20240828", "11:30:23", "贷", "6,481.72", "50,661.98", "代发工资", "博远家具"]],
                   top=110)
    second = _table(FLAG_COLUMNS, [["20240902", "13:55:33", "借", "595.24", "50,066.74", "代扣", "物业费"]],
                    top=60, header=False) + [(36, 100, "期末余额:50,066.74")]
    # When it is read
    fields, rows = _read(_pdf([top + first, second]))
    # Then every row has its sign from the flag, the second page's row included
    assert rows == [("2024-08-27", "-2816.49", "44180.26"), ("2024-08-28", "6481.72", "50661.98"),
                    ("2024-09-02", "-595.24", "50066.74")]
    # And the header fields are in their normal forms, the bank by its full registered name
    assert {name: value for name, (value, _) in fields.items()} == {
        "account_holder": "李芸", "account_number": "6228484746403751310", "bank_name": "上海浦东发展银行",
        "period_start": "2024-08-20", "period_end": "2025-02-19", "opening_balance": "46996.75",
        "closing_balance": "50066.74"}


SPLIT_COLUMNS = [(36, "序号"), (60, "交易日期"), (130, "摘要"), (200, "借方发生额"), (280, "贷方发生额"),
                 (360, "余额"), (430, "对方账号")]


def test_debit_and_credit_columns_with_currency_marks_and_no_printed_balances():
    # Given a statement with 借方发生额 / 贷方发生额 columns, ¥ marks and thousands separators, a date and
    # time in one cell, and no opening or closing balance printed
    top = [(36, 40, "中国工商银行 借记卡账户历史明细"), (36, 60, "户名:孙珩霖"), (200, 60, "账号:6222022309589182347"),
           (36, 75, "起止日期:2024/09/11至2025/03/10")]
    lines = [["1", "2024-09-21 10:21:33", "利息存入", "", "¥5.86", "¥11,731.43", "6222000011112222"],
             ["2", "2024-09-24 08:00:01", "代扣", "¥339.53", "", "¥11,391.90", "6222000011113333"]]
    # When it is read
    fields, rows = _read(_pdf([top + _table(SPLIT_COLUMNS, lines, top=100)]))
    # Then the rows are signed by their columns (借方 out, 贷方 in) and the date comes from the date+time cell
    assert rows == [("2024-09-21", "5.86", "11731.43"), ("2024-09-24", "-339.53", "11391.90")]
    # And the balances worked out from the rows are given, below the review threshold
    assert fields["opening_balance"][0] == "11725.57" and fields["opening_balance"][1] < 0.8
    assert fields["closing_balance"][0] == "11391.90" and fields["closing_balance"][1] < 0.8
    assert fields["bank_name"][0] == "中国工商银行"


def test_cr_dr_marks_after_a_single_amount_column():
    # Given one 交易金额 column whose figures carry a CR/DR mark
    columns = [(36, "交易日期"), (110, "交易类型"), (190, "交易金额"), (280, "账户余额"), (370, "交易渠道")]
    lines = [["2025-03-04", "转账存入", "1,500.00 CR", "3,500.00", "手机银行"],
             ["2025-03-05", "消费", "200.00 DR", "3,300.00", "POS"]]
    top = [(36, 40, "China Merchants Bank 招商银行"), (36, 60, "户名:张伟"), (200, 60, "账号:6214830012345678"),
           (36, 75, "期初余额:2,000.00")]
    # When it is read
    _, rows = _read(_pdf([top + _table(columns, lines, top=100)]))
    # Then CR is money in and DR money out
    assert rows == [("2025-03-04", "1500.00", "3500.00"), ("2025-03-05", "-200.00", "3300.00")]


@pytest.mark.parametrize(("printed", "full"), [
    ("浦发银行", "上海浦东发展银行"), ("工行", "中国工商银行"), ("中国银行股份有限公司北京分行", "中国银行"),
    ("民生银行个人账户对账单", "中国民生银行"), ("PSBC 邮储银行", "中国邮政储蓄银行"), ("ICBC", "中国工商银行"),
    ("开户行:成都农商银行高新支行", "成都农村商业银行"), ("光大银行", "中国光大银行"), ("杭州银行", "杭州银行"),
])
def test_a_bank_is_named_by_its_full_registered_name(printed: str, full: str):
    # Given the bank as a statement prints it (short, English or regional form); Then its registered name
    assert canonical_bank_name(printed) == full


def test_a_text_without_a_bank_names_none():
    assert canonical_bank_name("本明细与银行系统记录一致 ABCD") is None


def _table_rows(data: bytes) -> list[tuple[str, str]]:
    """The rows as the table alone reads them (before the running balance could correct a sign)."""
    from loanpipe.extraction.parsers.statement_table import read_table
    from loanpipe.extraction.pdf import open_pdf, read_text_layer

    with open_pdf(data) as document:
        page = read_text_layer(document[0])
    assert page is not None
    return [(row.date, str(row.amount)) for row in read_table(page.boxes).rows]


@pytest.mark.parametrize(("flag", "sign"), [("借", "-"), ("贷", ""), ("D", "-"), ("C", ""), ("支", "-"), ("收", "")])
def test_the_flag_alone_gives_the_sign(flag: str, sign: str):
    # Given one unsigned amount beside a flag and no balance that could tell the sign
    lines = [["20250304", "10:21:33", flag, "1,234.50", "", "转账", "张三"]]
    # When the table is read; Then the flag signs it
    assert _table_rows(_pdf([_table(FLAG_COLUMNS, lines, top=100)])) == [("2025-03-04", f"{sign}1234.50")]


@pytest.mark.parametrize(("cell", "amount"), [("1,500.00 CR", "1500.00"), ("¥200.00 DR", "-200.00"),
                                              ("-35.50", "-35.50"), ("CNY 8,200.00", "8200.00")])
def test_a_mark_on_the_figure_gives_the_sign(cell: str, amount: str):
    columns = [(36, "交易日期"), (110, "交易类型"), (190, "交易金额"), (280, "账户余额"), (370, "交易渠道")]
    lines = [["2025-03-04", "转账", cell, "", "手机银行"]]
    assert _table_rows(_pdf([_table(columns, lines, top=100)])) == [("2025-03-04", amount)]


def _ocr_line(y: float, cells: list[tuple[float, str]], confidence: float = 0.99) -> list:
    """OCR runs of one printed line: (x, text), each run 18 px a character wide (a space half that)."""
    from loanpipe.extraction.layout import TextBox

    return [TextBox(text, x, y - 14, x + 18 * len(text), y + 14, confidence) for x, text in cells]


def test_ocr_runs_that_swallow_the_next_cell_are_cut_into_their_cells():
    # Given a photographed table whose OCR ran a balance into the counterparty after it, and a date into
    # its time, under a 交易时间 header (the date and time in one column)
    from loanpipe.extraction.parsers.statement_table import read_table

    boxes = _ocr_line(100, [(80, "交易时间"), (400, "摘要"), (600, "交易金额"), (800, "余额"), (1000, "对方户名")])
    boxes += _ocr_line(140, [(60, "2025-03-04 10:21:33"), (400, "消费"), (620, "-35.50"), (800, "964.50京东商城")])
    boxes += _ocr_line(180, [(60, "2025-03-05 08:00:00"), (400, "代发工资"), (620, "8,200.00"),
                             (800, "9,164.50 博远家具")])
    # (a counterparty that starts with digits, an amount with a stray point after it)
    boxes += _ocr_line(220, [(60, "2025-03-06 09:00:00"), (400, "网上支付"), (620, "-666.39."),
                             (800, "8498.1112306铁路客服")])
    # When the table is read
    rows = read_table(boxes).rows
    # Then each row has its date, amount, balance and counterparty
    assert [(r.date, str(r.amount), str(r.balance), r.counterparty) for r in rows] == [
        ("2025-03-04", "-35.50", "964.50", "京东商城"), ("2025-03-05", "8200.00", "9164.50", "博远家具"),
        ("2025-03-06", "-666.39", "8498.11", "12306铁路客服")]


def test_a_misread_header_word_takes_the_role_of_what_is_printed_under_it():
    # Given a header whose 余额 and 借贷 were misread (余糕, 做货): only the date and amount are named
    from loanpipe.extraction.parsers.statement_table import read_table

    boxes = _ocr_line(100, [(80, "记账日期"), (300, "做货"), (450, "发生额"), (700, "余糕")])
    lines = [("20250304", "贷", "1,000.00", "3,000.00"), ("20250305", "借", "250.00", "2,750.00"),
             ("20250306", "借", "50.00", "2,700.00")]
    for index, (day, flag, amount, balance) in enumerate(lines):
        boxes += _ocr_line(140 + 40 * index, [(60, day), (310, flag), (460, amount), (700, balance)])
    # When the table is read
    rows = read_table(boxes).rows
    # Then the figures under 余糕 are the balance and the marks under 做货 sign the amounts
    assert [(r.date, str(r.amount), str(r.balance)) for r in rows] == [
        ("2025-03-04", "1000.00", "3000.00"), ("2025-03-05", "-250.00", "2750.00"), ("2025-03-06", "-50.00", "2700.00")]


def test_a_wrapped_counterparty_is_joined_to_its_row():
    # Given a text-layer statement whose long counterparty wraps onto a second line under its cell
    columns = [(36, "交易日期"), (110, "摘要"), (170, "交易金额"), (250, "余额"), (330, "对方户名")]
    items = _table(columns, [["2025-03-10", "代发工资", "8,200.00", "9,200.00", "中国移动通信集团"],
                             ["", "", "", "", "河北有限公司"],
                             ["2025-03-12", "消费", "-200.00", "9,000.00", "永辉超市"]], top=100)
    data = _pdf([[(36, 40, "中国建设银行"), (36, 60, "户名:王伟"), (36, 75, "期初余额:1,000.00")] + items])
    # When it is read
    result = extract_document(data, expected_type=DocType.BANK_STATEMENT, filename="s.pdf").result
    # Then the row carries the whole counterparty and the next row stands on its own
    assert [(t.date, t.description, t.amount) for t in result.transactions] == [
        ("2025-03-10", "代发工资 中国移动通信集团河北有限公司", "8200.00"), ("2025-03-12", "消费 永辉超市", "-200.00")]


def test_columns_follow_the_lines_of_a_turned_photo():
    # Given a photo turned so that each line sits 12 px further right than the one above, under a header
    # with 收入 and 支出 columns close together
    from loanpipe.extraction.parsers.statement_table import read_table

    boxes = _ocr_line(100, [(80, "交易日期"), (300, "摘要"), (500, "收入金额"), (640, "支出金额"), (800, "余额")])
    lines = [("2025-03-04", "消费", None, "35.50", "964.50"), ("2025-03-05", "代发工资", "8,200.00", None, "9,164.50")]
    lines += [(f"2025-03-{6 + i:02d}", "消费", None, "10.00", f"{9154.50 - 10 * i:,.2f}") for i in range(6)]
    for index, (day, summary, credit, debit, balance) in enumerate(lines):
        drift = 12 * index
        cells = [(60 + drift, day), (300 + drift, summary), (800 + drift, balance)]
        cells += [(520 + drift, credit)] if credit else [(660 + drift, debit)]
        boxes += _ocr_line(140 + 40 * index, cells)
    # When the table is read; Then a late line's figure is still in the column of its own header
    amounts = [str(r.amount) for r in read_table(boxes).rows]
    assert amounts == ["-35.50", "8200.00"] + ["-10.00"] * 6


def test_a_bank_in_the_table_of_banks_is_trusted_on_a_clear_photo_and_an_unknown_bank_phrase_is_not():
    from loanpipe.extraction.confidence import field_confidence
    from loanpipe.extraction.layout import TextBox
    from loanpipe.extraction.parsers.statement_header import read_statement_header

    def bank_confidence(title: str) -> float:
        # Given a photographed statement whose title line an engine read at 0.95 (calibrated below 0.80)
        boxes = [TextBox(title, 100, 50, 700, 80, 0.95), TextBox("户名:张伟", 100, 100, 260, 130, 0.99)]
        # When its header is read
        return field_confidence(read_statement_header(boxes)["bank_name"])

    # Then a bank the table of China's banks names is confirmed by the table
    assert bank_confidence("中国工商银行借记卡账户历史明细清单") >= 0.8
    assert bank_confidence("工行个人账户对账单") >= 0.8
    # But a "...银行" phrase outside it stays doubtful
    assert bank_confidence("星河互助银行个人账户对账单") < 0.8
