"""Text on a page as boxes: what every OCR engine and the PDF text layer produce, and the geometry
that turns boxes back into lines, label/value pairs and table rows."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from loanpipe.extraction.normalize import clean_text

# Per character read: the character, its probability, and the next likeliest characters with theirs.
Alternatives = tuple[tuple[str, float, tuple[tuple[str, float], ...]], ...]


@dataclass(frozen=True)
class TextBox:
    """A horizontal run of text on the page (a word, a table cell or a whole line), in pixels of the
    page image (or PDF points), origin top-left. ``confidence`` is the engine's own, 0..1."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float = 1.0
    angle: float | None = None  # slope of the text line in degrees (y grows with x), when the engine knows it
    word_confidence: float | None = None  # the engine's confidence in the letters and digits alone (no punctuation)
    # Each character as the engine read it, with the next likeliest characters it saw there and their
    # probabilities (an engine that says nothing of them: empty).
    alternatives: Alternatives = field(default=(), compare=False, repr=False)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def width(self) -> float:
        return self.x1 - self.x0


@dataclass(frozen=True)
class PageText:
    """Everything read from one page: the boxes, the page size they refer to and who read them. A page
    read by OCR carries its ``image`` (grey, upright, the pixels the boxes refer to) for a second look
    at what the first reading doubts; a PDF text layer has none."""

    boxes: tuple[TextBox, ...]
    width: float
    height: float
    source: str  # engine name or "pdf-text"
    image: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def text(self) -> str:
        return "\n".join(" ".join(box.text for box in row) for row in rows(self.boxes))


def merge(boxes: Sequence[TextBox], sep: str = "") -> TextBox:
    """One box covering ``boxes`` (in reading order); confidence is the weakest part's."""
    ordered = sorted(boxes, key=lambda b: b.x0)
    text = sep.join(b.text for b in ordered)
    return TextBox(clean_text(text), min(b.x0 for b in ordered), min(b.y0 for b in ordered),
                   max(b.x1 for b in ordered), max(b.y1 for b in ordered), min(b.confidence for b in ordered))


MEASURED_SLOPE_TOLERANCE = 0.02  # about 1.1 degrees


def _slope_field(boxes: Sequence[TextBox]) -> tuple[float, float, float]:
    """The text-line slope field (``_fitted_slope_field``), checked against the slopes the engine measured
    on long runs (a detector's quadrilateral follows its line): a page with few runs can give a spurious
    peak from pairs across lines (two short lines' ends one line apart), and the rows it makes mix lines.
    When the field misses most measured slopes by more than ``MEASURED_SLOPE_TOLERANCE``, the page's
    slope is the measured runs' median, the same everywhere."""
    a, b, c = _fitted_slope_field(boxes)
    measured = [(box, math.tan(math.radians(box.angle))) for box in boxes
                if box.angle is not None and box.width >= 4 * box.height]
    if len(measured) < 3:
        return a, b, c
    misses = [abs(a + b * box.cx + c * box.cy - slope) for box, slope in measured]
    if statistics.median(misses) <= MEASURED_SLOPE_TOLERANCE:
        return a, b, c
    return statistics.median(slope for _, slope in measured), 0.0, 0.0


def _fitted_slope_field(boxes: Sequence[TextBox]) -> tuple[float, float, float]:
    """Text-line slope as a linear function of position, ``slope(x, y) = a + b*x + c*y``. Measured from
    the boxes themselves: pairs of boxes side by side on one printed line give ``dy/dx``; the pairs of
    one line agree (a sharp peak), pairs across lines scatter. A photo's residual rotation gives ``a``,
    a keystone (lines converging towards the far edge) gives ``b`` and ``c``."""
    if len(boxes) < 4:
        return 0.0, 0.0, 0.0
    cx = np.array([b.cx for b in boxes])
    cy = np.array([b.cy for b in boxes])
    height = np.array([max(1.0, b.height) for b in boxes])
    dx = cx[None, :] - cx[:, None]
    dy = cy[None, :] - cy[:, None]
    limit = np.minimum(height[:, None], height[None, :])
    pairs = (dx > 3 * limit) & (np.abs(dy) < 1.2 * limit)
    if pairs.sum() < 6:
        return 0.0, 0.0, 0.0
    slopes = dy[pairs] / dx[pairs]
    bins = np.arange(-0.25, 0.2501, 0.004)
    histogram, edges = np.histogram(slopes, bins=bins)
    peak = (edges[np.argmax(histogram)] + edges[np.argmax(histogram) + 1]) / 2
    near = np.abs(slopes - peak) < 0.01
    if near.sum() < 6:
        return float(peak), 0.0, 0.0
    mid_x = ((cx[:, None] + cx[None, :]) / 2)[pairs]
    mid_y = ((cy[:, None] + cy[None, :]) / 2)[pairs]
    design = np.column_stack([np.ones_like(mid_x), mid_x, mid_y])
    # A keystone turns the lines by a few degrees from the top of the page to the bottom: one peak for
    # the whole page catches only the lines near the middle. The peak is taken band by band (top to
    # bottom), so the first fit already follows the turn; the fit then keeps the pairs it explains.
    seeds = np.zeros_like(near)
    bands = np.quantile(mid_y, np.linspace(0, 1, 6))
    for top, bottom in zip(bands[:-1], bands[1:], strict=True):
        inside = (mid_y >= top) & (mid_y <= bottom)
        if inside.sum() < 12:
            continue
        counts, _ = np.histogram(slopes[inside], bins=bins)
        counts = np.convolve(counts, (1, 2, 1), mode="same")
        band_peak = (edges[np.argmax(counts)] + edges[np.argmax(counts) + 1]) / 2
        seeds |= inside & (np.abs(slopes - band_peak) < 0.006)
    inliers = seeds if seeds.sum() >= 12 else near
    coefficients = np.array([peak, 0.0, 0.0])
    for _ in range(5):
        coefficients, *_ = np.linalg.lstsq(design[inliers], slopes[inliers], rcond=None)
        grown = np.abs(design @ coefficients - slopes) < 0.006
        if grown.sum() < 6 or np.array_equal(grown, inliers):
            break
        inliers = grown
    a, b, c = (float(value) for value in coefficients)
    return a, b, c


def row_coordinates(boxes: Sequence[TextBox]) -> list[float]:
    """For each box, the height its text line has at the page's left edge (x = 0): boxes on one
    printed line get the same value even on a tilted or keystoned photo."""
    a, b, c = _slope_field(boxes)
    if a == b == c == 0.0:
        return [box.cy for box in boxes]
    result = []
    for box in boxes:
        x, y = box.cx, box.cy
        result.append(y - (a * x + b * x * x / 2 + c * y * x))
    return result


def rows(boxes: Iterable[TextBox], min_overlap: float = 0.45) -> list[list[TextBox]]:
    """Group boxes into visual rows (top to bottom), each row left to right. Two boxes are on one row
    when their lines, followed across the page (``row_coordinates``), are less than ``min_overlap`` of
    the smaller box's height apart (detector boxes carry a margin of about half a line)."""
    boxes = list(boxes)
    return [[box for box, _ in row] for row in rows_with_coordinates(boxes, row_coordinates(boxes), min_overlap)]


def rows_with_coordinates(boxes: Sequence[TextBox], coordinates: Sequence[float],
                          min_overlap: float = 0.45) -> list[list[tuple[TextBox, float]]]:
    """``rows`` for boxes whose row coordinates are known: each row's boxes with their coordinate."""
    if not boxes:
        return []
    order = sorted(range(len(boxes)), key=lambda index: (coordinates[index], boxes[index].x0))
    result: list[list[tuple[TextBox, float]]] = []
    anchors: list[tuple[float, float]] = []  # (row coordinate, height) of each row's first box
    for index in order:
        box, v = boxes[index], coordinates[index]
        for row_index in range(len(result) - 1, max(-1, len(result) - 4), -1):
            anchor_v, anchor_h = anchors[row_index]
            if abs(v - anchor_v) <= min_overlap * min(anchor_h, box.height):
                result[row_index].append((box, v))
                break
        else:
            result.append([(box, v)])
            anchors.append((v, box.height))
    return [sorted(row, key=lambda item: item[0].x0) for row in result]


def same_row(boxes: Sequence[TextBox], anchor: TextBox) -> list[TextBox]:
    """The boxes on ``anchor``'s visual row (``anchor`` included), left to right."""
    for row in rows(boxes):
        if any(box is anchor for box in row):
            return row
    return [anchor]


def join_runs(boxes: Sequence[TextBox], gap_factor: float = 1.2) -> list[TextBox]:
    """Join boxes of one row whose horizontal gap is below ``gap_factor`` x text height into runs
    (Tesseract's per-word or per-character boxes into the phrases a label/value parser wants)."""
    runs: list[TextBox] = []
    for row in rows(boxes):
        current: list[TextBox] = [row[0]]
        for box in row[1:]:
            previous = current[-1]
            height = max(previous.height, box.height)
            if box.x0 - previous.x1 <= gap_factor * height:
                current.append(box)
            else:
                runs.append(merge(current, sep=" "))
                current = [box]
        runs.append(merge(current, sep=" "))
    return runs
