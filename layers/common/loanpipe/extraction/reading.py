"""Reading a document's pages: a photo or scan is prepared and read by OCR; a PDF's pages are read from
their text layer, or rendered and read by OCR when they have none. A page too poor to read stops the
reading with the retake reasons the officer sees."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from loanpipe.domain.errors import PlatformError, RejectedInput
from loanpipe.extraction.card_layout import settle_front_labels
from loanpipe.extraction.engines import EngineChoice, get_engine
from loanpipe.extraction.layout import PageText
from loanpipe.extraction.pdf import check_ocr_pages, open_pdf, read_text_layer, render_page
from loanpipe.extraction.picture import upright_colour
from loanpipe.extraction.preprocess import A4_ASPECT, ID_CARD_ASPECT, WORK_SIDE, ImageMeasures, PreparedPage, prepare
from loanpipe.extraction.quality import diagnose, image_retake_reasons
from loanpipe.extraction.second_look import (
    complete_cut_account_number,
    complete_cut_dates,
    lines_below_table,
    read_lone_ethnicity,
    read_lone_sex,
    read_sex_without_label,
)
from loanpipe.extraction.sniff import FileKind, open_image


class ReadOutOfTime(PlatformError):
    """The read did not finish within the function's wall-clock time. What a document costs to read is judged
    by work, never by the clock (``MAX_OCR_PAGES`` before any OCR, then ``Deadline``'s CPU seconds), so
    running out of wall-clock time is the platform's doing (a busy host, a slow cold start): the message is
    retried with a fresh budget, then dead-lettered, never blamed on the officer as a bad document."""


class Deadline:
    """The read's two budgets. CPU seconds (``time.process_time``, the work this read has done) decide
    whether a document is too much to read: ``document_too_complex``, the same verdict on a busy and an idle
    machine. Wall-clock seconds are the function's time: running out is ``ReadOutOfTime``, retried.
    The CPU budget is below the wall-clock one on an idle Lambda (one thread: CPU ~ wall), so a document
    that needs too much work is refused by its work, before the clock runs out."""

    def __init__(self, seconds: float, cpu_seconds: float = float("inf")):
        self.seconds = seconds
        self.cpu_seconds = cpu_seconds
        self.started = time.monotonic()
        self.cpu_started = time.process_time()

    def remaining(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    def cpu_used(self) -> float:
        return time.process_time() - self.cpu_started

    def check(self, what: str) -> None:
        if self.cpu_used() > self.cpu_seconds:
            raise RejectedInput("document_too_complex", f"reading the document needs more than "
                                                        f"{self.cpu_seconds:.0f} CPU seconds; send fewer pages")
        if self.remaining() <= 0:
            raise ReadOutOfTime(f"the read ran out of its {self.seconds:.0f} s budget ({what})")


@dataclass(frozen=True)
class Page:
    """One page as read: its text runs, and for photos/scans the prepared image's measures and the colour page
    the runs are measured on (for the reviewer's page image)."""

    text: PageText
    measures: ImageMeasures | None = None
    aspect: float = 1.414
    colour: np.ndarray | None = field(default=None, compare=False, repr=False)


def _ocr_read(prepared: PreparedPage, engine_name: str, *, first: bool = True) -> Page:
    """A prepared page read by OCR; the first page keeps its colour image turned as the engine turned it."""
    text = ocr_page(prepared, engine_name)
    colour = upright_colour(prepared.colour, prepared.gray, text.image) if first else None
    return Page(text, prepared.measures, prepared.aspect, colour)


@dataclass(frozen=True)
class EarlyRetake:
    """The document cannot be read far enough to parse: the retake reasons, and the aspect of the page
    that stopped the reading (a card or a sheet, for the type to report)."""

    reasons: list[str]
    aspect: float


@dataclass(frozen=True)
class PagesRead:
    """A document's pages as the primary engine read them, as the second engine read them (consensus
    mode; photographed pages only), and the retake asked before any field could be parsed."""

    pages: list[Page]
    second: list[Page] = field(default_factory=list)
    early: EarlyRetake | None = None


def is_card(aspect: float) -> bool:
    """Card-shaped (85.6 x 54 mm, 1.585) rather than page-shaped (A4, 1.414): the nearer of the two."""
    return (abs(aspect - ID_CARD_ASPECT) < abs(aspect - A4_ASPECT)
            and abs(aspect - ID_CARD_ASPECT) / ID_CARD_ASPECT < 0.12)


def read_document(data: bytes, kind: FileKind, engines: EngineChoice, deadline: Deadline, *,
                  shape: float | None = None) -> PagesRead:
    """``shape``: the aspect of the document the upload slot expects (a card, a page), for a photo taken
    at an angle; None when not known."""
    if kind is FileKind.PDF:
        return read_pdf(data, engines, deadline)
    return read_photo(open_image(data, max_side=WORK_SIDE), engines, deadline, shape=shape)


def ocr_page(prepared: PreparedPage, engine_name: str) -> PageText:
    """A prepared page read by the engine ``engine_name``, with the second looks the page's layout asks
    for (a card's lone 性别 character, a statement's cut dates). The page image goes along in the text
    for a second reading of figures the running balance does not confirm."""
    engine = get_engine(engine_name)
    card = is_card(prepared.aspect)
    scan = engine.read_page(prepared.gray, card=card, skip=None if card else lines_below_table)
    if card:
        boxes = settle_front_labels(scan.boxes, scan.image.shape[1])
        boxes = read_sex_without_label(engine, scan.image, read_lone_sex(engine, scan.image, boxes))
        boxes = read_lone_ethnicity(engine, scan.image, boxes)
    else:
        boxes = complete_cut_account_number(engine, scan, complete_cut_dates(engine, scan, scan.boxes))
    height, width = scan.image.shape[:2]
    return PageText(boxes=tuple(boxes), width=width, height=height, source=engine.name, image=scan.image)


def read_photo(image: Image.Image, engines: EngineChoice, deadline: Deadline, *,
               shape: float | None = None) -> PagesRead:
    prepared = prepare(image, shape=shape)
    early = image_retake_reasons(prepared.measures)
    if early:
        return PagesRead([], [], EarlyRetake(early, prepared.aspect))
    deadline.check("before OCR")
    page = _ocr_read(prepared, engines.primary)
    if not page.text.boxes:
        reasons = diagnose(prepared.measures) or (["blank_page"] if prepared.measures.ink_fraction < 0.01
                                                  else ["unreadable_field"])
        return PagesRead([page], [], EarlyRetake(reasons, prepared.aspect))
    second = []
    if engines.second is not None:
        deadline.check("second engine")
        second = [Page(ocr_page(prepared, engines.second), prepared.measures, prepared.aspect)]
    return PagesRead([page], second)


def read_pdf(data: bytes, engines: EngineChoice, deadline: Deadline) -> PagesRead:
    """Text-layer pages are read directly; the others are rendered and OCR'd. The text layers are read
    first (cheap), so a PDF with too many scanned pages is refused before any OCR runs."""
    pages: list[Page] = []
    second: list[Page] = []
    with open_pdf(data) as document:
        layers: list[PageText | None] = []
        for index in range(len(document)):  # no clock here: the verdict on the page counts never depends on it
            page = document[index]
            try:
                layers.append(read_text_layer(page))
            finally:
                page.close()
        check_ocr_pages(sum(1 for layer in layers if layer is None), engines=1 if engines.second is None else 2)
        deadline.check("text layers read")
        for index, layer in enumerate(layers):
            if layer is not None:
                pages.append(Page(layer, None, max(layer.width, layer.height) / max(1.0, min(layer.width,
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
                    return PagesRead(pages, second, EarlyRetake(early, prepared.aspect))
                continue  # a blank last page of a statement is normal
            pages.append(_ocr_read(prepared, engines.primary, first=not pages))
            if engines.second is not None:
                deadline.check(f"page {index + 1}, second engine")
                second.append(Page(ocr_page(prepared, engines.second), prepared.measures, prepared.aspect))
    if not pages or not any(page.text.boxes for page in pages):
        return PagesRead(pages, second, EarlyRetake(["blank_page"], pages[0].aspect if pages else 1.414))
    return PagesRead(pages, second)
