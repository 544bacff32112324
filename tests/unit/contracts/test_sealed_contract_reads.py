"""What a reader of the sealed contract sees: the Chinese text extracts, every font the text is drawn in is
embedded as a subset, and the consent record with the contract's SHA-256 sits on the signature page."""

from __future__ import annotations

import ctypes
import io
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from loanpipe.contracts.seal import seal_contract
from testkit.signing import BORROWER, consent_for, drawn_signature
from testkit.signing import sample_contract as contract

SUBSET_TAG = re.compile(r"[A-Z]{6}\+")


def _page_texts(pdf: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def _fonts_showing_text(pdf: bytes) -> dict[str, bool]:
    """The font of every character on every page (as PDFium renders them): base name -> embedded."""
    document = pdfium.PdfDocument(pdf)
    fonts: dict[str, bool] = {}
    try:
        for page in document:
            text = page.get_textpage()
            for index in range(text.count_chars()):
                text_object = pdfium_raw.FPDFText_GetTextObject(text.raw, index)
                if not text_object:
                    continue
                font = pdfium_raw.FPDFTextObj_GetFont(text_object)
                name = ctypes.create_string_buffer(256)
                pdfium_raw.FPDFFont_GetBaseFontName(font, name, 256)
                fonts[name.value.decode("latin-1")] = bool(pdfium_raw.FPDFFont_GetIsEmbedded(font))
    finally:
        document.close()
    return fonts


def _font_dictionaries(pdf: bytes) -> list:
    """Every font dictionary in the resources of the pages and of the form XObjects they draw."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    found = []

    def visit(resources) -> None:
        resources = resources.get_object() if resources is not None else {}
        fonts = resources["/Font"] if "/Font" in resources else {}
        found.extend(fonts[name] for name in fonts)
        xobjects = resources["/XObject"] if "/XObject" in resources else {}
        for name in xobjects:
            form = xobjects[name]
            if form.get("/Subtype") == "/Form" and "/Resources" in form:
                visit(form["/Resources"])

    for page_number in range(int(reader.root["/Pages"]["/Count"])):
        page, resources = reader.find_page_for_modification(page_number)
        visit(resources)
    return found


def _font_file(font) -> object | None:
    holder = font["/DescendantFonts"][0] if font.get("/Subtype") == "/Type0" else font
    return holder["/FontDescriptor"].get("/FontFile2")


def test_the_chinese_text_of_the_sealed_contract_extracts(sealed):
    # Given the sealed contract, When its text layer is read page by page
    text = "".join(_page_texts(sealed.pdf))
    # Then the contract's headings, the borrower and the consent record read as written
    for words in ("汽车消费贷款合同", "一、合同当事人", "三、还款计划", "四、签署", "借款人签字",
                  f"借款人 Borrower {BORROWER}", f"签署人 Signer: {BORROWER}", "经办人 Officer: FO-0012",
                  "签署时间 Signed at: 2026-11-20 10:42:05+08:00", "地点 Place: 39.91,116.46"):
        assert words in text, words


def test_every_font_the_text_is_drawn_in_is_embedded_and_subset(sealed):
    # Given the fonts the sealed contract's characters are shown in (the contract's and the stamp's)
    shown = _fonts_showing_text(sealed.pdf)
    assert shown and all(shown.values()), shown
    # Then each is a TrueType subset: its font dictionaries carry a FontFile2 and a subset tag (ABCDEF+)
    for name in shown:
        dictionaries = [font for font in _font_dictionaries(sealed.pdf)
                        if SUBSET_TAG.sub("", str(font["/BaseFont"]).lstrip("/"), count=1) == name]
        assert dictionaries, name
        assert all(SUBSET_TAG.match(str(font["/BaseFont"]).lstrip("/")) for font in dictionaries), name
        assert all(_font_file(font) is not None for font in dictionaries), name


def test_the_consent_record_with_the_contracts_sha256_is_on_the_signature_page(sealed):
    pages = _page_texts(sealed.pdf)
    signature_page = max(i for i, text in enumerate(pages) if "借款人签字" in text)
    page = pages[signature_page].replace("\r", "").replace("\n", " ")
    assert f"合同摘要 SHA-256 Contract digest: {sealed.consent.contract_sha256}" in page
    assert "签署人 Signer" in page and "110105********0014" in page
    # and the signing date is written beside the borrower's signature line
    assert re.search(r"借款人签字 Borrower's signature:.*日期 Date:.*2026-11-20", page)


@pytest.mark.parametrize("months", [12, 48])
def test_the_record_follows_the_signature_block_whatever_the_schedules_length(local_kms, months):
    # Given a contract whose signature block ends high on its page (12 months) or at the foot of one (48)
    pdf = contract(months)
    consent = consent_for(pdf)
    # When it is sealed
    pages = _page_texts(seal_contract(pdf, drawn_signature(), consent, local_kms.identity()))
    # Then the record is on the signature page, or on the first page after it when the block left no room
    signature_page = max(i for i, text in enumerate(pages) if "借款人签字" in text)
    holding = [i for i, text in enumerate(pages) if consent.contract_sha256 in text]
    assert len(holding) == 1 and holding[0] in (signature_page, signature_page + 1)
    assert len(pages) == len(_page_texts(pdf))  # no page was added for it
