"""OCR engines behind one interface: Tesseract (pytesseract, chi_sim+eng) and RapidOCR (PP-OCR models
shipped inside the ``rapidocr_onnxruntime`` wheel, offline).

Engines are created lazily on first use and cached per process: importing this module loads no model
and starts no process. Both take a numpy image (grey ``HxW`` or BGR ``HxWx3``, uint8) and return
``TextBox`` runs with confidences in 0..1.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import cv2
import numpy as np

from loanpipe.documents.layout import TextBox, join_runs
from loanpipe.documents.normalize import clean_text
from loanpipe.documents.settings import extraction_settings

logger = logging.getLogger(__name__)


class OcrEngine(Protocol):
    name: str

    def read(self, image: np.ndarray) -> list[TextBox]:
        """Detect and recognise every text run on the image."""
        ...


class OcrUnavailable(RuntimeError):
    """The engine cannot run here (binary or model missing): a platform error, retried then DLQ."""


def _bgr(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    return image


def _quad_angle(points: np.ndarray) -> float:
    (x0, y0), (x1, y1) = points[0], points[1]
    return math.degrees(math.atan2(y1 - y0, max(1e-6, x1 - x0)))


def _order_points(points: np.ndarray) -> np.ndarray:
    total, diff = points.sum(axis=1), np.diff(points, axis=1).ravel()
    return np.array([points[np.argmin(total)], points[np.argmin(diff)], points[np.argmax(total)],
                     points[np.argmax(diff)]], dtype=np.float32)


def _merge_split_quads(quads: list[np.ndarray], frames: list[TextBox]) -> list[np.ndarray]:
    """The detector sometimes cuts one word into two overlapping boxes ("2026-" | "6-02-20"): read
    separately, the overlap is read twice or garbled. Boxes on one line that overlap are merged."""
    merged = [q for q in quads]
    alive = [True] * len(quads)
    boxes = list(frames)
    for i in range(len(boxes)):
        if not alive[i]:
            continue
        for j in range(i + 1, len(boxes)):
            if not alive[j]:
                continue
            a, b = boxes[i], boxes[j]
            height = min(a.height, b.height)
            if abs(a.cy - b.cy) > 0.3 * height:
                continue
            overlap = min(a.x1, b.x1) - max(a.x0, b.x0)
            if overlap < 0.15 * height:
                continue
            points = np.vstack([merged[i], merged[j]]).astype(np.float32)
            merged[i] = _order_points(cv2.boxPoints(cv2.minAreaRect(points)).astype(np.float32))
            boxes[i] = TextBox("", min(a.x0, b.x0), min(a.y0, b.y0), max(a.x1, b.x1), max(a.y1, b.y1))
            alive[j] = False
    return [quad for quad, keep in zip(merged, alive, strict=True) if keep]


@dataclass(frozen=True)
class Detection:
    """Text found on a page before recognition: ``quads`` (full-resolution corners, for cropping) and
    ``frames`` (the same as boxes without text, in the page frame turned by its median text angle)."""

    image: np.ndarray
    quads: list[np.ndarray]
    frames: list[TextBox]


def _frames(quads: list[np.ndarray], width: int, height: int) -> list[TextBox]:
    """Boxes in a frame turned by the page's median text angle, so that a photo's residual rotation
    does not inflate the boxes' heights; each box keeps its own residual angle."""
    def is_wide(q: np.ndarray) -> bool:
        return bool(np.linalg.norm(q[1] - q[0]) > 3 * max(1.0, np.linalg.norm(q[3] - q[0])))

    wide = [_quad_angle(q) for q in quads if is_wide(q)]
    turn = float(np.median(wide)) if wide else 0.0
    centre = np.array([width / 2, height / 2], dtype=np.float32)
    cos, sin = math.cos(math.radians(-turn)), math.sin(math.radians(-turn))
    rotation = np.array([[cos, -sin], [sin, cos]], dtype=np.float32)
    frames = []
    for points in quads:
        turned = (points - centre) @ rotation.T + centre
        xs, ys = turned[:, 0], turned[:, 1]
        frames.append(TextBox("", float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()), 0.0,
                              _quad_angle(turned) if is_wide(points) else None))
    return frames


class RapidOcrEngine:
    """PP-OCRv4 detection + recognition through onnxruntime. One engine per process; calls are
    serialised because an onnxruntime session with 1 thread is the cheapest in CPU seconds."""

    name = "rapidocr"

    def __init__(self, threads: int = 1):
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as exc:  # pragma: no cover - the package is a pinned dependency
            raise OcrUnavailable("rapidocr_onnxruntime is not installed") from exc
        # RapidOCR's logger is set to DEBUG with its own handler; keep it quiet.
        logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        logging.getLogger("OrtInferSession").setLevel(logging.WARNING)
        self._ocr = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1, print_verbose=False)
        # We scale the detector's input ourselves (``det_scale``): no resizing inside beyond rounding.
        self._ocr.text_det.limit_type = "max"
        self._ocr.text_det.limit_side_len = 4000
        # Short crops ("男", "汉") are padded to the recogniser's minimum width: keep that minimum small.
        self._ocr.text_rec.rec_image_shape = [3, 48, 160]
        self._ocr.text_rec.rec_batch_num = 1  # sorted crops of one page differ in width: padding costs more
        self._lock = threading.Lock()

    def detect(self, image: np.ndarray, *, det_scale: float = 0.5) -> Detection:
        """Find the text on a copy scaled by ``det_scale`` (the detector needs ~16 px glyphs, far fewer
        pixels than recognition); the quads refer to the full-resolution image."""
        bgr = _bgr(image)
        small = bgr if det_scale >= 0.99 else cv2.resize(bgr, None, fx=det_scale, fy=det_scale,
                                                         interpolation=cv2.INTER_AREA)
        with self._lock:
            found, _ = self._ocr.text_det(small)
        if found is None or len(found) == 0:
            return Detection(bgr, [], [])
        quads = [np.asarray(box, dtype=np.float32) / det_scale for box in self._ocr.sorted_boxes(found)]
        quads = _merge_split_quads(quads, _frames(quads, bgr.shape[1], bgr.shape[0]))
        return Detection(bgr, quads, _frames(quads, bgr.shape[1], bgr.shape[0]))

    def recognise(self, detection: Detection, indexes: Sequence[int] | None = None) -> list[TextBox]:
        """Read the detected text at ``indexes`` (all by default), cropped from the full-resolution image."""
        chosen = list(range(len(detection.quads))) if indexes is None else list(indexes)
        if not chosen:
            return []
        with self._lock:
            crops = self._ocr.get_crop_img_list(detection.image, [detection.quads[i] for i in chosen])
            recognised, _ = self._ocr.text_rec(crops, False)
        boxes = []
        for index, (text, score) in zip(chosen, recognised, strict=True):
            text = clean_text(str(text))
            if not text or float(score) < 0.3:
                continue
            frame = detection.frames[index]
            boxes.append(TextBox(text, frame.x0, frame.y0, frame.x1, frame.y1, float(score), frame.angle))
        return boxes

    def read(self, image: np.ndarray, *, det_scale: float = 0.5) -> list[TextBox]:
        return self.recognise(self.detect(image, det_scale=det_scale))


TESSERACT_TIMEOUT = 40  # seconds per page; a hung tesseract must not eat the whole Lambda timeout


class TesseractEngine:
    """Tesseract 5 through pytesseract, ``chi_sim+eng``, one OpenMP thread (the cheapest in CPU)."""

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
        words = self._data(image, psm=11 if image.shape[0] < 900 else 3)
        return join_runs(words) if words else []


ENGINE_NAMES = ("rapidocr", "tesseract")


@lru_cache(maxsize=4)
def get_engine(name: str) -> OcrEngine:
    """The process-wide engine called ``name`` ("rapidocr" or "tesseract"), created on first use."""
    settings = extraction_settings()
    if name == "rapidocr":
        return RapidOcrEngine(threads=settings.ocr_threads)
    if name == "tesseract":
        return TesseractEngine(settings.tesseract_binary(), settings.tesseract_lang)
    raise ValueError(f"unknown OCR engine {name!r}; use one of {', '.join(ENGINE_NAMES)} or consensus")
