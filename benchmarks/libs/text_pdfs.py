"""Part 1: statements with a text layer. Transaction rows of our parser fed by our word boxes (pypdfium2
text-page rectangles, ``extraction.pdf.read_text_layer``) against the same parser fed by pdfplumber's
``extract_words``, and pdfplumber's own table finding (``extract_tables``, ruled and text strategies) mapped
through our header lexicon (``grid``). CPU seconds per page (``time.process_time``) cover opening the PDF,
getting the words or tables, and turning them into rows."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path

import pdfplumber

from benchmarks.libs.devset import DevDocument, row_scores, scored
from benchmarks.libs.grid import GridCell, GridReader
from loanpipe.domain.documents import DocType
from loanpipe.domain.money import money_str
from loanpipe.extraction.layout import PageText, TextBox
from loanpipe.extraction.normalize import clean_text
from loanpipe.extraction.parse import parse_pages
from loanpipe.extraction.pdf import TEXT_LAYER, open_pdf, read_text_layer

# pdfplumber's table settings measured: its default (ruling lines) and its text-alignment strategy.
TABLE_SETTINGS = {
    "lines": {},
    "text": {"vertical_strategy": "text", "horizontal_strategy": "text"},
}


def _rows(pages: list[PageText]) -> list[dict]:
    parsed = parse_pages(DocType.BANK_STATEMENT, pages)
    return [{"date": row.date, "amount": money_str(row.amount),
             "balance": money_str(row.balance) if row.balance is not None else None} for row in parsed.rows]


def ours(data: bytes) -> tuple[list[dict], int]:
    """Our word boxes (pypdfium2) into our parser."""
    with open_pdf(data) as document:
        pages = []
        for index in range(len(document)):
            page = document[index]
            try:
                layer = read_text_layer(page)
            finally:
                page.close()
            if layer is not None:
                pages.append(layer)
        return _rows(pages), len(document)


def plumber_words(data: bytes) -> tuple[list[dict], int]:
    """pdfplumber's words (default tolerances) into our parser, as the same page-text objects."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = []
        for page in pdf.pages:
            words = page.extract_words()
            boxes = tuple(TextBox(clean_text(word["text"]), float(word["x0"]), float(word["top"]),
                                  float(word["x1"]), float(word["bottom"]), 1.0) for word in words)
            pages.append(PageText(boxes=boxes, width=float(page.width), height=float(page.height), source=TEXT_LAYER))
        return _rows(pages), len(pdf.pages)


def plumber_tables(strategy: str) -> Callable[[bytes], tuple[list[dict], int]]:
    """pdfplumber's tables (``strategy``: ``lines`` or ``text``), each cell with its x-extent, mapped
    through our header lexicon."""
    settings = TABLE_SETTINGS[strategy]

    def read(data: bytes) -> tuple[list[dict], int]:
        reader = GridReader()
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                for table in page.find_tables(settings):
                    grid = [[GridCell(text or "", *((cell[0], cell[2]) if cell is not None else (None, None)))
                             for cell, text in zip(row.cells, texts, strict=True)]
                            for row, texts in zip(table.rows, table.extract(), strict=True)]
                    reader.read(grid, float(page.width))
            return reader.transactions, len(pdf.pages)

    return read


READERS: dict[str, Callable[[bytes], tuple[list[dict], int]]] = {
    "ours: pypdfium2 word boxes -> our parser": ours,
    "pdfplumber extract_words -> our parser": plumber_words,
    "pdfplumber extract_tables (ruling lines) -> our lexicon": plumber_tables("lines"),
    "pdfplumber extract_tables (text alignment) -> our lexicon": plumber_tables("text"),
}


def measure(devset: Path, statements: list[DevDocument]) -> dict[str, dict]:
    """Per reader: the scorer's row summary, CPU seconds per page (median and total / pages), and errors."""
    results = {}
    for name, read in READERS.items():
        records, cpu_per_page, pages, errors = [], [], 0, []
        for document in statements:
            data = document.path.read_bytes()
            started = time.process_time()
            try:
                transactions, count = read(data)
                error = None
            except Exception as exc:  # noqa: BLE001 - a library failing on a file is a result
                transactions, count, error = [], 1, f"{type(exc).__name__}: {exc}"
                errors.append(f"{document.app}: {error}")
            cpu = time.process_time() - started
            pages += count
            cpu_per_page.append(cpu / max(1, count))
            records.append(scored(devset, document, transactions, cpu, error))
        results[name] = {"rows": row_scores(devset, records), "cpu_per_page": cpu_per_page, "pages": pages,
                         "errors": errors, "records": records}
    return results
