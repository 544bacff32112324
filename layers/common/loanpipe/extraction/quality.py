"""The quality gate: decide, within seconds of the upload, whether the officer must photograph the
document again, and say why (RETAKE-family reason codes with zh/en texts in loanpipe.domain.reasons).

A retake is asked only when the picture is at fault: blank, too dark or too small before any OCR; after
it, required fields unread on a photo that shows an image problem (blur, glare, cut off) AND that the OCR
read poorly (``legibility``; on an identity card, whose layout is the state's, whatever the legibility), or
a photographed statement whose figures the running balance cannot confirm on most rows, on a photo that shows
an image problem (``statement_retake_reasons``). A legible page or a PDF's text layer whose fields were not
found is a layout the parser does not know: a new photo would read the same, so it goes on with a warning
and the reviewer completes the fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import median

from loanpipe.domain.documents import DocType
from loanpipe.extraction.parsers.reads import Check, FieldRead
from loanpipe.extraction.preprocess import ImageMeasures

# Thresholds, measured on the benchmark's three tiers (see benchmarks/extract-report.md).
MIN_BRIGHTNESS = 55.0  # median grey of the document
MIN_CONTRAST = 40.0
MIN_SHARPNESS = 60.0  # variance of the Laplacian at 1000 px long side
MAX_GLARE = 0.02  # share of the document blown out in compact blobs
MIN_DOCUMENT_FRACTION = 0.15  # the document covers less of the photo than this: move closer
MIN_INK = 0.002  # below this share of dark pixels the page is blank
# The OCR's own verdict on the picture: half the text runs read at this confidence or better and the page
# is legible, whatever the image measures say (white paper is counted as glare, a flat scan touches the
# border of its frame); a field not found on it is a layout the parser does not know.
LEGIBLE_MEDIAN = 0.90
LEGIBLE_MIN_RUNS = 4
# A photographed statement whose running balance confirms the figures of fewer than this share of its rows was
# misread where it matters (the amounts the income check counts): a retake, when the photo shows why.
MAX_UNCONFIRMED_ROWS = 0.3

# Documents printed in one layout everywhere (the resident identity card's two sides).
FIXED_LAYOUT = frozenset({DocType.ID_CARD_FRONT, DocType.ID_CARD_BACK})
# Without these a document is useless for the decision; missing one asks for a retake.
REQUIRED_FIELDS: dict[DocType, tuple[str, ...]] = {
    DocType.ID_CARD_FRONT: ("name", "id_number", "birth_date", "sex"),
    DocType.ID_CARD_BACK: ("valid_from", "valid_until"),
    DocType.INCOME_CERTIFICATE: ("name", "monthly_income"),
    DocType.BANK_STATEMENT: ("account_holder",),
}


def image_retake_reasons(measures: ImageMeasures) -> list[str]:
    """Reasons visible in the image alone, before any OCR (cheap, shown first)."""
    reasons: list[str] = []
    if measures.ink_fraction < MIN_INK and measures.contrast < MIN_CONTRAST:
        return ["blank_page"]
    if measures.brightness < MIN_BRIGHTNESS:
        reasons.append("too_dark")
    if measures.found_quad and measures.document_fraction < MIN_DOCUMENT_FRACTION:
        reasons.append("too_small")
    return reasons


def diagnose(measures: ImageMeasures | None) -> list[str]:
    """Why a photo could not be read: the image problems found, most specific first."""
    if measures is None:
        return []
    reasons = []
    if measures.brightness < MIN_BRIGHTNESS or measures.contrast < MIN_CONTRAST:
        reasons.append("too_dark")
    if measures.glare_fraction > MAX_GLARE:
        reasons.append("glare")
    if measures.sharpness < MIN_SHARPNESS:
        reasons.append("blurry")
    if measures.touches_border:
        reasons.append("cut_off")
    if measures.found_quad and measures.document_fraction < MIN_DOCUMENT_FRACTION:
        reasons.append("too_small")
    return reasons


def unread_fields(doc_type: DocType, reads: Mapping[str, FieldRead], *, has_transactions: bool,
                  text_layer: bool) -> list[str]:
    """The required fields not read: absent, or (on a photo) contradicted by their validator on a doubtful
    reading; a statement without a single row counts as ``transactions``."""
    unread = []
    for name in REQUIRED_FIELDS[doc_type]:
        read = reads.get(name)
        if read is None or read.value is None:
            unread.append(name)
        elif read.check is Check.FAILED and not text_layer and read.ocr < 0.97:
            unread.append(name)
    if doc_type is DocType.BANK_STATEMENT and not has_transactions:
        unread.append("transactions")
    return unread


def legibility(confidences: Sequence[float]) -> float:
    """The median confidence of the page's text runs (0.0 for a page with too few to judge)."""
    if len(confidences) < LEGIBLE_MIN_RUNS:
        return 0.0
    return float(median(confidences))


def poor_picture(measures: ImageMeasures | None, legible: float) -> list[str]:
    """The image problems of a photo the OCR could not read well (empty: the picture is not at fault)."""
    if legible >= LEGIBLE_MEDIAN:
        return []
    return diagnose(measures)


def field_retake_reasons(unread: list[str], *, measures: ImageMeasures | None, legible: float,
                         text_layer: bool, doc_type: DocType | None = None) -> list[str]:
    """A retake only when the picture is at fault: required fields unread on a photo that shows an image
    problem (blur, glare, cut off, too small, too dark) and that the OCR read poorly. Unread fields on a
    legible page (or a PDF's text layer) are a layout the parser does not know: a new photo would read the
    same, so the document goes on and the reviewer completes the fields (validation: ``field_missing``).
    An identity card has one layout, the state's: a required field unread on a card photo that shows an
    image problem is the photo's fault however legible the rest of the card read (its labels and its
    printed frame read well on a photo whose small value text is blurred), and the card is at the door."""
    if not unread or text_layer:
        return []
    if doc_type in FIXED_LAYOUT:
        return diagnose(measures)
    return poor_picture(measures, legible)


def statement_retake_reasons(unconfirmed: int, rows: int, *, measures: ImageMeasures | None,
                             text_layer: bool) -> list[str]:
    """A retake for a photographed statement when the running balance confirms the figures of too few rows
    (``unconfirmed``: rows whose amount and balance neither fit the balance before them nor were read alike
    twice; a printed break, an edited row, is read alike and not counted) and the photo shows an image
    problem. The page's median run confidence is no judge here: headings and descriptions read well on a photo
    whose small figures are blurred. A sharp, clean photo whose rows do not add up goes on (a layout the parser
    does not know: a new photo would read the same), and the reviewer sees the rows."""
    if text_layer or not rows or unconfirmed <= MAX_UNCONFIRMED_ROWS * rows:
        return []
    return diagnose(measures)
