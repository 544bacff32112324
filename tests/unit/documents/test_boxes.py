"""Where each value was read: the box per field and per statement row on the first page's image, which the
extraction keeps beside the result for the reviewer's console."""

from __future__ import annotations

import io
import random
from datetime import date
from decimal import Decimal

import cv2
import numpy as np
from PIL import Image

from loanpipe.domain.documents import DocType, ExtractionResult, FieldValue, Transaction
from loanpipe.extraction.boxes import locate, place_rows
from loanpipe.extraction.extract import extract_document
from loanpipe.extraction.layout import PageText, TextBox
from loanpipe.extraction.parsers.statement_table import StatementRow
from loanpipe.extraction.picture import upright_colour
from testkit.samples.statement import build_statement
from testkit.samples.statement_pdf import LAYOUTS, render_statement_pdf


def _run(text: str, x0: float, y0: float, x1: float, y1: float) -> TextBox:
    return TextBox(text, x0, y0, x1, y1, 0.95)


def test_a_text_pdf_statement_gives_a_box_for_each_row_in_page_order_and_its_page_image():
    # Given a one-page statement exported as a text PDF
    statement = build_statement(random.Random(3), holder="周晓明", period_start=date(2025, 6, 1),
                                period_end=date(2025, 7, 31), salary_payer="成都锦程物流有限公司",
                                net_salary=lambda month: Decimal("7600.00"))
    exported = render_statement_pdf(random.Random(4), statement, printed_on=date(2025, 8, 2),
                                    layout=LAYOUTS[sorted(LAYOUTS)[0]])
    # When it is read
    extraction = extract_document(exported.data, expected_type=DocType.BANK_STATEMENT)
    result = extraction.result
    # Then each row of the first page has a box inside the page, each below the one before
    boxes = [row.box for row in result.transactions if row.box is not None]
    assert len(boxes) >= 10
    assert all(0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1 for x0, y0, x1, y1 in boxes)
    assert all(later[1] > earlier[1] for earlier, later in zip(boxes, boxes[1:], strict=False))
    # And the account number's box lies above the first row (the header), the holder's too
    fields = result.fields
    assert fields["account_number"].box is not None and fields["account_number"].box[3] <= boxes[0][1]
    assert fields["account_holder"].box is not None
    # And the first page comes as a JPEG of the page's shape (A4 portrait) the boxes are normalised to
    picture = extraction.picture
    assert picture is not None and picture.jpeg[:2] == b"\xff\xd8"
    width, height = picture.size
    assert abs(height / width - 297 / 210) < 0.02
    assert Image.open(io.BytesIO(picture.jpeg)).size == picture.size


def test_a_value_is_found_in_the_forms_the_page_prints_it():
    runs = [
        _run("出生 1988年3月12日", 10, 100, 300, 130),
        _run("月收入：12,500.00元", 10, 150, 300, 180),
        _run("月收入 125,000.00", 10, 190, 300, 220),
        _run("住址 北京市朝阳区建国路", 10, 240, 400, 270),
        _run("88号院3号楼", 120, 275, 300, 305),
        _run("公民身份号码 110105 19880312 0014", 10, 400, 500, 430),
        _run("性别男民族汉", 10, 60, 200, 90),
    ]
    assert locate("1988-03-12", runs) is runs[0]
    assert locate("12500.00", runs) is runs[1]  # not 125,000.00
    assert locate("110105198803120014", runs) is runs[5]
    assert locate("男", runs) is runs[6]
    address = locate("北京市朝阳区建国路88号院3号楼", runs)
    assert address is not None and (address.y0, address.y1) == (240, 305)
    assert locate("中国建设银行", runs) is None  # worked out, not printed: no box


def test_a_row_read_on_a_later_page_has_no_box_on_the_first():
    first_runs = (_run("2025-06-01 工资 7600.00 9600.00", 10, 100, 500, 120),)
    later_runs = (_run("2025-07-01 工资 7600.00 17200.00", 10, 100, 500, 120),)
    page = PageText(boxes=first_runs, width=1000, height=2000, source="pdf-text")
    rows = [StatementRow("2025-06-01", "工资", Decimal("7600.00"), Decimal("9600.00"), 1.0, boxes=first_runs),
            StatementRow("2025-07-01", "工资", Decimal("7600.00"), Decimal("17200.00"), 1.0, boxes=later_runs)]
    transactions = [Transaction(date=r.date, description=r.summary, amount=str(r.amount)) for r in rows]
    placed = place_rows(transactions, rows, page)
    assert [t.box for t in placed] == [(0.01, 0.05, 0.5, 0.06), None]


def test_the_page_image_is_turned_as_the_engine_turned_the_page():
    colour = np.zeros((40, 80, 3), np.uint8)
    colour[:10, :20] = (0, 0, 255)  # a red mark top left
    gray = cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY)
    turned = upright_colour(colour, gray, cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE))
    assert turned.shape == (80, 40, 3) and tuple(turned[0, -1]) == (0, 0, 255)  # now top right
    assert upright_colour(colour, gray, gray) is colour


def test_the_contract_carries_a_box_only_where_one_is_known():
    result = ExtractionResult(doc_type=DocType.ID_CARD_FRONT, fields={
        "name": FieldValue(value="张伟", confidence=0.95, box=(0.1, 0.1, 0.3, 0.2)),
        "sex": FieldValue(value="男", confidence=0.95)})
    fields = result.contract_dict()["fields"]
    assert fields == {"name": {"value": "张伟", "confidence": 0.95, "box": [0.1, 0.1, 0.3, 0.2]},
                      "sex": {"value": "男", "confidence": 0.95}}


def test_a_phone_photo_of_the_card_gives_boxes_on_the_upright_card_where_its_fields_are_printed():
    # Given a phone photo (perspective, uneven light) of the portrait side of an ID card
    from testkit.samples import id_card, photo
    from testkit.samples.persona import make_persona

    rng = random.Random(7)
    person = make_persona(rng, date(2026, 11, 20))
    card = id_card.CardFront(person.name, person.sex, person.ethnicity, person.birth, person.address,
                             person.id_number)
    picture, _ = photo.photograph(rng, id_card.render_front(rng, card), "phone")
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, "JPEG", quality=90)
    # When it is read
    extraction = extract_document(buffer.getvalue(), expected_type=DocType.ID_CARD_FRONT)
    fields = extraction.result.fields
    # Then the page image is the card (rectified, landscape) and the boxes lie as the card prints its fields:
    # the name on the upper left, the ID number along the bottom, right of its label
    width, height = extraction.picture.size
    assert abs(width / height - 85.6 / 54) < 0.1
    name, number = fields["name"].box, fields["id_number"].box
    assert name is not None and number is not None
    assert name[1] < 0.3 and name[0] < 0.4
    assert number[1] > 0.7 and number[2] > 0.6
