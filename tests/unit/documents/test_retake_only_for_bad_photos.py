"""The quality gate asks the officer for a retake only when the picture is at fault. A readable page whose
layout the parser does not know goes on with what was read (the reviewer completes the rest)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from loanpipe.domain.documents import DocType
from loanpipe.extraction.extract import extract_document
from loanpipe.extraction.preprocess import ImageMeasures
from loanpipe.extraction.quality import field_retake_reasons, statement_retake_reasons, unread_fields
from testkit.samples.fonts import pdf_font_name, pil_font

# A bank's export in a layout the statement parser was not written for: no 户名 label, no table it knows.
UNKNOWN_LAYOUT = ("客户对账单", "客户 张伟  卡 6222 0202 0000 1234 567", "自 2026-05-01 到 2026-10-31",
                  "本页无交易记录", "以上信息仅供参考")


def _text_pdf(lines: tuple[str, ...]) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595, 842), invariant=1)
    pdf.setFont(pdf_font_name("hei"), 12)
    for index, line in enumerate(lines):
        pdf.drawString(60, 780 - 24 * index, line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


NOTES = tuple(f"{index}. 本对账单所列账户信息以本行系统记录为准，如有疑问请致电客服热线。" for index in range(1, 13))


def _sharp_scan(lines: tuple[str, ...]) -> bytes:
    """A flat scan: the page fills the frame, paper a little grey, print in black."""
    page = Image.new("RGB", (1240, 1754), (236, 234, 230))
    draw = ImageDraw.Draw(page)
    font = pil_font("hei", 34)
    for index, line in enumerate(lines):
        draw.text((100, 120 + 70 * index), line, fill=(20, 20, 20), font=font)
    buffer = io.BytesIO()
    page.save(buffer, "PNG")
    return buffer.getvalue()


def test_a_text_layer_pdf_whose_layout_is_not_understood_goes_on_with_a_warning():
    # Given a statement PDF exported by a bank, in a layout the parser does not know
    result = extract_document(_text_pdf(UNKNOWN_LAYOUT), expected_type=DocType.BANK_STATEMENT).result
    # Then no retake is asked (a new upload would read the same), and the officer's tablet says nothing;
    # the unread fields are named in the warnings for the reviewer
    assert result.quality.ok, result.quality.reasons
    assert any("not read on a readable page" in warning for warning in result.warnings)


def test_a_sharp_scan_whose_layout_is_not_understood_goes_on_with_a_warning():
    # Given a sharp, well-lit, complete scan of the same page
    result = extract_document(_sharp_scan(UNKNOWN_LAYOUT + NOTES), expected_type=DocType.BANK_STATEMENT).result
    # Then it is not sent back either
    assert result.quality.ok, result.quality.reasons
    assert any("not read on a readable page" in warning for warning in result.warnings)


def _measures(**changes) -> ImageMeasures:
    sharp = dict(sharpness=400.0, glare_fraction=0.0, brightness=200.0, contrast=120.0, document_fraction=0.6,
                 touches_border=False, found_quad=True, ink_fraction=0.05)
    return ImageMeasures(**{**sharp, **changes})


def test_a_missing_field_on_a_blurred_photo_the_engine_read_poorly_asks_for_a_retake():
    unread = unread_fields(DocType.ID_CARD_FRONT, {}, has_transactions=False, text_layer=False)
    # Given the card's required fields unread on a blurred photo whose text runs were read at 0.6
    reasons = field_retake_reasons(unread, measures=_measures(sharpness=10.0), legible=0.6, text_layer=False)
    # Then the officer is asked to retake it, saying why
    assert reasons == ["blurry"]


def test_a_missing_field_on_a_legible_photo_is_no_retake_whatever_the_measures_say():
    unread = unread_fields(DocType.INCOME_CERTIFICATE, {}, has_transactions=False, text_layer=False)
    # Given a letter's white paper counted as glare, but the engine read the page's runs at 0.97
    reasons = field_retake_reasons(unread, measures=_measures(glare_fraction=0.4), legible=0.97, text_layer=False,
                                   doc_type=DocType.INCOME_CERTIFICATE)
    # Then the picture is not at fault (a letter in a layout the parser does not know): no retake
    assert reasons == []


def test_a_card_field_unread_on_a_blurred_photo_asks_for_a_retake_however_legible_the_rest():
    unread = unread_fields(DocType.ID_CARD_FRONT, {}, has_transactions=False, text_layer=False)
    # Given a blurred card photo whose labels and frame were read at 0.95 (the card has one layout: the state's)
    blurred = field_retake_reasons(unread, measures=_measures(sharpness=20.0), legible=0.95, text_layer=False,
                                   doc_type=DocType.ID_CARD_FRONT)
    # And the same unread fields on a sharp, clean card photo
    sharp = field_retake_reasons(unread, measures=_measures(), legible=0.95, text_layer=False,
                                 doc_type=DocType.ID_CARD_FRONT)
    # Then the blurred one is retaken, saying why; the sharp one is not (the picture is not at fault)
    assert (blurred, sharp) == (["blurry"], [])


def test_a_photographed_statement_whose_balance_confirms_few_rows_on_a_glaring_photo_asks_for_a_retake():
    # Given a photo with glare on which the running balance confirms the figures of 2 rows of 12
    reasons = statement_retake_reasons(10, 12, measures=_measures(glare_fraction=0.1), text_layer=False)
    # Then the officer is asked for a new photo, saying why
    assert reasons == ["glare"]


def test_unconfirmed_rows_on_a_clean_photo_or_a_text_layer_are_no_retake():
    # Given the same rows on a sharp, evenly lit photo (a layout not understood), and on a PDF's text layer
    clean = statement_retake_reasons(10, 12, measures=_measures(), text_layer=False)
    text = statement_retake_reasons(10, 12, measures=None, text_layer=True)
    # Then neither is sent back: a new photo or upload would read the same
    assert (clean, text) == ([], [])


def test_a_few_unconfirmed_rows_on_a_poor_photo_are_no_retake():
    # Given a photo with glare on which 3 of 12 rows are unconfirmed (within the share the reviewer sees)
    assert statement_retake_reasons(3, 12, measures=_measures(glare_fraction=0.1), text_layer=False) == []
