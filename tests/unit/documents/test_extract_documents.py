"""extract_document on documents rendered by the sample generator: what the officer's tablet and the
reviewer's console show."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from PIL import Image

from loanpipe.domain.documents import DocType
from loanpipe.extraction.extract import extract_document
from testkit.samples import certificate, id_card, photo, statement, statement_pdf
from testkit.samples.persona import make_persona

ON = date(2026, 11, 20)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def persona():
    return make_persona(random.Random(7), ON)


def _front(persona) -> id_card.CardFront:
    return id_card.CardFront(persona.name, persona.sex, persona.ethnicity, persona.birth, persona.address,
                             persona.id_number)


def test_a_scanned_id_card_front_gives_every_field_in_normal_form(persona):
    # Given a flat scan of the portrait side of an ID card
    rng = random.Random(1)
    data = _png(photo.scan(rng, id_card.render_front(rng, _front(persona))))
    # When it is extracted from the ID-front slot
    extraction = extract_document(data, expected_type=DocType.ID_CARD_FRONT, filename="id_card_front.png")
    result = extraction.result
    # Then every field is read in its normal form, trusted, and no retake is asked
    assert result.quality.ok
    assert result.value("name") == persona.name
    assert result.value("sex") == persona.sex
    assert result.value("birth_date") == persona.birth.isoformat()
    assert result.value("id_number") == persona.id_number
    assert result.value("address") == persona.address
    assert result.confidence("id_number") >= 0.8
    assert extraction.engine == "rapidocr"


def test_a_phone_photo_of_the_card_back_reads_the_validity_period(persona):
    # Given a phone photo (perspective, uneven light, JPEG) of the emblem side, valid for the long term
    rng = random.Random(2)
    card = id_card.CardBack(persona.district.issuing_authority, date(2015, 6, 1), None)
    picture, _ = photo.photograph(rng, id_card.render_back(rng, card), "phone")
    data = photo.encode(picture, "jpg", quality=80)
    # When the type is left to the classifier
    result = extract_document(data).result
    # Then it is recognised as the back and the dates are in normal form, 长期 included
    assert result.doc_type is DocType.ID_CARD_BACK
    assert result.value("valid_from") == "2015-06-01"
    assert result.value("valid_until") == "长期"
    assert result.value("issuing_authority") == persona.district.issuing_authority


def test_a_statement_in_the_id_slot_asks_for_the_right_document(persona):
    # Given a scanned statement page uploaded in the ID-front slot
    rng = random.Random(3)
    built = statement.build_statement(rng, holder=persona.name, period_start=ON - timedelta(days=40),
                                      period_end=ON - timedelta(days=10), salary_payer=persona.employer,
                                      net_salary=lambda month: Decimal("9000.00"))
    page = statement_pdf.rasterise(statement_pdf.render_statement_pdf(rng, built, printed_on=ON).data)[0]
    data = _png(photo.scan(rng, page))
    # When it is extracted
    result = extract_document(data, expected_type=DocType.ID_CARD_FRONT).result
    # Then the officer is told it is the wrong document, and what it really is
    assert result.quality.ok is False
    assert "wrong_document" in result.quality.reasons
    assert result.doc_type is DocType.BANK_STATEMENT


def test_a_bank_exported_statement_pdf_is_read_from_its_text_layer(persona):
    # Given the PDF an online bank exports (text layer, several pages)
    rng = random.Random(4)
    built, exported = _statement(rng, persona, days=185, salary="12500.00")
    # When it is extracted
    extraction = extract_document(exported.data, filename="bank_statement.pdf")
    result = extraction.result
    # Then no OCR runs, every row is read with its signed amount and running balance, and trusted; its
    # description is the 摘要 followed by the counterparty (对方户名), so the salary names the employer
    assert extraction.engine == "pdf-text"
    assert extraction.pages == exported.page_count
    assert result.fields["account_holder"].value == built.holder
    assert result.value("opening_balance") == f"{built.opening:.2f}"
    assert result.value("closing_balance") == f"{built.closing:.2f}"
    got = [(t.date, t.description, t.amount, t.balance) for t in result.transactions]
    assert got == [(t["date"], _joined(t), t["amount"], t["balance"]) for t in built.transactions()]
    assert all(t.confidence >= 0.8 for t in result.transactions)
    salary = [t for t in result.transactions if t.description.startswith(built.bank.salary_text)]
    assert salary and all(t.description == f"{built.bank.salary_text} {persona.employer}" for t in salary)


def _statement(rng: random.Random, persona, *, days: int, salary: str):
    """A statement of the persona's last ``days`` days (salary from the employer) and its exported PDF."""
    built = statement.build_statement(rng, holder=persona.name, period_start=ON - timedelta(days=days),
                                      period_end=ON - timedelta(days=3), salary_payer=persona.employer,
                                      net_salary=lambda month: Decimal(salary))
    return built, statement_pdf.render_statement_pdf(rng, built, printed_on=ON)


def _joined(row: dict) -> str:
    return f"{row['description']} {row['counterparty']}" if row["counterparty"] else row["description"]


def test_a_photographed_statement_page_carries_the_counterparty_of_its_rows(persona):
    # Given a phone photo of the first page of a statement whose rows name their counterparties
    rng = random.Random(8)
    built, exported = _statement(rng, persona, days=40, salary="9300.00")
    picture, _ = photo.photograph(rng, statement_pdf.rasterise(exported.data)[0], "phone")
    start, end = exported.pages[0]
    # When it is extracted
    result = extract_document(photo.encode(picture, "jpg", quality=85), filename="bank_statement_1.jpg").result
    # Then the rows read as printed, counterparty included, and every trusted row is right
    truth = [(t["date"], _joined(t), t["amount"], t["balance"]) for t in built.transactions(built.rows[start:end])]
    got = [(t.date, t.description, t.amount, t.balance) for t in result.transactions]
    assert result.quality.ok
    assert sum(row in truth for row in got) >= 0.95 * len(truth)
    assert all(row in truth for row, t in zip(got, result.transactions, strict=True) if t.confidence >= 0.8)
    credits = [t for t in result.transactions if Decimal(t.amount) > 0 and t.description.startswith("代发工资")]
    assert all(persona.employer in t.description for t in credits)


@pytest.mark.parametrize("turn", [Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270, Image.Transpose.ROTATE_180])
def test_a_card_photographed_turned_without_an_exif_tag_reads_like_an_upright_one(persona, turn):
    # Given a phone photo of the card front, taken with the tablet held sideways (or upside down), whose
    # file carries no EXIF orientation tag
    rng = random.Random(9)
    picture, _ = photo.photograph(rng, id_card.render_front(rng, _front(persona)), "phone")
    data = photo.encode(picture.transpose(turn), "jpg", quality=85)
    # When it is extracted with the type left to the classifier
    result = extract_document(data, filename="id_card_front.jpg").result
    # Then it is read as the upright card would be
    assert result.doc_type is DocType.ID_CARD_FRONT
    assert result.quality.ok
    assert result.value("name") == persona.name
    assert result.value("id_number") == persona.id_number
    assert result.value("birth_date") == persona.birth.isoformat()


def test_the_certificate_income_in_capital_numerals_is_confirmed_by_the_figures(persona):
    # Given a certificate stating the income in figures and in capital numerals, stamped with a red seal
    rng = random.Random(5)
    content = certificate.CertificateContent(persona.name, persona.sex, persona.id_number, persona.employer,
                                             persona.position, Decimal("12500.00"), date(2019, 3, 1),
                                             date(2026, 11, 5))
    page = certificate.render_certificate(rng, content, template="letter", amount_style="figures_and_words")
    data = _png(photo.scan(rng, page))
    # When it is extracted
    result = extract_document(data, expected_type=DocType.INCOME_CERTIFICATE).result
    # Then the income is read and, confirmed by both writings, trusted
    assert result.value("monthly_income") == "12500.00"
    assert result.confidence("monthly_income") >= 0.97
    assert result.value("employment_start") == "2019-03-01"
    assert result.value("issue_date") == "2026-11-05"
    assert result.value("employer") == persona.employer


def test_tesseract_engine_still_reads_the_id_number(persona):
    # Given the same scanned card, read by the Tesseract engine (the Lambda layer's fallback)
    rng = random.Random(1)
    data = _png(photo.scan(rng, id_card.render_front(rng, _front(persona))))
    extraction = extract_document(data, expected_type=DocType.ID_CARD_FRONT, engine="tesseract")
    # Then it works and reads the decisive number
    assert extraction.engine == "tesseract"
    assert extraction.result.value("id_number") == persona.id_number


def test_an_unknown_engine_name_is_a_programming_error():
    with pytest.raises(ValueError):
        extract_document(b"\xff\xd8\xff", engine="textract")


def test_consensus_mode_trusts_decisive_fields_both_engines_read_alike(persona):
    # Given a clean scan of the card front read by both engines
    rng = random.Random(1)
    data = _png(photo.scan(rng, id_card.render_front(rng, _front(persona))))
    # When consensus mode is asked for
    extraction = extract_document(data, expected_type=DocType.ID_CARD_FRONT, engine="consensus")
    result = extraction.result
    # Then the ID number both engines agree on is trusted; any field they read differently is flagged
    assert extraction.engine == "consensus"
    assert result.value("id_number") == persona.id_number
    assert result.confidence("id_number") >= 0.95
    for name, field in result.fields.items():
        if any(w.startswith(f"{name}: the two OCR engines") for w in result.warnings):
            assert field.confidence < 0.8


@pytest.mark.parametrize(("mode", "reason"), [("blur", "blurry"), ("dark", "too_dark"), ("cut_off", "cut_off")])
def test_an_unreadable_photo_asks_for_a_retake_saying_why(persona, mode, reason):
    # Given a photo of the card front that no reader could read (heavily blurred, dark, mostly out of frame)
    rng = random.Random(6)
    picture, _ = photo.unreadable(rng, id_card.render_front(rng, _front(persona)), mode)
    data = photo.encode(picture, "jpg", quality=60)
    # When it is extracted from the ID-front slot
    result = extract_document(data, expected_type=DocType.ID_CARD_FRONT).result
    # Then the officer is asked to retake it, with the reason the tablet shows, and any value still
    # trusted (the part of the card in frame) is right
    assert result.quality.ok is False
    assert reason in result.quality.reasons
    truth = {"name": persona.name, "sex": persona.sex, "ethnicity": persona.ethnicity,
             "birth_date": persona.birth.isoformat(), "address": persona.address, "id_number": persona.id_number}
    for name, field in result.fields.items():
        if field.value is not None and field.confidence >= 0.8:
            assert field.value == truth[name]


def _read_page_of(data: bytes):
    """The prepared page and what the default engine read on it, as the extraction sees them."""
    from loanpipe.extraction.preprocess import prepare
    from loanpipe.extraction.reading import ocr_page
    from loanpipe.extraction.sniff import open_image

    return ocr_page(prepare(open_image(data, max_side=2400)), "rapidocr")


def test_the_sex_is_read_from_its_zone_when_the_detector_found_no_text_after_the_label(persona):
    from dataclasses import replace

    from loanpipe.extraction.engines import get_engine
    from loanpipe.extraction.second_look import read_lone_sex

    # Given a card front whose page-wide detection lost the one-character sex (as it now and then does)
    rng = random.Random(1)
    page = _read_page_of(_png(photo.scan(rng, id_card.render_front(rng, _front(persona)))))
    engine = get_engine("rapidocr")
    detection = engine.detect(page.image, det_scale=1.0)
    boxes = []
    for box in engine.recognise(detection):
        if box.text.startswith("性别"):  # read with its value ("性别男"): keep the label's part only
            box = replace(box, text="性别", x1=box.x0 + (box.x1 - box.x0) * 0.55)
        boxes.append(box)
    # When the card's layout is used to read the zone right of the 性别 label
    found = read_lone_sex(engine, page.image, boxes)
    # Then the sex printed there is read
    assert [b.text for b in found if b.text in ("男", "女")] == [persona.sex]


def test_the_certificate_date_under_the_seal_is_searched_again_below_the_signing_line(persona):
    from dataclasses import replace

    from loanpipe.extraction.engines import get_engine
    from loanpipe.extraction.second_look import read_below_signature

    # Given a certificate page whose page-wide detection lost the date printed under the seal
    rng = random.Random(5)
    content = certificate.CertificateContent(persona.name, persona.sex, persona.id_number, persona.employer,
                                             persona.position, Decimal("12500.00"), date(2019, 3, 1),
                                             date(2026, 11, 5))
    page = _read_page_of(_png(photo.scan(rng, certificate.render_certificate(rng, content, template="letter"))))
    lost = replace(page, boxes=tuple(b for b in page.boxes if "2026" not in b.text))
    # When the band below the signing line is searched again
    found = read_below_signature(get_engine("rapidocr"), lost)
    # Then the date is read there
    assert any("2026年11月05日" in b.text.replace(" ", "") for b in found), [b.text for b in found]
