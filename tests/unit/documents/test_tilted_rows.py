"""Rows of a page with few runs: the slope field fitted from pairs of runs can peak on pairs across lines
(the ends of two short lines one line apart) and mix the lines; the slopes the detector measured on its
long runs overrule it. The runs are those of a dev-set certificate photo (app_032, its glare splitting the
lines), their texts replaced."""

from __future__ import annotations

from loanpipe.extraction import layout
from loanpipe.extraction.layout import TextBox, rows

# (x0, y0, x1, y1, angle in degrees) as the detector gave them, top to bottom of the letter
_RUNS = [
    ("title", 446, 331, 600, 371, -0.65),
    ("line1", 256, 400, 823, 433, -0.70),
    ("line2-left", 220, 433, 482, 461, -0.78),
    ("line2-right", 507, 429, 823, 458, -0.67),
    ("line3-left", 220, 466, 416, 485, 0.0),
    ("line3-right", 537, 461, 761, 488, -0.22),
    ("line4", 244, 498, 315, 523, 1.96),
    ("line5-left", 241, 533, 423, 559, 0.63),
    ("line5-right", 447, 533, 816, 559, 0.11),
    ("line6", 204, 560, 327, 587, 0.35),
    ("signoff-left", 465, 726, 664, 757, 1.28),
    ("signoff-right", 675, 731, 762, 759, -1.78),
    ("signer", 464, 770, 513, 789, None),
    ("phone", 458, 810, 632, 836, 2.24),
]


def _boxes() -> list[TextBox]:
    return [TextBox(text, x0, y0, x1, y1, 0.95, angle) for text, x0, y0, x1, y1, angle in _RUNS]


def _lines(boxes: list[TextBox]) -> list[list[str]]:
    return [[box.text for box in row] for row in rows(boxes)]


def test_the_lines_of_a_sparse_page_stay_apart_and_in_order():
    assert _lines(_boxes()) == [
        ["title"], ["line1"], ["line2-left", "line2-right"], ["line3-left", "line3-right"], ["line4"],
        ["line5-left", "line5-right"], ["line6"], ["signoff-left", "signoff-right"], ["signer"], ["phone"]]


def test_without_the_measured_slopes_the_fitted_field_mixes_those_lines(monkeypatch):
    # the check above is the measured slopes' doing: the fit alone takes a spurious 9-degree slope
    monkeypatch.setattr(layout, "MEASURED_SLOPE_TOLERANCE", 1.0)
    lines = _lines(_boxes())
    assert ["line2-left", "line1"] in lines and ["line4", "line2-right"] in lines


def test_runs_without_a_measured_slope_keep_the_fitted_field():
    # Tesseract's runs carry no angle: the field is the fit's, as before
    boxes = [TextBox(text, x0, y0, x1, y1, 0.95) for text, x0, y0, x1, y1, _ in _RUNS]
    assert layout._slope_field(boxes) == layout._fitted_slope_field(boxes)
