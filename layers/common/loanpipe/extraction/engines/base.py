"""What an OCR engine gives extraction, as typed objects, and the one interface every engine offers.

Extraction never asks which engine it holds. It asks the engine to read a page (``read_page``) and,
where a document's layout says the first reading missed or cut text, to look again: a line image read
as it is (``read_line``), text re-read over a wider stretch of its line (``reread``), a small crop
searched at full resolution (``read_crop``). An engine without such a second look returns nothing and
the first reading stands. Figures a statement's running balance doubts are read again by a
``FigureReader`` (``engines.figure_reader()``).

Images are numpy arrays, grey ``HxW`` or BGR ``HxWx3``, uint8; boxes are in pixels of the image given.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol

import numpy as np

from loanpipe.extraction.layout import Alternatives, TextBox


class OcrUnavailable(RuntimeError):
    """The engine cannot run here (binary or model missing): a platform error, retried then DLQ."""


@dataclass(frozen=True)
class LineRead:
    """One line image recognised as it is, without looking for text on it first: the text, the mean
    confidence of its printed characters, and of its letters and digits alone; each character with the next
    likeliest ones the engine saw there (``TextBox.alternatives``)."""

    text: str
    confidence: float
    word_confidence: float
    alternatives: Alternatives = ()


@dataclass(frozen=True)
class Detection:
    """Text found on a page before recognition: ``quads`` (full-resolution corners, for cropping) and
    ``frames`` (the same as boxes without text, in the page frame turned by its median text angle).
    ``image`` is the BGR page the quads refer to."""

    image: np.ndarray
    quads: list[np.ndarray]
    frames: list[TextBox]


@dataclass(frozen=True)
class PageScan:
    """One page as an engine read it. ``image``: the page the boxes refer to, as given (grey or BGR),
    turned upright when the engine found it turned. ``boxes``: the text runs read. ``detection``: where
    the engine's detector found text, kept for a re-read (None for an engine that finds and reads text
    in one pass)."""

    image: np.ndarray
    boxes: list[TextBox]
    detection: Detection | None = None


@dataclass(frozen=True)
class Stretch:
    """A request to read again, along its own line, the text an engine read as ``box``, from the box's
    left edge over ``width`` pixels of the page (wider than the box: the detector cut the text short)."""

    box: TextBox
    width: float


SkipLines = Callable[[Sequence[TextBox], Sequence[TextBox]], Collection[int]]
"""Given the text read on the top of a page and the boxes (without text) of every line found on it, the
indexes of the lines not worth reading (those below a statement table: the disclaimer, the page number)."""


class OcrEngine(ABC):
    """One OCR engine, created once per process by ``engines.get_engine(name)``."""

    name: ClassVar[str]

    @abstractmethod
    def read_page(self, image: np.ndarray, *, card: bool, skip: SkipLines | None = None) -> PageScan:
        """Every text run on a page (``card``: the page is an ID card rather than an A4 sheet). An engine
        that detects text before it reads it asks ``skip`` which lines to leave unread; one that reads
        the whole page in one pass reads them all."""

    def read_line(self, crop: np.ndarray) -> LineRead | None:
        """``crop`` read as one line of text. None: this engine offers no such second look."""
        return None

    def reread(self, scan: PageScan, stretches: Sequence[Stretch]) -> list[TextBox]:
        """The text of ``scan``'s boxes named by ``stretches``, read again over their widths, as boxes at
        the place (and with the size) of the boxes first read; a reading too weak to keep is left out.
        Empty: this engine offers no such second look."""
        return []

    def read_crop(self, crop: np.ndarray) -> list[TextBox]:
        """Every text run on a small crop of a page, looked for at full resolution, in the crop's
        pixels. Empty: this engine offers no such second look."""
        return []


class FigureReader(Protocol):
    def read_figures(self, crop: np.ndarray, *, layout: Literal["line", "word"] = "line") -> str:
        """One cell of figures (an amount) read with the digits, the sign and the separators only, as a
        line of text or as a single word."""
        ...
