"""OCR engines behind one interface (``base.OcrEngine``): RapidOCR (``rapid``, the default) and Tesseract
(``tesseract``). The factories below are the only place that knows an engine by its name.

Engines are created lazily on first use and cached per process: importing this package loads no model
and starts no process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from loanpipe.extraction.engines.base import FigureReader, OcrEngine, OcrUnavailable
from loanpipe.extraction.engines.orientation import DirectionClassifier
from loanpipe.extraction.engines.rapid import RapidOcrEngine
from loanpipe.extraction.engines.tesseract import TesseractEngine
from loanpipe.extraction.settings import extraction_settings

logger = logging.getLogger(__name__)

__all__ = ["ENGINE_NAMES", "MODES", "EngineChoice", "OcrEngine", "OcrUnavailable", "choose_engines",
           "figure_reader", "get_engine"]

ENGINE_NAMES = ("rapidocr", "tesseract")
MODES = ("rapidocr", "tesseract", "consensus")  # what a caller may ask for: one engine, or both


@lru_cache(maxsize=1)
def _rapidocr() -> RapidOcrEngine:
    return RapidOcrEngine(threads=extraction_settings().ocr_threads, direction=_direction_classifier())


def _direction_classifier() -> DirectionClassifier | None:
    """The whole-picture direction classifier, or None where it cannot load (the text lines then decide)."""
    try:
        return DirectionClassifier()
    except OcrUnavailable as exc:
        logger.warning("direction classifier unavailable, pictures are turned by their text lines",
                       extra={"error": str(exc)})
        return None


@lru_cache(maxsize=1)
def _tesseract() -> TesseractEngine:
    settings = extraction_settings()
    return TesseractEngine(settings.tesseract_binary(), settings.tesseract_lang)


def get_engine(name: str) -> OcrEngine:
    """The process-wide engine called ``name`` ("rapidocr" or "tesseract"), created on first use."""
    if name == "rapidocr":
        return _rapidocr()
    if name == "tesseract":
        return _tesseract()
    raise ValueError(f"unknown OCR engine {name!r}; use one of {', '.join(ENGINE_NAMES)} or consensus")


@dataclass(frozen=True)
class EngineChoice:
    """The engines a mode reads with: ``primary`` reads every page; ``second``, when there is one, reads
    the photographed pages again for consensus on the decisive fields."""

    primary: str
    second: str | None = None


def choose_engines(mode: str) -> EngineChoice:
    """The engines of a mode (``MODES``); consensus is RapidOCR checked by Tesseract."""
    if mode not in MODES:
        raise ValueError(f"unknown OCR engine {mode!r}; use one of {', '.join(MODES)}")
    if mode == "consensus":
        return EngineChoice("rapidocr", "tesseract")
    return EngineChoice(mode)


def figure_reader() -> FigureReader | None:
    """The reader of a statement's doubtful figures (Tesseract, digits only), or None where it cannot run."""
    try:
        return _tesseract()
    except OcrUnavailable:
        return None
