"""The extraction entry point: bytes of an uploaded document in, the extraction contract out.

``extract_document`` runs these steps, in order:

1. sniff the file's type and limits (``sniff``);
2. read its pages: photos and scans prepared and read by OCR, PDF pages from their text layer or
   rendered and read by OCR (``reading``; the engines behind one interface in ``engines``);
3. identify the document (``classify``) against the slot it was uploaded to;
4. parse its fields and a statement's rows (``parse``), with a second look under a certificate's seal;
5. consensus mode: agree the decisive fields with the second engine's reading;
6. give each field its confidence and each statement row its transaction (``confidence``);
7. the quality gate: the retake reasons, if the reading is not good enough (``quality``).

Unusable files raise ``RejectedInput`` (INPUT-family code); a readable file whose photo is not good
enough returns ``quality.ok = False`` with RETAKE-family codes.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, replace
from decimal import Decimal

from loanpipe.domain.documents import (
    DECISIVE_FIELDS,
    FIELDS,
    DocType,
    ExtractionResult,
    FieldValue,
    Quality,
    Transaction,
)
from loanpipe.domain.money import money_str
from loanpipe.extraction.balances import SURE_FIGURES
from loanpipe.extraction.boxes import place_fields, place_rows
from loanpipe.extraction.classify import Classification, classify_text
from loanpipe.extraction.confidence import AGREE_FLOOR, combine, field_confidence
from loanpipe.extraction.engines import choose_engines, get_engine
from loanpipe.extraction.layout import PageText, TextBox
from loanpipe.extraction.normalize import halfwidth
from loanpipe.extraction.parse import Parsed, parse_pages, statement_tables
from loanpipe.extraction.parsers.reads import Check, FieldRead
from loanpipe.extraction.parsers.statement_table import StatementRow, Undated, Unnamed
from loanpipe.extraction.pdf import TEXT_LAYER
from loanpipe.extraction.picture import Picture, first_page_picture
from loanpipe.extraction.places import mend_authority, mend_place_prefix
from loanpipe.extraction.plausible import UNSURE, doubts, hesitant_glyph, known_surname_reading
from loanpipe.extraction.preprocess import A4_ASPECT, ID_CARD_ASPECT
from loanpipe.extraction.quality import (
    field_retake_reasons,
    legibility,
    poor_picture,
    statement_retake_reasons,
    unread_fields,
)
from loanpipe.extraction.reading import Deadline, EarlyRetake, Page, is_card, read_document
from loanpipe.extraction.second_look import read_below_signature, read_red_letterhead, read_undated, read_unnamed
from loanpipe.extraction.settings import extraction_settings
from loanpipe.extraction.sniff import (  # the limits are re-exported for the API's presigned POST
    MAX_FILE_BYTES,
    MAX_OCR_PAGES,
    MAX_PDF_PAGES,
    MAX_PIXELS,
    sniff,
)

logger = logging.getLogger(__name__)

__all__ = ["MAX_FILE_BYTES", "MAX_OCR_PAGES", "MAX_PDF_PAGES", "MAX_PIXELS", "Extraction", "extract_document"]



@dataclass(frozen=True)
class Extraction:
    result: ExtractionResult  # the contract object
    text: str  # the raw text read (for the reviewer's console)
    engine: str  # "rapidocr" | "tesseract" | "consensus" | "pdf-text"
    pages: int
    picture: Picture | None = None  # the first page as read: the image the boxes are normalised to


def extract_document(data: bytes, *, expected_type: DocType | None = None, filename: str | None = None,
                     content_type: str | None = None, engine: str | None = None,
                     budget_seconds: float = 50.0) -> Extraction:
    """Read one uploaded document (JPEG/PNG photo or scan, or PDF) into the extraction contract.

    ``expected_type``: the slot the officer used (None: classify). ``engine``: rapidocr | tesseract |
    consensus (default from ``LOANPIPE_OCR_ENGINE``). ``budget_seconds``: the wall-clock time left (capped by
    ``LOANPIPE_READ_WALL_SECONDS``); the CPU budget is ``LOANPIPE_READ_CPU_SECONDS``. Raises ``RejectedInput`` for
    unusable files and for documents that need more work than the CPU budget, ``ReadOutOfTime`` (a platform
    error, retried) when the wall clock runs out first."""
    settings = extraction_settings()
    if settings.read_wall_seconds is not None:
        budget_seconds = min(budget_seconds, settings.read_wall_seconds)
    deadline = Deadline(budget_seconds, settings.read_cpu_seconds)
    started_cpu = time.process_time()
    mode = engine or settings.ocr_engine
    engines = choose_engines(mode)
    if expected_type is not None:
        expected_type = DocType(expected_type)
    sniffed = sniff(data, filename=filename, content_type=content_type)

    read = read_document(data, sniffed.kind, engines, deadline, shape=_expected_shape(expected_type))
    if read.early is not None:
        return _early_retake(read.early, len(read.pages), expected_type, mode, started_cpu)
    pages = read.pages
    text_layer = all(page.text.source == TEXT_LAYER for page in pages)
    used_engine = TEXT_LAYER if text_layer else mode
    full_text = "\n\f".join(page.text.text for page in pages)
    doc_type, warnings, reasons = _identify(expected_type, pages, full_text, text_layer)

    parsed, figureless = _parse_with_second_look(doc_type, pages)
    reads, rows = parsed.reads, parsed.rows
    _person_names(reads, pages)
    _place_names(reads)
    _figures_by_their_characters(reads, pages)
    floors: dict[str, float] = {}
    if read.second:
        reads, floors = _consensus(reads, parse_pages(doc_type, [page.text for page in read.second]).reads)

    caps = _caps(doc_type, reads, full_text, pages, warnings, text_layer=text_layer)
    fields_out = place_fields(_confident_fields(doc_type, reads, floors, caps, warnings, text_layer=text_layer),
                              pages[0].text)
    transactions = place_rows(_transactions(doc_type, rows, warnings), rows, pages[0].text)
    if not reasons:
        reasons = _retake_reasons(doc_type, reads, rows, pages, warnings, text_layer=text_layer,
                                  figureless=figureless)
    result = ExtractionResult(doc_type=doc_type, fields=fields_out, transactions=transactions,
                              quality=Quality(ok=not reasons, reasons=reasons), warnings=warnings)
    _log(result, used_engine, len(pages), started_cpu)
    return Extraction(result=result, text=full_text, engine=used_engine, pages=len(pages),
                      picture=first_page_picture(pages[0].colour, pages[0].text.source == TEXT_LAYER, data))


def _expected_shape(expected: DocType | None) -> float | None:
    if expected is None:
        return None
    return ID_CARD_ASPECT if expected in (DocType.ID_CARD_FRONT, DocType.ID_CARD_BACK) else A4_ASPECT


def _early_retake(early: EarlyRetake, pages: int, expected: DocType | None, mode: str,
                  started_cpu: float) -> Extraction:
    """A document too poor to parse: a retake, under the slot's type (or the page's shape's)."""
    doc_type = _guess_type(expected, early.aspect)
    result = ExtractionResult(
        doc_type=doc_type,
        fields={name: FieldValue() for name in FIELDS[doc_type]},
        quality=Quality(ok=False, reasons=early.reasons),
        warnings=["document type not determined"] if expected is None else [],
    )
    _log(result, mode, pages or 1, started_cpu)
    return Extraction(result=result, text="", engine=mode, pages=max(1, pages))


def _guess_type(expected: DocType | None, aspect: float) -> DocType:
    if expected is not None:
        return expected
    return DocType.ID_CARD_FRONT if is_card(aspect) else DocType.INCOME_CERTIFICATE


def _identify(expected: DocType | None, pages: list[Page], full_text: str,
              text_layer: bool) -> tuple[DocType, list[str], list[str]]:
    """The document's type, the warnings to show and the retake reasons (a document in the wrong slot)."""
    first = pages[0]
    classification = classify_text(full_text if len(pages) <= 3 else first.text.text,
                                   card_shaped=None if text_layer else is_card(first.aspect))
    return _decide_type(expected, classification, first.aspect)


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


def _parse_with_second_look(doc_type: DocType, pages: list[Page]) -> tuple[Parsed, int]:
    """The fields of the pages; a certificate without its issue date is read again below its signing
    line (where the seal sits), a statement line with amounts and no date in its date cell or a row without the
    counterparty it names, a statement without its bank in its red letterhead, and the pages are parsed once
    more with what was found there. With them, how many of a photographed statement's dated lines had no
    amount read (rows the reading lost: the retake rule counts them with the rows it doubts)."""
    texts = [page.text for page in pages]
    figureless = 0
    if doc_type is DocType.BANK_STATEMENT and any(page.image is not None for page in texts):  # not a text layer
        tables = statement_tables(texts)
        figureless = sum(table.figureless for table in tables)
        texts = [_with_lost_cells(page, table.undated, table.unnamed)
                 for page, table in zip(texts, tables, strict=True)]
    parsed = parse_pages(doc_type, texts)
    issue_date = parsed.reads.get("issue_date")
    if doc_type is DocType.INCOME_CERTIFICATE and not (issue_date and issue_date.value):
        below = _read_below_signature(texts[0])
        if below:
            texts[0] = replace(texts[0], boxes=texts[0].boxes + tuple(below))
            parsed = parse_pages(doc_type, texts)
    bank = parsed.reads.get("bank_name")
    if doc_type is DocType.BANK_STATEMENT and not (bank and bank.value) and texts[0].image is not None:
        head = read_red_letterhead(get_engine(texts[0].source), pages[0].colour)
        if head:
            texts[0] = replace(texts[0], boxes=texts[0].boxes + tuple(head))
            parsed = parse_pages(doc_type, texts)
    return parsed, figureless


def _person_names(reads: dict[str, FieldRead], pages: list[Page]) -> None:
    """Names judged by their characters, not by their line's mean: a first character no one bears as a
    surname, where the recogniser's next choice there is a known surname, takes that surname
    (``plausible.known_surname_reading``); a name with a character the recogniser hesitated over (王利兰 read
    with 利 at 0.43 and 莉 at 0.34) stays below the review threshold however well the rest of its line read
    (``plausible.hesitant_glyph``). Either is then for the declared name or a reader to settle."""
    boxes = [box for page in pages for box in page.text.boxes]
    for name in ("name", "account_holder"):
        read = reads.get(name)
        if read is None or not read.value:
            continue
        better = known_surname_reading(read.value, boxes)
        if better:
            reads[name] = FieldRead(better, read.ocr, read.check, [*read.notes, (
                "the first character as read is no one's surname; the recogniser's next choice there, a known "
                "surname, taken")], certainty=min(read.certainty, UNSURE))
        elif hesitant_glyph(read.value, boxes):
            read.certainty = min(read.certainty, UNSURE)
            read.notes.append("a character of the name was read hesitantly (the recogniser saw another as likely)")


_FIGURE_FIELDS = ("monthly_income", "opening_balance", "closing_balance")
_FIGURE_IN_RUN = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?")
SURE_GLYPHS = 0.99  # the engine's own probability for every character of a figure, at or above: read surely


def _figures_by_their_characters(reads: dict[str, FieldRead], pages: list[Page]) -> None:
    """A figure judged by its own characters, not by its line's mean: ``¥4,600.00。`` reads at 0.93 when the
    engine hesitated over the ¥ (0.50) and the full stop (0.80) while every digit, comma and point read at
    0.995 or better. When the run holding the value gives each character of the figure a probability of at
    least ``SURE_GLYPHS``, the reading's confidence is the least of them (still below the band a validator
    alone reaches). Only a figure with characters read on both sides of it in its run counts (a figure at a
    run's edge may have lost a digit there), and the plausibility caps apply afterwards."""
    boxes = [box for page in pages for box in page.text.boxes if box.alternatives]
    for name in _FIGURE_FIELDS:
        read = reads.get(name)
        if read is None or not read.value or read.check is Check.FAILED:
            continue
        value = Decimal(read.value)
        for box in boxes:
            if len(box.alternatives) != len(box.text):
                continue
            text = halfwidth(box.text)
            # the figure inside its run, a character read on either side (¥…元): not a run's cut edge
            spans = [m.span() for m in _FIGURE_IN_RUN.finditer(text) if Decimal(m.group().replace(",", "")) == value
                     and 0 < m.start() and m.end() < len(text) and not text[m.start() - 1].isdigit()]
            if len(spans) != 1:
                continue
            start, end = spans[0]
            surest = min(probability for _, probability, _ in box.alternatives[start:end])
            if surest >= SURE_GLYPHS and surest > read.ocr:
                read.ocr = surest
            break


_PLACE_FIELDS = {"address": mend_place_prefix, "employer": mend_place_prefix, "issuing_authority": mend_authority}


def _place_names(reads: dict[str, FieldRead]) -> None:
    """Places checked against the lexicon of China's divisions (``places``): a place name one character off
    the only name that fits there (城华区 under 成都市) takes that name, and the value stays doubtful
    (below the review threshold) for the declared data or a reader to confirm."""
    for name, mend in _PLACE_FIELDS.items():
        read = reads.get(name)
        if read is None or not read.value:
            continue
        mended = mend(read.value)
        if mended.changes:
            reads[name] = FieldRead(mended.text, read.ocr, read.check, [*read.notes, (
                "a place name one character off the only division that fits there, taken from the lexicon")],
                certainty=min(read.certainty, UNSURE))


def _with_lost_cells(page: PageText, undated: list[Undated], unnamed: list[Unnamed]) -> PageText:
    """The page with the dates and counterparties its table lost read again where they are printed."""
    if not (undated or unnamed) or page.image is None:
        return page
    engine = get_engine(page.source)
    found = read_undated(engine, page.image, undated) + read_unnamed(engine, page.image, unnamed)
    return replace(page, boxes=page.boxes + tuple(found)) if found else page


def _read_below_signature(page: PageText) -> list[TextBox]:
    if page.image is None:
        return []  # a text layer: nothing was missed
    return read_below_signature(get_engine(page.source), page)


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


def _caps(doc_type: DocType, reads: dict[str, FieldRead], full_text: str, pages: list[Page], warnings: list[str],
          *, text_layer: bool) -> dict[str, float]:
    """The parser's own certainty as a cap on each field: a value its validator doubts (``plausible``),
    and on a poor photo (an image problem, and the OCR read it poorly) any value no validator confirms."""
    values = {name: read.value for name, read in reads.items()}
    caps: dict[str, float] = {}
    for name, (cap, note) in doubts(doc_type, values, full_text).items():
        caps[name] = cap
        warnings.append(f"{name}: {note}")
    measures = next((page.measures for page in pages if page.measures is not None), None)
    if not text_layer and poor_picture(measures, _legibility(pages)):
        for name, read in reads.items():
            if read.value is not None and read.check not in (Check.CONFIRMED, Check.PASSED):
                caps[name] = min(caps.get(name, 1.0), UNSURE)
    return caps


def _legibility(pages: list[Page]) -> float:
    return legibility([box.confidence for page in pages for box in page.text.boxes])


def _confident_fields(doc_type: DocType, reads: dict[str, FieldRead], floors: dict[str, float],
                      caps: dict[str, float], warnings: list[str], *, text_layer: bool) -> dict[str, FieldValue]:
    """Each field of the type with its confidence: the reading's (raised or capped by the two engines'
    agreement), then no higher than the parser's own certainty (``caps``). The notes of the parsers and the
    engines' disagreements are added to ``warnings``."""
    fields_out: dict[str, FieldValue] = {}
    for name in FIELDS[doc_type]:
        read = reads.get(name) or FieldRead.missing()
        confidence = field_confidence(read, text_layer=text_layer)
        floor = floors.get(name)
        if floor is not None and read.value is not None:
            if floor >= AGREE_FLOOR and read.check is not Check.FAILED:
                confidence = max(confidence, min(floor, read.certainty))  # never above the parser's certainty
            elif floor < AGREE_FLOOR:
                confidence = min(confidence, floor)
                warnings.append(f"{name}: the two OCR engines read different values")
        confidence = min(confidence, caps.get(name, 1.0))
        warnings.extend(f"{name}: {note}" for note in read.notes)
        fields_out[name] = FieldValue(value=read.value, confidence=confidence)
    return fields_out


def _transactions(doc_type: DocType, rows: list[StatementRow], warnings: list[str]) -> list[Transaction]:
    transactions = [Transaction(date=row.date, description=row.description, amount=money_str(row.amount),
                                balance=money_str(row.balance) if row.balance is not None else None,
                                confidence=row.confidence, figures_confidence=row.figures) for row in rows]
    if doc_type is DocType.BANK_STATEMENT and rows and any(row.confidence < 0.8 for row in rows):
        warnings.append("transactions: some rows are doubtful (running balance, date order or description)")
    return transactions


def _retake_reasons(doc_type: DocType, reads: dict[str, FieldRead], rows: list[StatementRow], pages: list[Page],
                    warnings: list[str], *, text_layer: bool, figureless: int = 0) -> list[str]:
    """The quality gate on what was read: a retake only when the picture is at fault (required fields
    unread, or too many statement rows' figures unconfirmed by the running balance or not read at all
    (``figureless``: dated lines without an amount), on a photo with an image problem). Otherwise what was not
    read is a warning, and the document goes on to a reviewer with what was read."""
    measures = next((page.measures for page in pages if page.measures is not None), None)
    unread = unread_fields(doc_type, reads, has_transactions=bool(rows), text_layer=text_layer)
    reasons = field_retake_reasons(unread, measures=measures, legible=_legibility(pages), text_layer=text_layer,
                                   doc_type=doc_type)
    unconfirmed = sum(1 for row in rows if row.figures < SURE_FIGURES)
    if not reasons:
        reasons = statement_retake_reasons(unconfirmed + figureless, len(rows) + figureless, measures=measures,
                                           text_layer=text_layer)
    if not reasons and unread:
        warnings.append(f"not read on a readable page (layout not understood): {', '.join(unread)}")
    if not reasons and unconfirmed:
        warnings.append(f"transactions: the running balance does not confirm the figures of {unconfirmed} of "
                        f"{len(rows)} rows")
    if not reasons and figureless:
        warnings.append(f"transactions: {figureless} dated line(s) with no amount read, left out")
    return reasons


def _log(result: ExtractionResult, engine: str, pages: int, started_cpu: float) -> None:
    logger.info("document extracted", extra={
        "doc_type": result.doc_type.value, "engine": engine, "pages": pages, "quality_ok": result.quality.ok,
        "reasons": result.quality.reasons, "cpu_seconds": round(time.process_time() - started_cpu, 3)})
