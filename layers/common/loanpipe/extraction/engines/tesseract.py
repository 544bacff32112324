"""Tesseract 5 through pytesseract (``chi_sim+eng``): the Lambda OCR layer's engine, the second engine
of consensus mode and the second reader of a statement's doubtful figures."""

from __future__ import annotations

import logging
import os
from typing import Literal

import numpy as np

from loanpipe.extraction.engines.base import OcrEngine, OcrUnavailable, PageScan, SkipLines
from loanpipe.extraction.layout import TextBox, join_runs

logger = logging.getLogger(__name__)

TESSERACT_TIMEOUT = 40  # seconds per page; a hung tesseract must not eat the whole Lambda timeout
_FIGURE_PSM = {"line": 7, "word": 8}  # Tesseract's page segmentation modes: one text line, one word


class TesseractEngine(OcrEngine):
    """Tesseract 5 through pytesseract, ``chi_sim+eng``, one OpenMP thread (the cheapest in CPU).

    It finds and reads the text of a page in one pass: nothing is left unread, and it offers none of
    the second looks of ``OcrEngine`` (they make up for a separate detector's misses; its reading of a
    page stays what it has always been)."""

    name = "tesseract"

    def __init__(self, binary: str, lang: str = "chi_sim+eng"):
        import pytesseract

        # Tesseract's OpenMP threads cost more CPU seconds than they save on a 2-vCPU Lambda.
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        pytesseract.pytesseract.tesseract_cmd = binary
        self._tess = pytesseract
        self._lang = lang
        try:
            version = pytesseract.get_tesseract_version()
        except (pytesseract.TesseractNotFoundError, OSError) as exc:
            raise OcrUnavailable(f"tesseract not found at {binary}") from exc
        logger.debug("tesseract ready", extra={"version": str(version), "binary": binary})

    def _data(self, image: np.ndarray, psm: int) -> list[TextBox]:
        from PIL import Image

        pil = Image.fromarray(image if image.ndim == 2 else image[:, :, ::-1])
        data = self._tess.image_to_data(pil, lang=self._lang, config=f"--psm {psm}",
                                        output_type=self._tess.Output.DICT, timeout=TESSERACT_TIMEOUT)
        words: list[TextBox] = []
        for index, text in enumerate(data["text"]):
            text = (text or "").strip()
            confidence = float(data["conf"][index])
            if not text or confidence < 0:
                continue
            left, top = data["left"][index], data["top"][index]
            words.append(TextBox(text, left, top, left + data["width"][index], top + data["height"][index],
                                 max(0.0, min(1.0, confidence / 100.0))))
        return words

    def read(self, image: np.ndarray) -> list[TextBox]:
        """The page's words joined into runs: sparse text (psm 11) on a small image, a page layout
        (psm 3) on a large one."""
        words = self._data(image, psm=11 if image.shape[0] < 900 else 3)
        return join_runs(words) if words else []

    def read_page(self, image: np.ndarray, *, card: bool, skip: SkipLines | None = None) -> PageScan:
        return PageScan(image, self.read(image))

    def read_figures(self, crop: np.ndarray, *, layout: Literal["line", "word"] = "line") -> str:
        """One cell of figures (an amount), read with the digits, the sign and the separators only."""
        from PIL import Image

        pil = Image.fromarray(crop if crop.ndim == 2 else crop[:, :, ::-1])
        config = f"--psm {_FIGURE_PSM[layout]} -c tessedit_char_whitelist=0123456789.,-+"
        text = self._tess.image_to_string(pil, lang="eng", timeout=TESSERACT_TIMEOUT, config=config)
        return text.strip()
