"""Active PDFs and decompression bombs are refused before any page is read, with a reason the officer sees.

The files are real PDFs (pdfium opens every one of them and, where it can tell, sees the script, the
attachment or the XFA form); they are written object by object in the bad-input corpus."""

from __future__ import annotations

import base64
import io
import random
import re
import tracemalloc
import zlib

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from reportlab.lib import pdfencrypt
from reportlab.pdfgen import canvas

from loanpipe.domain.errors import RejectedInput
from loanpipe.domain.reasons import ReasonKind, describe, kind_of
from loanpipe.extraction.extract import extract_document
from loanpipe.extraction.pdfguard import MAX_STREAM_INFLATED, scan_pdf
from loanpipe.extraction.pdfstreams import a85decode, decoded
from testkit import bad_inputs as corpus

ACTIVE = [
    corpus.open_action_javascript, corpus.javascript_name_tree, corpus.page_open_action, corpus.launch_action,
    corpus.embedded_executable, corpus.open_action_with_embedded_executable, corpus.file_attachment_annotation,
    corpus.rich_media_annotation, corpus.xfa_form, corpus.hex_escaped_javascript,
    corpus.javascript_in_object_stream, corpus.uri_on_open,
]


def _pdfium_sees(data: bytes) -> dict:
    document = pdfium.PdfDocument(data)
    try:
        return {"pages": len(document), "scripts": pdfium_c.FPDFDoc_GetJavaScriptActionCount(document.raw),
                "attachments": pdfium_c.FPDFDoc_GetAttachmentCount(document.raw),
                "xfa": pdfium_c.FPDF_GetFormType(document.raw) in (pdfium_c.FORMTYPE_XFA_FULL,
                                                                    pdfium_c.FORMTYPE_XFA_FOREGROUND)}
    finally:
        document.close()


@pytest.mark.parametrize("build", ACTIVE, ids=lambda build: build.__name__)
def test_a_statement_carrying_active_content_is_refused_with_a_reason(build):
    # Given a one-page statement PDF that a PDF reader opens, carrying a script, an action or an attachment
    data = build()
    assert _pdfium_sees(data)["pages"] == 1
    # When the extract stage reads it as a bank statement
    with pytest.raises(RejectedInput) as refused:
        extract_document(data, expected_type="bank_statement", filename="bank_statement.pdf")
    # Then it is refused before any page is read, with an INPUT reason the tablet explains
    assert refused.value.code == "pdf_active_content"
    assert kind_of("pdf_active_content") is ReasonKind.INPUT and describe("pdf_active_content")["zh"]
    assert "send the bank's own export" in refused.value.message


def test_the_attack_files_carry_what_they_claim_as_pdfium_reads_them():
    assert _pdfium_sees(corpus.javascript_name_tree())["scripts"] == 1
    assert _pdfium_sees(corpus.embedded_executable())["attachments"] == 1
    assert _pdfium_sees(corpus.open_action_with_embedded_executable())["attachments"] == 1
    assert _pdfium_sees(corpus.xfa_form())["xfa"]


def test_an_ordinary_open_at_the_first_page_is_not_active_content():
    # Given a statement whose /OpenAction only opens it at page 1, fit to the window (bank exports do)
    extraction = extract_document(corpus.plain_open_action(), expected_type="bank_statement",
                                  filename="bank_statement.pdf")
    # Then it is read from its text layer like any other
    assert extraction.engine == "pdf-text" and "Account statement" in extraction.text


def test_a_pdf_with_only_an_owner_password_is_still_read_and_its_decrypted_copy_checked():
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, encrypt=pdfencrypt.StandardEncryption("", ownerPassword="bank", canModify=0))
    page.drawString(72, 760, "Account statement 2026-01-01 to 2026-03-31")
    page.showPage()
    page.save()
    assert b"/Encrypt" in buffer.getvalue()
    extraction = extract_document(buffer.getvalue(), expected_type="bank_statement", filename="bank_statement.pdf")
    assert "Account statement" in extraction.text


@pytest.mark.parametrize(("build", "code"), [
    (corpus.flate_bomb, "pdf_content_too_large"),
    (corpus.double_flate_bomb, "pdf_content_too_large"),
    (corpus.object_stream_bomb, "pdf_content_too_large"),
    (corpus.lzw_bomb, "pdf_content_too_large"),
    (corpus.image_bomb, "image_too_large"),
    (corpus.dense_text_page, "pdf_content_too_large"),
], ids=lambda value: getattr(value, "__name__", value))
def test_a_pdf_that_inflates_beyond_any_document_is_refused_while_holding_little_memory(build, code):
    # Given a small PDF whose streams inflate to hundreds of MB or more (the issue's: 1.6 MB -> 1.6 GB)
    data = build()
    # When the extract stage reads it
    tracemalloc.start()
    try:
        with pytest.raises(RejectedInput) as refused:
            extract_document(data, expected_type="bank_statement", filename="bank_statement.pdf")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Then it is refused with its reason, and counting the inflation held a few MB, never the content
    assert refused.value.code == code
    assert peak < 64 * 1024 * 1024


def test_the_issue_attack_is_refused_after_counting_at_most_one_stream_limit():
    data = corpus.flate_bomb()
    assert len(data) < 2 * 1024 * 1024  # the 1.6 MB file of the report
    with pytest.raises(RejectedInput, match=f"more than {MAX_STREAM_INFLATED // 2**20} MB"):
        scan_pdf(data)


def test_the_guard_decodes_lzw_as_pdfium_does():
    # Given a statement page whose content stream is LZW-coded (an old exporter's choice)
    content = corpus._TEXT * 300
    coded = corpus.lzw_encode(content)
    pdf = corpus.raw_pdf(content=b"<< /Length %d /Filter /LZWDecode >>\nstream\n" % len(coded) + coded
                         + b"\nendstream")
    # Then the guard's decoder gives back the content, pdfium reads the same page, and the file is accepted
    assert b"".join(decoded(coded, [b"LZWDecode"])) == content
    document = pdfium.PdfDocument(pdf)
    try:
        assert document[0].get_textpage().get_text_range().startswith("Account statement 2026-01-01")
    finally:
        document.close()
    scan_pdf(pdf)


def test_the_guard_decodes_ascii85_as_the_standard_library_does():
    # Given ASCII85 texts as exporters write them (zero groups as z, a short last group, the ~> end mark, lines
    # broken) and damaged ones (a z inside a group, a digit past u, a group over 2^32, a > among the digits)
    rng = random.Random(8)
    texts = []
    for size in (0, 1, 2, 3, 4, 5, 9, 64, 1000):
        raw = bytes(rng.randrange(256) if rng.random() < 0.7 else 0 for _ in range(size))
        texts.append(base64.a85encode(raw, wrapcol=30) + b"~>")
    texts += [b"zz!!", b"!!z!!", b"s8W-\"", b"s8W-!", b"s8W-\"~>", b"oB4>", b"9jqo^v", b"9jq~o^~>", b"",
              b"z" * 100_000, b"!!!!!" + b"z" * 1000 + b"s8W-!z"]
    texts += [bytes(rng.choice(b"!#&+0<>@Zsuz~") for _ in range(rng.randint(1, 12))) for _ in range(2000)]
    for text in texts:
        stripped = re.sub(rb"\s", b"", text)
        try:
            expected = base64.a85decode(stripped, adobe=False, ignorechars=b"~>")
        except ValueError:
            expected = None
        # Then the guard's decoder gives the same bytes, and refuses what the library refuses
        if expected is None:
            with pytest.raises(ValueError):
                a85decode(stripped)
        else:
            assert a85decode(stripped) == expected, text
    # And a stream coded ASCII85 then Flate (as reportlab writes page contents) inflates to its content
    content = corpus._TEXT * 300
    coded = base64.a85encode(zlib.compress(content), wrapcol=72) + b"~>"
    assert b"".join(decoded(coded, [b"ASCII85Decode", b"FlateDecode"])) == content


def test_names_inside_a_string_are_text_not_active_content():
    # Given a statement whose title reads "A/AA (copy/JS)": a string, which no reader takes names from
    pdf = corpus.raw_pdf(catalog=b"/Info << /Title (Statement A/AA \\(copy/JS\\)) >>")
    # Then it is not refused
    scan_pdf(pdf)
