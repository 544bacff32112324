"""PDF input: open safely (``pdfguard`` reads the file's structure first: no active content, bounded
inflation), read the text layer (bank-exported statements need no OCR), or render image-only pages for OCR
with a pixel cap."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from loanpipe.domain.errors import RejectedInput
from loanpipe.domain.native import PDFIUM
from loanpipe.extraction.layout import PageText, TextBox
from loanpipe.extraction.normalize import clean_text
from loanpipe.extraction.pdfguard import active, scan_pdf
from loanpipe.extraction.sniff import MAX_OCR_PAGES, MAX_PDF_PAGE_POINTS, MAX_PDF_PAGES

RENDER_DPI = 200
RENDER_MAX_PIXELS = 12_000_000  # a rendered page never exceeds this, whatever its MediaBox says
MIN_TEXT_CHARS = 20  # a page with fewer real characters in its text layer is treated as image-only
MAX_PAGE_CHARS = 60_000  # a dense statement page has about 5,000; each character read costs a few hundred bytes
_XFA_FORMS = (pdfium_c.FORMTYPE_XFA_FULL, pdfium_c.FORMTYPE_XFA_FOREGROUND)
TEXT_LAYER = "pdf-text"  # the source of a page read from its text layer (no OCR)


@contextmanager
def open_pdf(data: bytes) -> Iterator[pdfium.PdfDocument]:
    """Open a PDF from bytes; active, inflating, encrypted, malformed, empty and over-long documents are
    refused (the structure is checked before pdfium parses anything)."""
    structure = scan_pdf(data)
    with PDFIUM:  # held until the document is closed (domain.native: pdfium is not thread-safe)
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if getattr(exc, "err_code", None) in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
                raise RejectedInput("pdf_encrypted", "the PDF is protected by a password") from exc
            raise RejectedInput("corrupt_file", "the PDF is damaged or not a PDF") from exc
        try:
            pages = len(document)
            if pages == 0:
                raise RejectedInput("corrupt_file", "the PDF has no pages")
            if pages > MAX_PDF_PAGES:
                raise RejectedInput("too_many_pages", f"the PDF has {pages} pages; at most {MAX_PDF_PAGES} are read")
            _check_opened(document, encrypted=structure.encrypted)
            yield document
        finally:
            document.close()


def _check_opened(document: pdfium.PdfDocument, *, encrypted: bool) -> None:
    """What pdfium sees after decryption: document scripts, attachments, XFA. An encrypted file (an owner
    password, no user password: pdfium opens it) hides its streams from the raw scan, so its decrypted copy
    is scanned again."""
    raw = document.raw
    if pdfium_c.FPDFDoc_GetJavaScriptActionCount(raw) > 0:
        raise active("JavaScript")
    if pdfium_c.FPDFDoc_GetAttachmentCount(raw) > 0:
        raise active("an embedded file")
    if pdfium_c.FPDF_GetFormType(raw) in _XFA_FORMS:
        raise active("an XFA form")
    if encrypted:
        copy = io.BytesIO()
        document.save(copy, flags=pdfium_c.FPDF_REMOVE_SECURITY)
        scan_pdf(copy.getvalue())


def check_ocr_pages(count: int, engines: int = 1) -> None:
    """Refuse a scanned PDF with more image-only pages than the CPU budget reads (``MAX_OCR_PAGES`` page
    reads: consensus mode reads each page twice). Decided on the counts alone, before any OCR or clock."""
    allowed = MAX_OCR_PAGES // max(1, engines)
    if count > allowed:
        raise RejectedInput("too_many_pages", f"the PDF has more than {allowed} scanned pages; send at most {allowed}")


def page_size(page: pdfium.PdfPage) -> tuple[float, float]:
    width, height = page.get_size()
    if width <= 0 or height <= 0 or width * height > MAX_PDF_PAGE_POINTS:
        raise RejectedInput("image_too_large", "a PDF page is larger than any document")
    return float(width), float(height)


def read_text_layer(page: pdfium.PdfPage) -> PageText | None:
    """The page's text layer as word boxes (a table cell's words stay apart from the next cell's), in
    points from the top-left. None when the page has (almost) no text layer (a scan wrapped in a PDF).

    The characters' loose boxes are used (the font's ascent to descent): a comma or a point then sits on
    its line like a digit, where its tight box would drop it below the line and split ``10,170.31``."""
    width, height = page_size(page)
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        if count > MAX_PAGE_CHARS:
            raise RejectedInput("pdf_content_too_large",
                                f"a PDF page holds more than {MAX_PAGE_CHARS:,} characters; no statement page does")
        chars: list[TextBox] = []
        for index in range(count):
            code = pdfium_c.FPDFText_GetUnicode(textpage.raw, index)
            char = chr(code) if 0 < code < 0x110000 else ""
            if not char or char in "\r\n\ufffe\uffff":
                continue
            left, bottom, right, top = textpage.get_charbox(index, loose=True)
            if right <= left and not char.isspace():
                continue
            chars.append(TextBox(char, left, height - top, right, height - bottom, 1.0))
    finally:
        textpage.close()
    if sum(1 for c in chars if not c.text.isspace()) < MIN_TEXT_CHARS:
        return None
    return PageText(boxes=tuple(char_words(chars)), width=width, height=height, source=TEXT_LAYER)


WORD_GAP = 0.6  # a gap wider than this share of the line height between two characters ends a word


def char_words(chars: list[TextBox]) -> list[TextBox]:
    """Chars (in content order) into words: a word ends at a space, a line change, or a horizontal gap
    wider than ``WORD_GAP`` line heights (the gap between two table cells)."""
    words: list[TextBox] = []
    current: list[TextBox] = []

    def flush() -> None:
        if current:
            text = clean_text("".join(c.text for c in current))
            words.append(TextBox(text, min(c.x0 for c in current), min(c.y0 for c in current),
                                 max(c.x1 for c in current), max(c.y1 for c in current), 1.0))
        current.clear()

    for char in chars:
        if char.text.isspace():
            flush()
            continue
        if current:
            previous = current[-1]
            line_height = max(previous.height, char.height, 1.0)
            same_line = abs(previous.cy - char.cy) < 0.5 * line_height
            gap = char.x0 - previous.x1
            if not same_line or gap > WORD_GAP * line_height or gap < -0.5 * line_height:
                flush()
        current.append(char)
    flush()
    return words


def render_page(page: pdfium.PdfPage, dpi: int = RENDER_DPI) -> Image.Image:
    """Rasterise a page for OCR at ``dpi``, scaled down if it would exceed the pixel cap."""
    width, height = page_size(page)
    scale = dpi / 72.0
    pixels = width * height * scale * scale
    if pixels > RENDER_MAX_PIXELS:
        scale *= (RENDER_MAX_PIXELS / pixels) ** 0.5
    bitmap = page.render(scale=scale, may_draw_forms=False)
    try:
        return bitmap.to_pil().convert("RGB")
    finally:
        bitmap.close()
