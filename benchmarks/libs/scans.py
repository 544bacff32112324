"""Part 2: scanned and photographed statements. Transaction rows and CPU of our whole pipeline
(``extract_document``) against two table-structure libraries, each given the page as our pipeline prepares
it (rendered, located, rectified, deskewed, lighting flattened: ``preprocess.prepare``) and the text our
RapidOCR engine reads on it (``engines.get_engine("rapidocr").read_page``), so that what differs is how the
table is cut into rows and cells:

- img2table (its ``Image`` document; our OCR handed over through its ``OCRInstance`` interface), with ruled
  tables only (its default) and with borderless tables and implicit rows;
- rapid-table 0.3.0 (SLANet-plus on ONNX Runtime, with our OCR's boxes), on the page below the header line
  our lexicon finds (the whole page when it prints none).

The tables are mapped to transactions through our header lexicon (``grid``). CPU seconds per page: our
pipeline's (this process and its Tesseract children), and for each library the shared preparation and OCR
plus the library's own table work.
"""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from benchmarks.libs.devset import DevDocument, row_scores, scored
from benchmarks.libs.grid import GridCell, GridReader, Table, html_grid
from loanpipe.domain.documents import DocType
from loanpipe.extraction.engines import get_engine
from loanpipe.extraction.extract import extract_document
from loanpipe.extraction.layout import TextBox
from loanpipe.extraction.parsers.statement_columns import find_header
from loanpipe.extraction.pdf import open_pdf, render_page
from loanpipe.extraction.preprocess import WORK_SIDE, prepare
from loanpipe.extraction.sniff import open_image

OURS = "ours: extract_document (RapidOCR, our parser)"
IMG2TABLE_RULED = "img2table (ruled tables) + our OCR -> our lexicon"
IMG2TABLE_BORDERLESS = "img2table (borderless, implicit rows) + our OCR -> our lexicon"
RAPID_TABLE = "rapid-table 0.3.0 (SLANet-plus) + our OCR -> our lexicon"


def cpu_now() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@dataclass
class ReadPage:
    image: np.ndarray  # the upright page our OCR read (grey or BGR)
    boxes: list[TextBox]


def read_pages(path: Path) -> list[ReadPage]:
    """The pages as our pipeline prepares and reads them (the whole page read, no line skipped)."""
    data = path.read_bytes()
    images: list[Image.Image] = []
    if data[:4] == b"%PDF":
        with open_pdf(data) as document:
            for index in range(len(document)):
                page = document[index]
                try:
                    images.append(render_page(page))
                finally:
                    page.close()
    else:
        images.append(open_image(data, max_side=WORK_SIDE))
    engine = get_engine("rapidocr")
    pages = []
    for image in images:
        prepared = prepare(image)
        scan = engine.read_page(prepared.gray, card=False)
        pages.append(ReadPage(scan.image, scan.boxes))
    return pages


def _bgr(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image


class _GivenOcr:
    """img2table's OCR interface answered with the words our engine already read on the page."""

    def __init__(self, boxes: list[TextBox]):
        self.boxes = boxes

    def of(self, document):  # img2table.ocr._types.OCRInstance.of
        from img2table.ocr._types import OCRData

        records = [{"id": f"w{i}", "parent": f"w{i}", "value": box.text, "confidence": int(100 * box.confidence),
                    "x1": int(box.x0), "y1": int(box.y0), "x2": int(box.x1), "y2": int(box.y1)}
                   for i, box in enumerate(self.boxes)]
        return OCRData(records={0: records}) if records else None


def img2table_tables(page: ReadPage, *, borderless: bool) -> list[Table]:
    from img2table.document import Image as Img2TableImage
    from img2table.ocr._types import OCRInstance

    ocr = type("OurRapidOcr", (_GivenOcr, OCRInstance), {})(page.boxes)
    _, png = cv2.imencode(".png", page.image)
    found = Img2TableImage(src=png.tobytes()).extract_tables(ocr=ocr, borderless_tables=borderless,
                                                             implicit_rows=borderless)
    tables = []
    for table in found:
        grid = []
        for cells in table.content.values():
            row, seen = [], set()
            for cell in cells:  # a spanning cell is repeated in every column it spans
                key = (cell.bbox.x1, cell.bbox.y1, cell.bbox.x2, cell.bbox.y2)
                if key in seen:
                    continue
                seen.add(key)
                row.append(GridCell(cell.value or "", float(cell.bbox.x1), float(cell.bbox.x2)))
            grid.append(row)
        tables.append(grid)
    return tables


_RAPID_TABLE = None


def rapid_table_tables(page: ReadPage) -> list[Table]:
    global _RAPID_TABLE
    if _RAPID_TABLE is None:
        from rapid_table import RapidTable

        _RAPID_TABLE = RapidTable()
    header = find_header(page.boxes)
    top = 0.0
    if header is not None:
        _, below = header
        on_header = [box.y0 for box in page.boxes if box.y1 <= below + 2 and box.cy >= below - 2 * box.height]
        top = max(0.0, min(on_header, default=below) - 8)
    crop = _bgr(page.image)[int(top):, :]
    ocr = [[[[b.x0, b.y0 - top], [b.x1, b.y0 - top], [b.x1, b.y1 - top], [b.x0, b.y1 - top]], b.text, b.confidence]
           for b in page.boxes if b.y0 >= top]
    if not ocr:
        return []
    html, _, _ = _RAPID_TABLE(crop, ocr)
    return [html_grid(html)]


def measure(devset: Path, statements: list[DevDocument]) -> dict[str, dict]:
    """Per reader: the scorer's row summary, CPU seconds per page, pages and errors."""
    names = (OURS, IMG2TABLE_RULED, IMG2TABLE_BORDERLESS, RAPID_TABLE)
    results = {name: {"records": [], "cpu_per_page": [], "pages": 0, "errors": []} for name in names}
    readers = {IMG2TABLE_RULED: lambda page: img2table_tables(page, borderless=False),
               IMG2TABLE_BORDERLESS: lambda page: img2table_tables(page, borderless=True),
               RAPID_TABLE: rapid_table_tables}
    for document in statements:
        data = document.path.read_bytes()
        started = cpu_now()
        extraction = extract_document(data, expected_type=DocType.BANK_STATEMENT, filename=document.path.name)
        cpu = cpu_now() - started
        transactions = [t.model_dump(mode="json") for t in extraction.result.transactions]
        _add(results[OURS], devset, document, transactions, cpu, extraction.pages, None)

        started = cpu_now()
        pages = read_pages(document.path)
        reading = cpu_now() - started
        for name, read in readers.items():
            started = cpu_now()
            reader, error = GridReader(), None
            try:
                for page in pages:
                    for table in read(page):
                        reader.read(table, float(page.image.shape[1]))
            except Exception as exc:  # noqa: BLE001 - a library failing on a page is a result
                error = f"{type(exc).__name__}: {exc}"
            cpu = reading + cpu_now() - started
            _add(results[name], devset, document, reader.transactions, cpu, len(pages), error)
    for result in results.values():
        result["rows"] = row_scores(devset, result["records"])
    return results


def _add(result: dict, devset: Path, document: DevDocument, transactions: list[dict], cpu: float, pages: int,
         error: str | None) -> None:
    result["records"].append(scored(devset, document, transactions, cpu, error))
    result["cpu_per_page"].append(cpu / max(1, pages))
    result["pages"] += pages
    if error:
        result["errors"].append(f"{document.app}: {error}")
