"""The extraction entry point: bytes of an uploaded document in, the extraction contract out.

sniff type & limits -> decode (or open the PDF) -> preprocess -> OCR (or the PDF text layer)
-> classify -> parse fields -> confidence -> quality gate.

Unusable files raise ``RejectedInput`` (INPUT-family code); a readable file whose photo is not good
enough returns ``quality.ok = False`` with RETAKE-family codes.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal

import cv2
import numpy as np
from PIL import Image

from loanpipe.domain.documents import (
    DECISIVE_FIELDS,
    FIELDS,
    DocType,
    ExtractionResult,
    FieldValue,
    Quality,
    Transaction,
)
from loanpipe.domain.errors import RejectedInput
from loanpipe.domain.money import money_str
from loanpipe.extraction import fields as parsers
from loanpipe.extraction.classify import Classification, classify_text
from loanpipe.extraction.confidence import (
    AGREE_FLOOR,
    calibrate,
    combine,
    counterparty_confidence,
    field_confidence,
)
from loanpipe.extraction.engines import PAGE_REC_MIN_WIDTH, Detection, OcrUnavailable, RapidOcrEngine, get_engine
from loanpipe.extraction.fields import Check, FieldRead
from loanpipe.extraction.labels import compact
from loanpipe.extraction.layout import PageText, TextBox
from loanpipe.extraction.normalize import clean_text, find_sex, parse_amount
from loanpipe.extraction.pdf import check_ocr_pages, open_pdf, read_text_layer, render_page
from loanpipe.extraction.preprocess import A4_ASPECT, ID_CARD_ASPECT, WORK_SIDE, ImageMeasures, PreparedPage, prepare
from loanpipe.extraction.quality import diagnose, field_retake_reasons, image_retake_reasons
from loanpipe.extraction.settings import extraction_settings
from loanpipe.extraction.sniff import (  # the limits are re-exported for the API's presigned POST
    MAX_FILE_BYTES,
    MAX_OCR_PAGES,
    MAX_PDF_PAGES,
    MAX_PIXELS,
    FileKind,
    open_image,
    sniff,
)
from loanpipe.extraction.statement import (
    DESCRIPTION_TERMS,
    StatementRow,
    description_fits_sign,
    find_header,
    read_table,
)

logger = logging.getLogger(__name__)

__all__ = ["MAX_FILE_BYTES", "MAX_OCR_PAGES", "MAX_PDF_PAGES", "MAX_PIXELS", "Extraction", "extract_document"]

ENGINES = ("rapidocr", "tesseract", "consensus")
MAX_DOUBTFUL_ROWS = 0.3  # share of statement rows breaking the running balance above which a retake is asked


@dataclass(frozen=True)
class Extraction:
    result: ExtractionResult  # the contract object
    text: str  # the raw text read (for the reviewer's console)
    engine: str  # "rapidocr" | "tesseract" | "consensus" | "pdf-text"
    pages: int


class Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.started = time.monotonic()

    def remaining(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    def check(self, what: str) -> None:
        if self.remaining() <= 0:
            raise RejectedInput("too_many_pages", f"the document takes too long to read ({what}); send fewer pages")


@dataclass
class _Page:
    """One page as read: its text runs, and for photos/scans the prepared image's measures."""

    text: PageText
    measures: ImageMeasures | None = None
    aspect: float = 1.414
    extra: dict = field(default_factory=dict)


_PARSERS: dict[DocType, Callable] = {
    DocType.ID_CARD_FRONT: parsers.read_id_card_front,
    DocType.ID_CARD_BACK: parsers.read_id_card_back,
    DocType.INCOME_CERTIFICATE: parsers.read_income_certificate,
    DocType.BANK_STATEMENT: parsers.read_statement_header,
}


# The detector needs glyphs of ~12-20 px: an ID card at 640 px, a page at 1000 px on the long side.
DET_LONG_SIDE_CARD = 640
DET_LONG_SIDE_PAGE = 1000
DET_LONG_SIDE_PROBE = 360  # enough to find a card's lines and tell which way they run


def _ocr_page(prepared: PreparedPage, engine_name: str) -> PageText:
    engine = get_engine(engine_name)
    card = _is_card(prepared.aspect)
    image = prepared.gray
    if isinstance(engine, RapidOcrEngine):
        target = DET_LONG_SIDE_CARD if card else DET_LONG_SIDE_PAGE
        if card and image.shape[0] > image.shape[1]:
            # A card standing upright in the photo is turned a quarter: which way, the direction classifier
            # says from the lines a quick detection on a small copy finds.
            probe = engine.detect(image, det_scale=min(1.0, DET_LONG_SIDE_PROBE / max(image.shape[:2])))
            image = cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE if engine.upside_down(probe)
                               else cv2.ROTATE_90_COUNTERCLOCKWISE)
        detection = engine.detect(image, det_scale=min(1.0, target / max(image.shape[:2])))
        # A photo taken with the tablet held sideways (or upside down) and no EXIF orientation tag: the
        # detected lines run top to bottom, or the direction classifier reads them upside down. The
        # text is found again on the turned image (the detector finds upright lines more precisely).
        turn = None
        if _lines_run_vertically(detection.frames):
            turn = cv2.ROTATE_90_CLOCKWISE if engine.upside_down(detection) else cv2.ROTATE_90_COUNTERCLOCKWISE
        elif engine.upside_down(detection):
            turn = cv2.ROTATE_180
        if turn is not None:
            image = cv2.rotate(image, turn)
            detection = engine.detect(image, det_scale=min(1.0, target / max(image.shape[:2])))
        boxes = _read_lone_sex(engine, detection, engine.recognise(detection)) if card \
            else _read_page(engine, detection)
    else:
        boxes = engine.read(image)
    height, width = image.shape[:2]
    # The page image goes along for a second reading of figures the running balance does not confirm.
    return PageText(boxes=tuple(boxes), width=width, height=height, source=engine_name, extra={"image": image})


def _read_lone_sex(engine: RapidOcrEngine, detection: Detection, boxes: list[TextBox]) -> list[TextBox]:
    """The card's sex is one character (男 / 女) standing alone after its label, and the detector now and
    then finds no text there. When the 性别 label was read with nothing after it on its line, the zone
    right of the label (two glyphs wide) is read as it is printed, by the card's layout."""
    label = next((b for b in boxes if compact(b.text) == "性别"), None)
    if label is None or any(b is not label and abs(b.cy - label.cy) < 0.5 * label.height
                            and 0 <= b.x0 - label.x1 < 1.5 * label.height for b in boxes):
        return boxes
    height = label.height
    top, bottom = max(0, int(label.y0)), min(detection.image.shape[0], int(label.y1))
    left = min(detection.image.shape[1], int(label.x1 + 0.3 * height))
    right = min(detection.image.shape[1], int(label.x1 + 2.6 * height))
    if bottom - top < 8 or right - left < 8:
        return boxes
    text, confidence, _ = engine.recognise_crops([detection.image[top:bottom, left:right]])[0]
    text = compact(clean_text(text))
    sex = find_sex(text) if len(text) <= 2 else None  # the zone may catch the label's last stroke
    if sex is None:
        return boxes
    return [*boxes, TextBox(sex, left, top, right, bottom, confidence)]


def _lines_run_vertically(frames: list[TextBox]) -> bool:
    """Most of the detected text (by length) lies in boxes much taller than wide."""
    tall = sum(f.height for f in frames if f.height > 2 * f.width)
    wide = sum(f.width for f in frames if f.width > 2 * f.height)
    return tall > max(wide, 1.0)


def _read_page(engine: RapidOcrEngine, detection: Detection) -> list[TextBox]:
    """Recognise a page's text. The top of the page first: when it holds a statement table's header,
    the lines printed below the table (the disclaimer, the page number) are not read."""
    height = detection.image.shape[0]
    top = [i for i, frame in enumerate(detection.frames) if frame.y1 <= 0.3 * height]
    boxes = engine.recognise(detection, top, min_width=PAGE_REC_MIN_WIDTH)
    header = find_header(boxes)
    taken = set(top)
    rest = [i for i in range(len(detection.frames)) if i not in taken]
    if header is not None:
        rest = [i for i in rest if i not in _below_table(detection.frames, header)]
    boxes += engine.recognise(detection, rest, min_width=PAGE_REC_MIN_WIDTH)
    return _complete_cut_dates(engine, detection, boxes)


def _below_table(frames: list[TextBox], header: tuple[list, float]) -> set[int]:
    """Detected text more than a line below the last cell of the date column: not the table's."""
    columns, header_bottom = header
    date_column = next((c for c in columns if c.role == "date"), None)
    if date_column is None:
        return set()
    in_column = [f for f in frames
                 if f.cy > header_bottom and min(f.x1, date_column.x1) - max(f.x0, date_column.x0) > 0]
    if len(in_column) < 3:
        return set()
    typical = float(np.median([f.width for f in in_column]))
    cells = [f for f in in_column if f.width <= 1.6 * typical]
    if not cells:
        return set()
    line = float(np.median([f.height for f in cells]))
    end = max(f.y1 for f in cells) + 1.5 * line
    return {i for i, f in enumerate(frames) if f.y0 > end}


_FULL_DATE = re.compile(r"^(?:19|20)\d{2}[-./]?\d{2}[-./]?\d{2}$")
_CUT_DATE = re.compile(r"^(?:19|20)\d{1,5}[-./]?\d{0,2}$")


def _complete_cut_dates(engine: RapidOcrEngine, detection: Detection, boxes: list) -> list:
    """The detector sometimes boxes only the start of a date cell ("2026" of "20260203"). Such a box, in
    the column where the page's dates are, is widened to a full date's width and read again."""
    dates = [b for b in boxes if _FULL_DATE.match(b.text)]
    if len(dates) < 5:
        return boxes
    width = float(np.median([b.width for b in dates]))
    left = float(np.median([b.x0 for b in dates]))
    cut = [b for b in boxes if _CUT_DATE.match(b.text) and not _FULL_DATE.match(b.text)
           and abs(b.x0 - left) < 0.3 * width and b.width < 0.9 * width]
    if not cut:
        return boxes
    by_position = {(round(f.x0), round(f.y0)): i for i, f in enumerate(detection.frames)}
    quads = list(detection.quads)
    targets = []
    for box in cut:
        index = by_position.get((round(box.x0), round(box.y0)))
        if index is None:
            continue
        quad = quads[index]
        direction = quad[1] - quad[0]
        length = float(np.linalg.norm(direction))
        if length < 1:
            continue
        stretch = direction / length * (1.08 * width * length / max(1.0, box.width) - length)
        widened = quad.copy()
        widened[1] = quad[1] + stretch
        widened[2] = quad[2] + stretch
        quads[index] = widened
        targets.append(index)
    if not targets:
        return boxes
    again = engine.recognise(Detection(detection.image, quads, detection.frames), targets)
    fixed = {(round(b.x0), round(b.y0)): b for b in again if _FULL_DATE.match(b.text)}
    result = []
    for box in boxes:
        better = fixed.get((round(box.x0), round(box.y0))) if box in cut else None
        if better is not None:
            box = TextBox(better.text, box.x0, box.y0, box.x0 + width, box.y1, min(box.confidence, better.confidence),
                          box.angle)
        result.append(box)
    return result


def _is_card(aspect: float) -> bool:
    """Card-shaped (85.6 x 54 mm, 1.585) rather than page-shaped (A4, 1.414): the nearer of the two."""
    return (abs(aspect - ID_CARD_ASPECT) < abs(aspect - A4_ASPECT)
            and abs(aspect - ID_CARD_ASPECT) / ID_CARD_ASPECT < 0.12)


def _retake(doc_type: DocType, reasons: list[str], warnings: list[str]) -> ExtractionResult:
    return ExtractionResult(
        doc_type=doc_type,
        fields={name: FieldValue() for name in FIELDS[doc_type]},
        quality=Quality(ok=False, reasons=reasons),
        warnings=warnings,
    )


def _guess_type(expected: DocType | None, aspect: float) -> DocType:
    if expected is not None:
        return expected
    return DocType.ID_CARD_FRONT if _is_card(aspect) else DocType.INCOME_CERTIFICATE


def extract_document(data: bytes, *, expected_type: DocType | None = None, filename: str | None = None,
                     content_type: str | None = None, engine: str | None = None,
                     budget_seconds: float = 50.0) -> Extraction:
    """Read one uploaded document (JPEG/PNG photo or scan, or PDF) into the extraction contract.

    ``expected_type``: the slot the officer used (None: classify). ``engine``: rapidocr | tesseract |
    consensus (default from ``LOANPIPE_OCR_ENGINE``). Raises ``RejectedInput`` for unusable files."""
    deadline = Deadline(budget_seconds)
    started_cpu = time.process_time()
    engine_name = engine or extraction_settings().ocr_engine
    if engine_name not in ENGINES:
        raise ValueError(f"unknown OCR engine {engine_name!r}; use one of {', '.join(ENGINES)}")
    if expected_type is not None:
        expected_type = DocType(expected_type)
    sniffed = sniff(data, filename=filename, content_type=content_type)

    pages: list[_Page] = []
    second: list[_Page] = []  # the second engine's reading in consensus mode
    primary = "tesseract" if engine_name == "tesseract" else "rapidocr"
    if sniffed.kind is FileKind.PDF:
        pages, second, early = _read_pdf(data, primary, engine_name == "consensus", deadline)
    else:
        image = open_image(data, max_side=WORK_SIDE)
        pages, second, early = _read_photo(image, primary, engine_name == "consensus", deadline)
    if early is not None:
        doc_type = _guess_type(expected_type, early[1])
        result = _retake(doc_type, early[0], ["document type not determined"] if expected_type is None else [])
        _log(result, engine_name, len(pages) or 1, started_cpu)
        return Extraction(result=result, text="", engine=engine_name, pages=max(1, len(pages)))

    text_layer = all(page.text.source == "pdf-text" for page in pages)
    used_engine = "pdf-text" if text_layer else engine_name
    full_text = "\n\f".join(page.text.text for page in pages)
    first = pages[0]
    classification = classify_text(full_text if len(pages) <= 3 else pages[0].text.text,
                                   card_shaped=None if text_layer else _is_card(first.aspect))
    doc_type, warnings, reasons = _decide_type(expected_type, classification, first.aspect)

    reads, rows = _parse(doc_type, pages)
    if doc_type is DocType.INCOME_CERTIFICATE and not (reads.get("issue_date") and reads["issue_date"].value):
        below = _read_below_signature(pages[0])
        if below:
            pages[0] = replace(pages[0], text=replace(pages[0].text, boxes=pages[0].text.boxes + tuple(below)))
            reads, rows = _parse(doc_type, pages)
    if second:
        other_reads, _ = _parse(doc_type, second)
        reads, floors = _consensus(reads, other_reads)
    else:
        floors = {}

    fields_out: dict[str, FieldValue] = {}
    for name in FIELDS[doc_type]:
        read = reads.get(name) or FieldRead.missing()
        confidence = field_confidence(read, text_layer=text_layer)
        floor = floors.get(name)
        if floor is not None and read.value is not None:
            if floor >= AGREE_FLOOR and read.check is not Check.FAILED:
                confidence = max(confidence, floor)
            elif floor < AGREE_FLOOR:
                confidence = min(confidence, floor)
                warnings.append(f"{name}: the two OCR engines read different values")
        warnings.extend(f"{name}: {note}" for note in read.notes)
        fields_out[name] = FieldValue(value=read.value, confidence=confidence)

    transactions = [Transaction(date=row.date, description=row.description, amount=money_str(row.amount),
                                balance=money_str(row.balance) if row.balance is not None else None,
                                confidence=row.confidence) for row in rows]
    if doc_type is DocType.BANK_STATEMENT and rows and any(row.confidence < 0.8 for row in rows):
        warnings.append("transactions: some rows are doubtful (running balance, date order or description)")

    if not reasons:
        measures = next((page.measures for page in pages if page.measures is not None), None)
        reasons = field_retake_reasons(doc_type, reads, has_transactions=bool(rows), measures=measures,
                                       text_layer=text_layer)
        doubtful = sum(1 for row in rows if not row.balanced)
        if not reasons and rows and not text_layer and doubtful > MAX_DOUBTFUL_ROWS * len(rows):
            # Most rows do not add up: the copy is too damaged to verify income from; ask for a better one.
            reasons = diagnose(measures) or ["unreadable_field"]
    result = ExtractionResult(doc_type=doc_type, fields=fields_out, transactions=transactions,
                              quality=Quality(ok=not reasons, reasons=reasons), warnings=warnings)
    _log(result, used_engine, len(pages), started_cpu)
    return Extraction(result=result, text=full_text, engine=used_engine, pages=len(pages))


def _read_below_signature(page: _Page) -> list[TextBox]:
    """The certificate's date is printed under the signing line (单位名称（盖章）), where the red seal
    sits: after the seal is taken out, the page-wide detection sometimes finds no text there. The band
    below the signing line is searched again at full resolution."""
    image = page.text.extra.get("image")
    if image is None or page.text.source != "rapidocr":
        return []
    # The signing line: 单位名称（盖章）..., or the employer's name alone on a line in the lower part.
    signing = [b for b in page.text.boxes if b.cy > 0.4 * page.text.height
               and ("盖章" in b.text or b.text.startswith("单位名称") or compact(b.text).endswith(parsers.ORG_ENDINGS))]
    label = max(signing, key=lambda b: b.cy, default=None)
    if label is None:
        return []
    height = label.height
    top, bottom = int(label.y1 + 0.1 * height), min(image.shape[0], int(label.y1 + 2.5 * height))
    left = max(0, int(label.x0))
    if bottom - top < 8 or image.shape[1] - left < 8:
        return []
    engine = get_engine("rapidocr")
    return [TextBox(b.text, b.x0 + left, b.y0 + top, b.x1 + left, b.y1 + top, b.confidence, b.angle, b.word_confidence)
            for b in engine.read(image[top:bottom, left:], det_scale=1.0)]


def _log(result: ExtractionResult, engine: str, pages: int, started_cpu: float) -> None:
    logger.info("document extracted", extra={
        "doc_type": result.doc_type.value, "engine": engine, "pages": pages, "quality_ok": result.quality.ok,
        "reasons": result.quality.reasons, "cpu_seconds": round(time.process_time() - started_cpu, 3)})


def _decide_type(expected: DocType | None, classification: Classification,
                 aspect: float) -> tuple[DocType, list[str], list[str]]:
    classified = classification.doc_type
    if expected is None:
        if classified is None:
            return _guess_type(None, aspect), ["document type not determined"], []
        return classified, [], []
    if classified is not None and classified != expected and classification.margin >= 2:
        return classified, [f"uploaded as {expected.value} but reads as {classified.value}"], ["wrong_document"]
    return expected, [], []


def _parse(doc_type: DocType, pages: list[_Page]) -> tuple[dict[str, FieldRead], list[StatementRow]]:
    parser = _PARSERS[doc_type]
    if doc_type is not DocType.BANK_STATEMENT:
        return parser(pages[0].text.boxes), []
    reads: dict[str, FieldRead] = {}
    rows: list[StatementRow] = []
    images: list[np.ndarray | None] = []
    for page in pages:
        for name, read in parser(page.text.boxes).items():
            if name == "closing_balance" and read.value is not None:
                reads[name] = read  # the closing balance is printed at the end
            elif reads.get(name) is None or reads[name].value is None:
                reads[name] = read
        table = read_table(page.text.boxes)
        rows.extend(table.rows)
        images.extend([page.text.extra.get("image")] * len(table.rows))
        if table.opening is not None and (reads.get("opening_balance") is None
                                          or reads["opening_balance"].value is None):
            reads["opening_balance"] = FieldRead(money_str(table.opening[0]), table.opening[1])
        if table.closing is not None:
            reads["closing_balance"] = FieldRead(money_str(table.closing[0]), table.closing[1])
    _read_figures_again(reads, rows, images)
    _check_statement(reads, rows)
    return reads, rows


_FIGURE = re.compile(r"(?<![\d,.])(?:\d{1,3}(?:,\d{3})+|\d+)\.\d{2}(?![\d,.])")  # signs come from the first reading
SECOND_READS_MAX = 12  # rows per statement read a second time (a doctored statement must not cost minutes)


def _read_figures_again(reads: dict[str, FieldRead], rows: list[StatementRow],
                        images: list[np.ndarray | None]) -> None:
    """A row whose balance is not the previous balance plus its amount was misread (a 5 read as 0) or
    edited. Its amount and balance cells are read a second time by Tesseract, digits only: when the
    second reading makes the row add up, it replaces the first (the printed figures, read
    again, not figures rebuilt from the balances; the row after it is then judged against the corrected
    balance). An edited row reads the same the second time and stays doubtful."""
    opening_read = reads.get("opening_balance")
    previous = Decimal(opening_read.value) if opening_read and opening_read.value else None
    budget = SECOND_READS_MAX
    for index, row in enumerate(rows):
        fits = previous is not None and row.balance is not None and row.balance in (previous + row.amount,
                                                                                   previous - row.amount)
        image = images[index] if index < len(images) else None
        if not fits and previous is not None and image is not None and row.amount_boxes and row.balance_boxes \
                and budget > 0:
            budget -= 1
            second = _second_reading(image, row)
            if second is not None:
                # The digits come from the second reading, the signs from the first (a thin minus sign, or
                # a table rule taken for one, is the second reading's weak point).
                amount = abs(second[0]) if row.amount >= 0 else -abs(second[0])
                balance = -abs(second[1]) if row.balance is not None and row.balance < 0 else abs(second[1])
                if balance in (previous + amount, previous - amount):
                    row.amount, row.balance = amount, balance
                    row.ocr = min(row.ocr, 0.97)
        previous = row.balance


def _second_reading(image: np.ndarray, row: StatementRow) -> tuple[Decimal, Decimal] | None:
    try:
        engine = get_engine("tesseract")
    except OcrUnavailable:
        return None
    values = []
    for boxes in (row.amount_boxes, row.balance_boxes):
        x0, y0 = min(b.x0 for b in boxes), min(b.y0 for b in boxes)
        x1, y1 = max(b.x1 for b in boxes), max(b.y1 for b in boxes)
        # Tight above and below (the neighbouring lines stay out); wide to the right, where a detection
        # box sometimes ends a digit short (12,098.5 for 12,098.55).
        line = y1 - y0
        top, bottom = max(0, int(y0 - 0.1 * line)), min(image.shape[0], int(y1 + 0.1 * line))
        left, right = max(0, int(x0 - 0.4 * line)), min(image.shape[1], int(x1 + 1.2 * line))
        if bottom - top < 4 or right - left < 4:
            return None
        crop = image[top:bottom, left:right]
        scale = 48.0 / max(1, bottom - top)  # Tesseract reads figures best at ~30 px glyphs
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        value = None
        for psm in (7, 8):  # as a line, then as a word (the crop may hold a neighbouring cell's edge)
            figures = _FIGURE.findall(engine.read_figure(crop, psm=psm))
            if len(figures) == 1:
                value = parse_amount(figures[0])
                break
        if value is None:
            return None
        values.append(value)
    return values[0], values[1]


def _check_statement(reads: dict[str, FieldRead], rows: list[StatementRow]) -> None:
    """Balance arithmetic: each row's balance = previous balance + amount; the opening and closing
    balances must fit the first and last rows. A row that fits is confirmed; a row whose amount fits
    only with the other sign had its minus sign lost by OCR (thin glyph) and is corrected; a row that
    does not fit, or whose date breaks the statement's order, is kept as read and marked doubtful."""
    opening_read = reads.get("opening_balance")
    opening = Decimal(opening_read.value) if opening_read and opening_read.value else None
    previous = opening
    fits: list[bool] = []
    for row in rows:
        ok = False
        if previous is not None and row.balance is not None:
            if previous + row.amount == row.balance:
                ok = True
            elif previous - row.amount == row.balance:
                row.amount = -row.amount
                ok = True
        fits.append(ok)
        previous = row.balance
    # An amount that does not fit the balances around it stays as it was read, doubtful: rebuilding it
    # from the balances (one digit away: -2,00.00 read for -2,000.00) would also hide an amount edited on
    # the statement (-141.38 printed over -41.38), which the credit checks must see.
    for index, row in enumerate(rows):
        # The first row without an opening balance is confirmed by the next row's fit.
        ok = fits[index] or (index == 0 and opening is None and len(fits) > 1 and fits[1])
        earlier = rows[index - 1].date if index else None
        later = rows[index + 1].date if index + 1 < len(rows) else None
        in_order = (earlier is None or earlier <= row.date) and (later is None or row.date <= later)
        if not in_order and earlier is not None and later is not None and earlier > later:
            in_order = True  # the neighbours disagree with each other: no evidence against this row
        if ok and in_order:
            row.confidence = max(row.confidence, 0.98) if row.confidence >= 0.8 else row.confidence
        else:
            row.confidence = min(row.confidence, 0.5)
    for row in rows:
        row.balanced = row.confidence >= 0.8
        # The running balance vouches for the amount and balance, not for the words: a 摘要 missing,
        # unknown to the banks' vocabulary, or of the wrong sign (taken from a neighbouring row on a
        # tilted photo) keeps the row below the review threshold; so does a counterparty read unsurely.
        if not row.aligned:
            # The amount and balance sit between two printed lines: they may be the next row's, which the
            # running balance cannot see (both slide together).
            row.confidence = min(row.confidence, 0.5)
        if not row.whole:
            row.confidence = min(row.confidence, 0.7)
        if not row.summary:
            row.confidence = min(row.confidence, 0.7)
        elif not description_fits_sign(row.summary, row.amount):
            row.confidence = min(row.confidence, 0.5)
        elif row.summary not in DESCRIPTION_TERMS:
            row.confidence = min(row.confidence, calibrate(row.ocr))
        if row.counterparty:
            row.confidence = min(row.confidence, counterparty_confidence(row.counterparty_ocr))
    if opening_read and opening_read.value and rows and rows[0].balance is not None:
        opening_read.check = Check.CONFIRMED if fits[0] else Check.FAILED
    closing_read = reads.get("closing_balance")
    if closing_read and closing_read.value and rows and rows[-1].balance is not None:
        closing_read.check = Check.CONFIRMED if Decimal(closing_read.value) == rows[-1].balance else Check.FAILED


def _consensus(first: dict[str, FieldRead], second: dict[str, FieldRead]) -> tuple[dict[str, FieldRead],
                                                                                   dict[str, float]]:
    merged: dict[str, FieldRead] = dict(first)
    floors: dict[str, float] = {}
    for name in DECISIVE_FIELDS | {"id_number", "monthly_income"}:
        if name not in first and name not in second:
            continue
        keep, floor = combine(first.get(name) or FieldRead.missing(), second.get(name) or FieldRead.missing())
        merged[name] = keep
        if floor is not None:
            floors[name] = floor
    return merged, floors


def _read_photo(image: Image.Image, primary: str, consensus: bool,
                deadline: Deadline) -> tuple[list[_Page], list[_Page], tuple[list[str], float] | None]:
    prepared = prepare(image)
    early = image_retake_reasons(prepared.measures)
    if early:
        return [], [], (early, prepared.aspect)
    deadline.check("before OCR")
    page = _Page(_ocr_page(prepared, primary), prepared.measures, prepared.aspect)
    if not page.text.boxes:
        reasons = diagnose(prepared.measures) or (["blank_page"] if prepared.measures.ink_fraction < 0.01
                                                  else ["unreadable_field"])
        return [page], [], (reasons, prepared.aspect)
    second = []
    if consensus:
        deadline.check("second engine")
        second = [_Page(_ocr_page(prepared, "tesseract"), prepared.measures, prepared.aspect)]
    return [page], second, None


def _read_pdf(data: bytes, primary: str, consensus: bool,
              deadline: Deadline) -> tuple[list[_Page], list[_Page], tuple[list[str], float] | None]:
    """Text-layer pages are read directly; the others are rendered and OCR'd. The text layers are read
    first (cheap), so a PDF with too many scanned pages is refused before any OCR runs."""
    pages: list[_Page] = []
    second: list[_Page] = []
    with open_pdf(data) as document:
        layers: list[PageText | None] = []
        for index in range(len(document)):
            deadline.check(f"text of page {index + 1}")
            page = document[index]
            try:
                layers.append(read_text_layer(page))
            finally:
                page.close()
        check_ocr_pages(sum(1 for layer in layers if layer is None))
        for index, layer in enumerate(layers):
            if layer is not None:
                pages.append(_Page(layer, None, max(layer.width, layer.height) / max(1.0, min(layer.width,
                                                                                            layer.height))))
                continue
            deadline.check(f"page {index + 1}")
            page = document[index]
            try:
                prepared = prepare(render_page(page))  # pages of image PDFs may be photos
            finally:
                page.close()
            early = image_retake_reasons(prepared.measures)
            if early:
                if index == 0 or "blank_page" not in early:
                    return pages, second, (early, prepared.aspect)
                continue  # a blank last page of a statement is normal
            pages.append(_Page(_ocr_page(prepared, primary), prepared.measures, prepared.aspect))
            if consensus:
                deadline.check(f"page {index + 1}, second engine")
                second.append(_Page(_ocr_page(prepared, "tesseract"), prepared.measures, prepared.aspect))
    if not pages or not any(page.text.boxes for page in pages):
        return pages, second, (["blank_page"], pages[0].aspect if pages else 1.414)
    return pages, second, None
