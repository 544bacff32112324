"""The quality gate: decide, within seconds of the upload, whether the officer must photograph the
document again, and say why (RETAKE-family reason codes with zh/en texts in loanpipe.domain.reasons)."""

from __future__ import annotations

from collections.abc import Mapping

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


def field_retake_reasons(doc_type: DocType, reads: Mapping[str, FieldRead], *, has_transactions: bool,
                         measures: ImageMeasures | None, text_layer: bool) -> list[str]:
    """A required field missing, or a decisive field contradicted by its validator on a photo whose
    reading is doubtful, means a retake; the reason names the image problem when one is visible."""
    unreadable = False
    for name in REQUIRED_FIELDS[doc_type]:
        read = reads.get(name)
        if read is None or read.value is None:
            unreadable = True
        elif read.check is Check.FAILED and not text_layer and read.ocr < 0.97:
            unreadable = True
    if doc_type is DocType.BANK_STATEMENT and not has_transactions:
        unreadable = True
    if not unreadable:
        return []
    return diagnose(measures) or ["unreadable_field"]
