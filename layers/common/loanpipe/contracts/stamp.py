"""The signature page stamp: the customer's handwritten signature, the signing date and the consent record,
added to the contract as an incremental update (the contract's own bytes stay untouched before it).

Where things go is read from the contract itself, not assumed: the signature block that ``contracts.render``
draws has the row "借款人签字 Borrower's signature: ____ 日期 Date: ____"; the text layer (pypdfium2) gives
the row's position, so the image lands on the line between the label and "日期 Date:", and the date after
"日期 Date:". The consent record goes below the lowest text of the signature page; when the page has no room
left (the block ended near the bottom), on the first following page that has, or on a page added at the end.

The overlay is drawn with reportlab in the contract's CJK font (embedded as a subset, so the record's Chinese
text extracts like the contract's) and placed on the page as a form XObject, its content wrapped in q/Q so
the page's own graphics state cannot move it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PageObject
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfgen import canvas

from loanpipe.contracts.render import _register_font  # the contract's own CJK font, registered once
from loanpipe.contracts.seal import ConsentRecord, check_signature_image
from loanpipe.domain.native import PDFIUM

CHINA = ZoneInfo("Asia/Shanghai")
SIGNATURE_LABEL = "借款人签字"
DATE_LABEL = "日期 Date:"
BOTTOM_LIMIT = 40.0      # points above the page's lower edge the record must stay clear of
RECORD_SIZE = 7.5        # font size of the consent record
RECORD_LEADING = 10.5
XOBJECT_NAME = "/LoanpipeSignatureStamp"


@dataclass(frozen=True)
class SignatureRow:
    page_index: int
    width: float
    height: float
    left: float           # the signature label's left edge (the text column's left margin)
    line_left: float      # where the signature line starts (after "Borrower's signature:")
    line_right: float     # where it ends (before "日期 Date:")
    date_left: float      # where the date goes (after "日期 Date:")
    baseline: float       # the row's text bottom


def _row(textpage: pdfium.PdfTextPage, needle: str, near: float | None = None) -> tuple[float, float, float] | None:
    """(left, right, bottom) of the last match of ``needle`` (on the row at ``near`` when given)."""
    searcher = textpage.search(needle, match_case=True)
    found = None
    while (match := searcher.get_next()) is not None:
        start, count = match
        left, bottom, _, _ = textpage.get_charbox(start)
        _, _, right, _ = textpage.get_charbox(start + count - 1)
        if near is None or abs(bottom - near) < 4:
            found = (left, right, bottom)
    return found


def _rules(page: pdfium.PdfPage, baseline: float) -> list[tuple[float, float]]:
    """(left, right) of the horizontal lines drawn just under the row at ``baseline`` (the lines to sign on)."""
    found = []
    for item in page.get_objects(max_depth=3):
        if item.type != pdfium_raw.FPDF_PAGEOBJ_PATH:
            continue
        left, bottom, right, top = item.get_bounds()
        if top - bottom < 2 and baseline - 10 <= bottom <= baseline + 2 and right - left > 30:
            found.append((left, right))
    return sorted(found)


def find_signature_row(document: pdfium.PdfDocument) -> SignatureRow:
    """The borrower's signature row of the contract's signature block (the last page that has one): the line
    after "Borrower's signature:" and the one after "日期 Date:" (or, if the lines are not drawn, the space
    between the labels and the text column's right edge)."""
    for index in reversed(range(len(document))):
        page = document[index]
        text = page.get_textpage()
        label = _row(text, SIGNATURE_LABEL)
        if label is None:
            continue
        colon = _row(text, "signature:", near=label[2])
        date = _row(text, DATE_LABEL, near=label[2])
        if colon is None or date is None:
            break
        width, height = page.get_size()
        rules = _rules(page, label[2])
        sign_line = next(((a, b) for a, b in rules if a >= colon[1] - 2 and b <= date[0] + 2),
                         (colon[1] + 4, date[0] - 6))
        date_line = next(((a, b) for a, b in rules if a >= date[1] - 2), (date[1] + 4, width - label[0]))
        return SignatureRow(index, width, height, left=label[0], line_left=sign_line[0], line_right=sign_line[1],
                            date_left=date_line[0] + 4, baseline=label[2])
    raise ValueError("the contract has no borrower's signature row (借款人签字 ... 日期 Date:)")


def _lowest_text(page: pdfium.PdfPage) -> float:
    text = page.get_textpage()
    bottoms = [text.get_rect(i)[1] for i in range(text.count_rects())]
    return min(bottoms, default=page.get_size()[1])


def consent_lines(consent: ConsentRecord) -> list[str]:
    """The consent record as printed, in Chinese and English."""
    def when(moment):
        return moment.astimezone(CHINA).isoformat(sep=" ", timespec="seconds")

    return [
        f"签署记录 Signing record · 合同编号 Contract No. {consent.contract_number}"
        f" · 签署流程 Ceremony {consent.ceremony_id}",
        f"签署人 Signer: {consent.signer_name} · 身份证号 ID number: {consent.signer_id_masked}",
        f"合同摘要 SHA-256 Contract digest: {consent.contract_sha256.lower()}",
        f"签署时间 Signed at: {when(consent.signed_at)}"
        f" · 验证码确认 Code verified at: {when(consent.code_verified_at)}",
        f"地点 Place: {consent.place}",
        f"经办人 Officer: {consent.officer_id}",
        "借款人确认所签即所阅：上述摘要为其签署前阅读之合同文件的 SHA-256。"
        "The borrower signs the contract they read: the digest above is that of the file shown before signing.",
    ]


def _record_box(lines: list[str], font: str, width: float) -> list[str]:
    wrapped: list[str] = []
    for line in lines:
        wrapped += simpleSplit(line, font, RECORD_SIZE, width - 12) or [""]
    return wrapped


def _draw_record(pdf: canvas.Canvas, font: str, lines: list[str], left: float, top: float, width: float) -> None:
    height = len(lines) * RECORD_LEADING + 10
    pdf.setLineWidth(0.6)
    pdf.rect(left, top - height, width, height)
    pdf.setFont(font, RECORD_SIZE)
    for number, line in enumerate(lines):
        pdf.drawString(left + 6, top - 5 - RECORD_LEADING * (number + 1) + 2.5, line)


def _overlay(document: pdfium.PdfDocument, row: SignatureRow, png: bytes, consent: ConsentRecord,
             font: str) -> tuple[bytes, list[int | None]]:
    """The overlay PDF (one page per page it touches) and, for each of its pages, the contract page it goes on
    (None: a page added after the last)."""
    width = row.width - 2 * row.left
    lines = _record_box(consent_lines(consent), font, width)
    needed = len(lines) * RECORD_LEADING + 10
    record_page, record_top = None, row.height - 60.0
    for index in range(row.page_index, len(document)):
        top = _lowest_text(document[index]) - 14
        if top - needed >= BOTTOM_LIMIT:
            record_page, record_top = index, top
            break
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(row.width, row.height), invariant=1)
    box_height = 36.0
    pdf.drawImage(ImageReader(io.BytesIO(png)), row.line_left, row.baseline - 4, row.line_right - row.line_left,
                  box_height, mask="auto", preserveAspectRatio=True, anchor="s")
    pdf.setFont(font, 9)
    pdf.drawString(row.date_left, row.baseline + 1, consent.signed_at.astimezone(CHINA).date().isoformat())
    targets: list[int | None] = [row.page_index]
    if record_page != row.page_index:
        pdf.showPage()
        targets.append(record_page)
    _draw_record(pdf, font, lines, row.left, record_top, width)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue(), targets


def _stream(writer: IncrementalPdfFileWriter, data: bytes) -> generic.IndirectObject:
    return writer.add_object(generic.StreamObject(stream_data=data))


def stamp_signature_page(contract_pdf: bytes, signature_png: bytes, consent: ConsentRecord,
                         font_path: str | None = None) -> bytes:
    """``contract_pdf`` with an incremental update that puts the signature image, the date and the consent
    record on the signature page (see the module docstring)."""
    check_signature_image(signature_png)
    font = _register_font(font_path)
    with PDFIUM:  # pdfium is not thread-safe (domain.native)
        document = pdfium.PdfDocument(contract_pdf)
        try:
            row = find_signature_row(document)
            overlay, targets = _overlay(document, row, signature_png, consent, font)
        finally:
            document.close()
    writer = IncrementalPdfFileWriter(io.BytesIO(contract_pdf), strict=False)
    overlay_reader = PdfFileReader(io.BytesIO(overlay), strict=False)
    resources = generic.DictionaryObject
    for overlay_index, target in enumerate(targets):
        xobject = writer.import_page_as_xobject(overlay_reader, overlay_index)
        names = resources({pdf_name("/XObject"): resources({pdf_name(XOBJECT_NAME): xobject})})
        if target is None:
            content = _stream(writer, f"q {XOBJECT_NAME} Do Q\n".encode())
            page = PageObject(content, [0, 0, row.width, row.height], resources=names)
            writer.insert_page(page)
            continue
        writer.add_stream_to_page(target, _stream(writer, b"q\n"), prepend=True)
        writer.add_stream_to_page(target, _stream(writer, f"Q q {XOBJECT_NAME} Do Q\n".encode()), resources=names)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
