"""Statement tables rebuilt from word boxes, and the balance arithmetic that confirms or doubts rows."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from loanpipe.domain.documents import DocType
from loanpipe.extraction.engines import get_engine
from loanpipe.extraction.layout import PageText, TextBox
from loanpipe.extraction.parse import parse_pages
from loanpipe.extraction.parsers.statement_table import read_table
from loanpipe.extraction.second_look import read_undated, read_unnamed
from testkit.samples.fonts import pil_font

HEADER = [("交易日期", 100), ("摘要", 300), ("交易金额", 720), ("账户余额", 970), ("对方户名", 1110)]


def _page(rows: list[tuple[str, str, str, str]], *, slope: float = 0.0, turn: float = 0.0,
          opening: str = "1,000.00", confidence: float = 0.99, counterparty: str = "永辉超市",
          offsets: dict[int, float] | None = None) -> list[TextBox]:
    """Boxes of a photographed statement page whose lines fall by ``slope`` px per px (a tilted photo),
    the slope changing by ``turn`` per px down the page (a keystone); ``offsets`` moves the amount and
    balance of row ``i`` down by that many px."""
    boxes = []

    def put(text: str, x: float, y: float) -> None:
        width = 18 * len(text)
        y += (slope + turn * y) * x
        boxes.append(TextBox(text, x, y - 16, x + width, y + 16, confidence))

    for text, x in HEADER:
        put(text, x, 300)
    put("2026-05-01", 100, 340)
    put("期初余额", 300, 340)
    put(opening, 970, 340)
    for index, (day, description, amount, balance) in enumerate(rows):
        y = 380 + 40 * index
        shift = (offsets or {}).get(index, 0.0)
        put(day, 100, y)
        put(description, 300, y)
        put(amount, 720, y + shift)
        put(balance, 970, y + shift)
        if counterparty:
            put(counterparty, 1110, y + shift)
    return boxes


ROWS = [("2026-05-02", "消费", "-35.50", "964.50"), ("2026-05-05", "代发工资", "+8,200.00", "9,164.50"),
        ("2026-05-06", "快捷支付", "-64.00", "9,100.50")]


def test_rows_of_a_tilted_photo_stay_together():
    # Given a page photographed with a 2 degree tilt: a row's amount sits 30 px higher than its date
    boxes = _page(ROWS, slope=-math.tan(math.radians(2)))
    # When the table is rebuilt
    table = read_table(boxes)
    # Then every row keeps its own date, description (摘要 and counterparty), signed amount and balance
    assert [(r.date, r.description, str(r.amount), str(r.balance)) for r in table.rows] == [
        ("2026-05-02", "消费 永辉超市", "-35.50", "964.50"), ("2026-05-05", "代发工资 永辉超市", "8200.00", "9164.50"),
        ("2026-05-06", "快捷支付 永辉超市", "-64.00", "9100.50")]
    assert str(table.opening[0]) == "1000.00"


def _extract(boxes: list[TextBox]):
    page = PageText(tuple(boxes), 1654, 2339, "rapidocr")
    return parse_pages(DocType.BANK_STATEMENT, [page])


def test_a_minus_sign_lost_by_ocr_is_restored_by_the_running_balance():
    # Given a debit whose thin minus sign OCR did not see
    rows = [ROWS[0], ROWS[1], ("2026-05-06", "快捷支付", "64.00", "9,100.50")]
    # When the statement is parsed
    _, parsed = _extract(_page(rows))
    # Then the balance chain shows it is a debit, and the row is trusted
    assert str(parsed[2].amount) == "-64.00"
    assert parsed[2].confidence >= 0.8


def test_a_decimal_point_lost_by_ocr_is_put_back_where_the_running_balance_places_it():
    # Given a debit of 64.00 read as "6400" and a balance of 9,164.50 read as "916450" (points lost in small print)
    rows = [ROWS[0], ("2026-05-05", "代发工资", "+8,200.00", "916450"), ("2026-05-06", "快捷支付", "-6400", "9,100.50")]
    # When the statement is parsed
    _, parsed = _extract(_page(rows))
    # Then the figures get their points back, the digits as read, and the rows are confirmed
    assert [(str(r.amount), str(r.balance)) for r in parsed[1:]] == [("8200.00", "9164.50"), ("-64.00", "9100.50")]
    assert all(row.confidence >= 0.8 for row in parsed)
    # and so does a figure whose separators were garbled (9.16450 for 9,164.50)
    rows = [ROWS[0], ("2026-05-05", "代发工资", "+8,200.00", "9.16450"), ROWS[2]]
    _, parsed = _extract(_page(rows))
    assert (str(parsed[1].balance), parsed[1].confidence >= 0.8) == ("9164.50", True)
    # but a figure read with its point that breaks the chain is not moved
    rows = [ROWS[0], ROWS[1], ("2026-05-06", "快捷支付", "-6400.00", "9,100.50")]
    _, parsed = _extract(_page(rows))
    assert str(parsed[2].amount) == "-6400.00" and parsed[2].confidence < 0.8


def test_a_date_with_a_misread_year_digit_is_repaired_next_to_its_neighbours():
    # Given a row whose year was read with a 6 for a 0 (2626-05-05, seen on a dev-set scan)
    rows = [ROWS[0], ("2626-05-05", "代发工资", "+8,200.00", "9,164.50"), ROWS[2]]
    # When the statement is parsed
    _, parsed = _extract(_page(rows))
    # Then the row keeps its place with the one-digit repair that falls between its neighbours' dates
    assert [r.date for r in parsed] == ["2026-05-02", "2026-05-05", "2026-05-06"]


def test_a_counterparty_the_reading_lost_is_read_again_in_its_cell():
    # Given a salary row whose 对方户名 was not read (a seal printed over it), the others read
    boxes = _page(ROWS)
    lost = next(b for b in boxes if b.text == "永辉超市" and 380 + 40 - 20 < b.cy < 380 + 40 + 20)
    boxes = [b for b in boxes if b is not lost]
    table = read_table(boxes)
    assert table.rows[1].counterparty == "" and not table.rows[1].whole
    # Then its cell is named for a second look, where the other rows' counterparties stand
    [region] = table.unnamed
    assert region.left <= lost.x0 and region.right >= lost.x1 and region.top <= lost.cy <= region.bottom
    # and read there, the row gets its counterparty back
    image = Image.new("L", (1654, 2339), 255)
    ImageDraw.Draw(image).text((lost.x0, lost.y0 + 2), "永辉超市", fill=40, font=pil_font("song", 28))
    found = read_unnamed(get_engine("rapidocr"), np.asarray(image), table.unnamed)
    assert [b.text for b in found] == ["永辉超市"]
    assert read_table(boxes + found).rows[1].counterparty == "永辉超市"
    # an empty cell gives nothing
    assert read_unnamed(get_engine("rapidocr"), np.full((2339, 1654), 255, np.uint8), table.unnamed) == []


def test_a_row_that_breaks_the_running_balance_is_not_trusted():
    # Given a row whose amount was misread (35.50 read as 36.50)
    rows = [("2026-05-02", "消费", "-36.50", "964.50"), ROWS[1], ROWS[2]]
    # When the statement is parsed
    reads, parsed = _extract(_page(rows))
    # Then that row scores below the review threshold, the others stay trusted
    assert parsed[0].confidence < 0.8
    assert all(row.confidence >= 0.8 for row in parsed[1:])
    assert reads["opening_balance"].value == "1000.00"


def test_an_amount_that_does_not_fit_the_balances_is_kept_as_printed_and_not_trusted():
    # Given an amount one digit away from the difference of the balances around it: "-141.38" where the
    # balances moved by 41.38 (an amount edited on the statement, or a digit misread)
    rows = [("2026-05-02", "消费", "-141.38", "958.62"), ("2026-05-05", "代发工资", "+8,200.00", "9,158.62")]
    # When the statement is parsed
    _, parsed = _extract(_page(rows))
    # Then the amount stays as printed, so the credit checks see the break, and the row goes to review
    assert str(parsed[0].amount) == "-141.38"
    assert parsed[0].confidence < 0.8
    assert parsed[1].confidence >= 0.8


def _printed(boxes: list[TextBox], printed: dict[str, str]) -> np.ndarray:
    """The page image behind ``boxes``: each amount and balance cell printed in figures, ``printed``
    replacing what OCR made of a cell by what the paper shows."""
    image = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(image)
    font = pil_font("digits", 28)
    for box in boxes:
        if box.x0 >= 700 and box.x0 < 1100 and any(ch.isdigit() for ch in box.text):
            draw.text((box.x0, box.y0 + 2), printed.get(box.text, box.text), fill=0, font=font)
    return np.asarray(image)


def test_a_figure_misread_by_one_digit_is_read_again_and_trusted_when_it_adds_up():
    # Given a photographed statement whose balance 964.50 the first OCR read as 964.00
    boxes = _page([("2026-05-02", "消费", "-35.50", "964.00"), ROWS[1], ROWS[2]])
    page = PageText(tuple(boxes), 1654, 2339, "rapidocr", image=_printed(boxes, {"964.00": "964.50"}))
    # When the statement is parsed
    _, parsed = parse_pages(DocType.BANK_STATEMENT, [page])
    # Then the cell read a second time (digits only) gives the printed figure, which adds up: trusted
    assert (str(parsed[0].amount), str(parsed[0].balance)) == ("-35.50", "964.50")
    assert all(row.confidence >= 0.8 for row in parsed)


def test_a_balance_the_first_reading_could_not_parse_is_read_again_from_the_paper():
    # Given a photographed statement whose first balance OCR read as no figure at all
    boxes = _page([("2026-05-02", "消费", "-35.50", "9б4.5O"), ROWS[1], ROWS[2]])
    page = PageText(tuple(boxes), 1654, 2339, "rapidocr", image=_printed(boxes, {"9б4.5O": "964.50"}))
    # When the statement is parsed
    _, parsed = parse_pages(DocType.BANK_STATEMENT, [page])
    # Then the balance printed on the paper is read the second time, and the row adds up
    assert str(parsed[0].balance) == "964.50"
    assert all(row.confidence >= 0.8 for row in parsed)


def test_a_figure_printed_wrong_stays_as_printed_and_doubtful_after_the_second_reading():
    # Given a statement whose paper itself shows a balance that does not add up (an edited figure)
    boxes = _page([("2026-05-02", "消费", "-35.50", "964.00"), ROWS[1], ROWS[2]])
    page = PageText(tuple(boxes), 1654, 2339, "rapidocr", image=_printed(boxes, {}))
    # When the statement is parsed
    _, parsed = parse_pages(DocType.BANK_STATEMENT, [page])
    # Then the second reading agrees with the first: the row stays as printed, not confirmed by the running
    # balance, and its figures are trusted as the paper's (the break is the statement's, not the reading's)
    assert str(parsed[0].balance) == "964.00"
    assert not parsed[0].balanced
    assert parsed[0].figures >= 0.8 and parsed[0].confidence >= 0.8


def test_a_break_after_a_line_the_reading_lost_is_not_trusted_as_the_statements():
    # Given a photographed statement whose second row was printed but not read (no text found on its line)
    rows = [ROWS[0], ("2026-05-04", "消费", "-20.00", "944.50"), ("2026-05-05", "代发工资", "+8,200.00", "9,144.50")]
    boxes = [box for box in _page(rows) if box.y0 < 400 or box.y0 > 440]
    assert len(boxes) < len(_page(rows))  # the lost line's boxes are gone
    page = PageText(tuple(boxes), 1654, 2339, "rapidocr", image=_printed(boxes, {}))
    # When the statement is parsed
    _, parsed = parse_pages(DocType.BANK_STATEMENT, [page])
    # Then the row after the gap breaks the running balance, and nothing says the paper does: its figures
    # stay doubtful (a reader looks), even though both readings of its own cells agree
    assert [row.date for row in parsed] == ["2026-05-02", "2026-05-05"]
    assert parsed[1].after_gap and parsed[1].figures < 0.8


LONG = [(f"2026-05-{day:02d}", "消费", f"-{day}.00", f"{1000 - day * (day + 1) // 2:,}.00") for day in range(1, 31)]


def test_rows_of_a_keystoned_photo_stay_together_from_top_to_bottom():
    # Given a page photographed at an angle: its lines rise to the right at the top (a row's balance sits
    # 35 px above its date) and fall to the right at the bottom, so one slope for the page slides the
    # right half of the table by a row against the left half
    boxes = _page(LONG, slope=-0.045, turn=0.00006)
    # When the table is rebuilt
    rows = read_table(boxes).rows
    # Then every row keeps its own amount and balance, and all are on their date's line
    assert [(r.date, str(r.amount), str(r.balance)) for r in rows] == [
        (day, amount.replace(",", ""), balance.replace(",", "")) for day, _, amount, balance in LONG]
    assert all(r.aligned for r in rows)


def test_a_row_whose_amounts_sit_between_two_lines_is_not_trusted():
    # Given a photo where the amount and balance of one row sit half a line below its date
    rows = [ROWS[0], ROWS[1], ROWS[2]]
    # When the statement is parsed
    _, parsed = _extract(_page(rows, offsets={1: 20.0}))
    # Then that row goes to review (its amounts may be the next row's); the running balance alone
    # could not have told
    assert parsed[1].confidence < 0.8
    assert parsed[0].confidence >= 0.8


def test_a_purchase_without_its_counterparty_is_not_trusted():
    # Given a statement that prints counterparties, photographed so that none was read
    # When the statement is parsed
    _, parsed = _extract(_page(ROWS, counterparty=""))
    # Then the rows read are right but doubtful: a purchase or salary always names its counterparty
    assert [row.description for row in parsed] == ["消费", "代发工资", "快捷支付"]
    assert all(row.confidence < 0.8 for row in parsed)


def test_the_page_number_and_the_seal_on_the_last_line_are_not_a_counterparty():
    # Given a tilted photo whose page number and bank seal words landed on the last row's line
    boxes = _page(ROWS) + [TextBox("第1页/共5页", 1300, 444, 1480, 476, 0.99),
                           TextBox("电子回单专用章", 1250, 430, 1400, 470, 0.95)]
    # When the table is rebuilt
    rows = read_table(boxes).rows
    # Then the counterparty is the printed one
    assert rows[-1].description == "快捷支付 永辉超市"


def test_payment_platform_merchants_keep_their_hyphen():
    # Given counterparties of payment platforms whose thin hyphen OCR read as a dot, a colon or nothing
    from loanpipe.extraction.parsers.statement_terms import snap_counterparty

    # Then they are written as the banks print them; the platforms' own company names are left alone
    assert snap_counterparty("支付宝·美团外卖") == "支付宝-美团外卖"
    assert snap_counterparty("支付宝饿了么") == "支付宝-饿了么"
    assert snap_counterparty("财付通:微信支付") == "财付通-微信支付"
    assert snap_counterparty("支付宝(中国)网络技术有限公司") == "支付宝(中国)网络技术有限公司"
    assert snap_counterparty("财付通支付科技有限公司") == "财付通支付科技有限公司"


def test_a_line_whose_date_the_detector_missed_is_read_again_in_its_date_cell():
    # Given a photographed statement whose second row's date is printed but was not found by the detector
    rows = [ROWS[0], ("2026-05-04", "消费", "-20.00", "944.50"), ("2026-05-05", "代发工资", "+8,200.00", "9,144.50")]
    printed = _page(rows)
    missed = next(box for box in printed if box.text == "2026-05-04")
    boxes = [box for box in printed if box is not missed]
    image = Image.fromarray(_printed(printed, {}))
    ImageDraw.Draw(image).text((missed.x0, missed.y0 + 2), missed.text, fill=0, font=pil_font("digits", 28))
    page = PageText(tuple(boxes), 1654, 2339, "rapidocr", image=np.asarray(image))
    # When the table is read, then the date cell of the line with amounts and no date is read again
    table = read_table(page.boxes)
    assert [row.date for row in table.rows] == ["2026-05-02", "2026-05-05"] and len(table.undated) == 1
    found = read_undated(get_engine("rapidocr"), page.image, table.undated)
    _, parsed = parse_pages(DocType.BANK_STATEMENT, [PageText(page.boxes + tuple(found), 1654, 2339, "rapidocr",
                                                              image=page.image)])
    # Then the row is there with its printed date, and the running balance confirms every row
    assert [(row.date, str(row.amount)) for row in parsed] == [
        ("2026-05-02", "-35.50"), ("2026-05-04", "-20.00"), ("2026-05-05", "8200.00")]
    assert all(row.balanced and not row.after_gap for row in parsed)


def test_dated_lines_whose_figures_were_not_read_are_counted_and_weigh_on_the_retake():
    from loanpipe.extraction import extract
    from loanpipe.extraction.parsers.reads import FieldRead
    from loanpipe.extraction.quality import ImageMeasures
    from loanpipe.extraction.reading import Page

    # Given a photographed page whose glare hid the amount and balance of three of its eight rows
    rows = [(f"2026-05-{day:02d}", "消费", "-1.00", f"{1000 - day:,.2f}") for day in range(1, 9)]
    boxes = [box for box in _page(rows) if not (480 < box.y0 < 570 and 720 <= box.x0 < 1100)]
    # When the table is read
    table = read_table(boxes)
    # Then the rows read are those with figures, and the dated lines without are counted, not dropped silently
    assert [row.date for row in table.rows] == [f"2026-05-{day:02d}" for day in (1, 2, 3, 7, 8)]
    assert table.figureless == 3
    # and on a glaring photo, three lost rows of eight ask for a retake where the five read alone would not
    glare = ImageMeasures(sharpness=200.0, glare_fraction=0.1, brightness=150.0, contrast=120.0,
                          document_fraction=0.8, touches_border=False, found_quad=True, ink_fraction=0.1)
    page = Page(PageText(tuple(boxes), 1654, 2339, "rapidocr"), glare, 1.41)
    checked = parse_pages(DocType.BANK_STATEMENT, [page.text]).rows  # the rows with the balance check done
    reads = {"account_holder": FieldRead("张三", 0.99)}
    for lost, expected in ((0, []), (3, ["glare"])):
        reasons = extract._retake_reasons(DocType.BANK_STATEMENT, reads, checked, [page], [], text_layer=False,
                                          figureless=lost)
        assert reasons == expected
