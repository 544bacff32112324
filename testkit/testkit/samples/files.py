"""From what a document states to the files a field officer uploads, with their ground truth.

Ground truth uses the normal forms of the extraction contract (loanpipe/domain/documents.py):
dates YYYY-MM-DD (or 长期), amounts "12500.00", sex 男/女, signed transaction amounts.
A file's truth holds only what is printed in that file (a photographed statement page shows the
opening balance only on page 1 and the closing balance only on the last page).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from PIL import Image

from loanpipe.domain.documents import FIELDS, DocType
from testkit.samples.certificate import CertificateContent
from testkit.samples.id_card import CardBack, CardFront
from testkit.samples.photo import (
    CameraTags,
    encode,
    image_pdf,
    photograph,
    scan,
    stored_for_orientation,
    unreadable,
)
from testkit.samples.statement import Statement
from testkit.samples.statement_pdf import CLASSIC, StatementLayout, rasterise, render_statement_pdf

SCAN_DPI = 200  # statements are rasterised at this resolution before being scanned or photographed


def front_fields(card: CardFront) -> dict[str, str]:
    return {"name": card.name, "sex": card.sex, "ethnicity": card.ethnicity, "birth_date": card.birth.isoformat(),
            "address": card.address, "id_number": card.id_number}


def back_fields(card: CardBack) -> dict[str, str]:
    return {"issuing_authority": card.issuing_authority, "valid_from": card.valid_from.isoformat(),
            "valid_until": "长期" if card.valid_until is None else card.valid_until.isoformat()}


def certificate_fields(content: CertificateContent) -> dict[str, str]:
    return {"name": content.name, "id_number": content.id_number, "employer": content.employer,
            "position": content.position, "monthly_income": f"{content.monthly_income:.2f}",
            "employment_start": content.employment_start.isoformat(), "issue_date": content.issue_date.isoformat()}


def _ordered(doc_type: DocType, fields: dict[str, str]) -> dict[str, str]:
    """Fields in the contract's order (and only the contract's names)."""
    return {name: fields[name] for name in FIELDS[doc_type] if name in fields}


@dataclass
class DocumentFile:
    """One file as written, with its ground truth."""

    name: str  # file name in its folder, e.g. id_card_front.jpg
    data: bytes
    doc_type: str
    tier: str
    format: str  # jpg | png | pdf_text | pdf_image
    fields: dict[str, str]
    transactions: list[dict[str, str]] = field(default_factory=list)
    readable: bool = True
    pages: int = 1
    exif: dict | None = None
    extra: dict = field(default_factory=dict)

    def truth(self) -> dict:
        entry = {"doc_type": self.doc_type, "tier": self.tier, "format": self.format, "readable": self.readable,
                 "fields": self.fields, "transactions": self.transactions, "pages": self.pages}
        if self.exif is not None:
            entry["exif"] = self.exif
        entry.update(self.extra)
        return entry


@dataclass(frozen=True)
class Capture:
    """How a photo or scan of one document is taken."""

    tier: str  # clean | phone | hard
    camera: Callable[[int], CameraTags] | None = None  # orientation -> EXIF tags; None = no EXIF
    unreadable: bool = False
    image_format: str | None = None  # force jpg / png


def _orientation(rng: random.Random, tier: str) -> int:
    if tier == "hard":
        return rng.choices((1, 6, 8, 3), weights=(4, 3, 2, 1))[0]
    if tier == "phone":
        return 6 if rng.random() < 0.15 else 1
    return 1


def image_bytes(rng: random.Random, document: Image.Image, capture: Capture) -> tuple[bytes, str, dict]:
    """Scan or photograph a rendered document and encode it; returns (bytes, jpg|png, details)."""
    details: dict = {}
    orientation = 1
    if capture.unreadable:
        picture, mode = unreadable(rng, document)
        details["unreadable_mode"] = mode
        image_format, quality = "jpg", rng.randint(45, 65)
    elif capture.tier == "clean":
        picture = scan(rng, document)
        image_format = capture.image_format or ("png" if document.width > document.height and rng.random() < 0.6
                                                else "jpg")
        quality = rng.randint(88, 95)
    else:
        picture, _ = photograph(rng, document, capture.tier)
        if capture.camera is not None:  # only a camera that writes EXIF can record a turned picture
            orientation = _orientation(rng, capture.tier)
            picture = stored_for_orientation(picture, orientation)
        image_format = capture.image_format or "jpg"
        quality = rng.randint(35, 55) if capture.tier == "hard" else rng.randint(70, 88)
    tags = capture.camera(orientation) if capture.camera else None
    data = encode(picture, image_format, quality=quality, exif=tags.exif() if tags else None)
    if tags is not None:
        details["exif"] = tags.summary()
    details["quality"] = quality
    return data, image_format, details


def image_document(rng: random.Random, stem: str, doc_type: DocType, document: Image.Image,
                   fields: dict[str, str], capture: Capture) -> DocumentFile:
    data, image_format, details = image_bytes(rng, document, capture)
    exif = details.pop("exif", None)
    return DocumentFile(f"{stem}.{image_format}", data, doc_type.value, capture.tier, image_format,
                        _ordered(doc_type, fields), readable=not capture.unreadable, exif=exif, extra=details)


def statement_documents(rng: random.Random, stem: str, statement: Statement, *, printed_on: date,
                        statement_format: str, capture: Capture, pages_to_photograph: int | None = None,
                        layout: StatementLayout = CLASSIC) -> list[DocumentFile]:
    """The statement as a text PDF (pdf_text), scanned/photographed pages in one PDF (pdf_image) or one
    photo per page (photos: ``stem_1.jpg``, ``stem_2.jpg``...; ``pages_to_photograph`` limits the pages)."""
    exported = render_statement_pdf(rng, statement, printed_on=printed_on, layout=layout)
    doc_type = DocType.BANK_STATEMENT
    if statement_format == "pdf_text":
        return [DocumentFile(f"{stem}.pdf", exported.data, doc_type.value, "clean", "pdf_text",
                             _ordered(doc_type, statement.fields()), statement.transactions(),
                             pages=exported.page_count)]
    page_images = rasterise(exported.data, SCAN_DPI)
    if statement_format == "pdf_image":
        pictures = []
        for page in page_images:
            if capture.tier == "clean":
                pictures.append(scan(rng, page))
            else:
                pictures.append(photograph(rng, page, capture.tier)[0])
        quality = rng.randint(82, 92) if capture.tier == "clean" else (
            rng.randint(40, 60) if capture.tier == "hard" else rng.randint(72, 88))
        dpi = round(pictures[0].height / 11.69)  # the page is about as tall as A4 (11.69 in)
        made = datetime.combine(printed_on, time(rng.randint(9, 18), rng.randint(0, 59)))
        data = image_pdf(pictures, dpi=dpi, quality=quality, made=made)
        return [DocumentFile(f"{stem}.pdf", data, doc_type.value, capture.tier, "pdf_image",
                             _ordered(doc_type, statement.fields()), statement.transactions(),
                             pages=len(page_images), extra={"quality": quality})]
    if statement_format != "photos":
        raise ValueError(f"unknown statement format {statement_format!r}")
    count = len(page_images) if pages_to_photograph is None else min(pages_to_photograph, len(page_images))
    files = []
    for index in range(count):
        start, end = exported.pages[index]
        first, last = index == 0, index == len(page_images) - 1
        fields = statement.fields(opening=first, closing=last)
        name = stem if pages_to_photograph == 1 else f"{stem}_{index + 1}"
        document = image_document(rng, name, doc_type, page_images[index], fields, capture)
        document.transactions = statement.transactions(statement.rows[start:end])
        document.extra["page"] = index + 1
        document.extra["of_pages"] = len(page_images)
        files.append(document)
    return files
