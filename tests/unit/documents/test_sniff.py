"""The file's bytes, not its name, decide what it is; the limits the API puts into presigned POSTs."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from loanpipe.domain.errors import RejectedInput
from loanpipe.extraction import sniff
from loanpipe.extraction.sniff import MAX_FILE_BYTES, MAX_OCR_PAGES, MAX_PDF_PAGES, MAX_PIXELS, FileKind, sniff_kind


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "JPEG")
    return buffer.getvalue()


def test_limits_are_exported_for_the_upload_conditions():
    # Then the API can put the limits into the presigned POST conditions
    assert MAX_FILE_BYTES >= 10 * 1024 * 1024
    assert 20_000 * 20_000 > MAX_PIXELS >= 8000 * 6000
    assert 1 < MAX_OCR_PAGES <= MAX_PDF_PAGES < 300


def test_a_jpeg_named_png_is_a_type_mismatch():
    # Given JPEG bytes uploaded as id_card_front.png
    with pytest.raises(RejectedInput) as raised:
        sniff.sniff(_jpeg(), filename="id_card_front.png")
    assert raised.value.code == "type_mismatch"


def test_a_generic_content_type_is_not_a_contradiction():
    # Given a JPEG sent as application/octet-stream without an extension
    result = sniff.sniff(_jpeg(), filename="upload", content_type="application/octet-stream")
    assert result.kind is FileKind.JPEG


def test_a_pdf_header_after_junk_bytes_is_still_a_pdf():
    assert sniff_kind(b"\r\n%PDF-1.4\n...") is FileKind.PDF
