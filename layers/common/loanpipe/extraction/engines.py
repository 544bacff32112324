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

from loanpipe.extraction.layout import TextBox, join_runs
from loanpipe.extraction.normalize import clean_text
from loanpipe.extraction.settings import extraction_settings

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
    if len(boxes) < 2:
        return merged
    x0, x1 = np.array([b.x0 for b in boxes]), np.array([b.x1 for b in boxes])
    cy, height = np.array([b.cy for b in boxes]), np.array([b.height for b in boxes])
    smaller = np.minimum(height[:, None], height[None, :])
    touching = ((np.abs(cy[:, None] - cy[None, :]) <= 0.3 * smaller)
                & (np.minimum(x1[:, None], x1[None, :]) - np.maximum(x0[:, None], x0[None, :]) >= 0.15 * smaller))
    np.fill_diagonal(touching, False)
    for i in np.nonzero(touching.any(axis=1))[0]:
        if not alive[i]:
            continue
        for j in range(i + 1, len(boxes)):
            if not alive[j] or not touching[i, j]:
                continue
            a, b = boxes[i], boxes[j]
            height_ij = min(a.height, b.height)
            if abs(a.cy - b.cy) > 0.3 * height_ij or min(a.x1, b.x1) - max(a.x0, b.x0) < 0.15 * height_ij:
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


REC_HEIGHT = 48  # the PP-OCRv4 recogniser's input height
REC_MIN_WIDTH = 160  # short crops ("男", "汉") are padded to this width: the recogniser reads them better
PAGE_REC_MIN_WIDTH = 120  # page cells are words and figures: a narrower padding reads them as well (measured)
REC_BATCH = 8
REC_BATCH_SPREAD = 1.12  # crops batched together differ in width by at most 12% (the padding is computed)


def _fused_session(original, threads: int, probe_shape: tuple[int, ...]):
    """An onnxruntime session of the fused model (loanpipe.extraction.recmodel), used only when it gives
    the original's output on a probe input; otherwise the original session."""
    import onnxruntime

    from loanpipe.extraction.recmodel import fuse_model

    path = getattr(original, "_model_path", None)  # where onnxruntime loaded the shipped model from
    if not path:
        return original
    try:
        with open(path, "rb") as handle:
            fused_bytes = fuse_model(handle.read())
        if fused_bytes is None:
            return original
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = False
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        fused = onnxruntime.InferenceSession(fused_bytes, options, providers=["CPUExecutionProvider"])
        probe = np.random.default_rng(0).uniform(-1, 1, size=probe_shape).astype(np.float32)
        name = original.get_inputs()[0].name
        expected, got = original.run(None, {name: probe})[0], fused.run(None, {name: probe})[0]
    except Exception:  # noqa: BLE001 - any surprise in the file: keep the model as shipped
        logger.warning("model rewrite failed; using the model as shipped", exc_info=True)
        return original
    if expected.shape != got.shape or float(np.abs(expected - got).max()) > 1e-3:
        logger.warning("rewritten model differs from the original; using the model as shipped")
        return original
    return fused


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
        self._decode = self._ocr.text_rec.postprocess_op
        self._recogniser = _fused_session(self._ocr.text_rec.session.session, threads,
                                          (1, 3, REC_HEIGHT, 2 * REC_MIN_WIDTH))
        self._input = self._recogniser.get_inputs()[0].name
        self._detector = _fused_session(self._ocr.text_det.infer.session, threads, (1, 3, 96, 96))
        self._det_input = self._detector.get_inputs()[0].name
        self._lock = threading.Lock()

    def detect(self, image: np.ndarray, *, det_scale: float = 0.5) -> Detection:
        """Find the text on a copy scaled by ``det_scale`` (the detector needs ~16 px glyphs, far fewer
        pixels than recognition); the quads refer to the full-resolution image."""
        bgr = _bgr(image)
        small = bgr if det_scale >= 0.99 else cv2.resize(bgr, None, fx=det_scale, fy=det_scale,
                                                         interpolation=cv2.INTER_AREA)
        found = self._detect(small)
        if found is None or len(found) == 0:
            return Detection(bgr, [], [])
        quads = [np.asarray(box, dtype=np.float32) / det_scale for box in self._ocr.sorted_boxes(found)]
        quads = _merge_split_quads(quads, _frames(quads, bgr.shape[1], bgr.shape[0]))
        return Detection(bgr, quads, _frames(quads, bgr.shape[1], bgr.shape[0]))

    def upside_down(self, detection: Detection, sample: int = 6) -> bool:
        """Is the text upside down? The direction classifier shipped with the models looks at the longest
        lines found (a few milliseconds); the majority of confident votes decides. Lines running top to
        bottom are cropped turned a quarter counter-clockwise: "upside down" then means the page is
        turned a quarter counter-clockwise, upright that it is turned clockwise."""
        if not detection.quads:
            return False
        longest = sorted(range(len(detection.frames)),
                         key=lambda i: max(detection.frames[i].width, detection.frames[i].height), reverse=True)
        crops = self._ocr.get_crop_img_list(detection.image, [detection.quads[i] for i in longest[:sample]])
        with self._lock:
            _, votes, _ = self._ocr.text_cls(crops)
        turned = sum(float(score) for label, score in votes if "180" in str(label) and float(score) > 0.7)
        upright = sum(float(score) for label, score in votes if "180" not in str(label) and float(score) > 0.7)
        return turned > upright

    def _detect(self, image: np.ndarray) -> np.ndarray | None:
        """The DB detector's text quads on ``image`` (its sides rounded to multiples of 32)."""
        height, width = image.shape[:2]
        sized_h, sized_w = max(32, round(height / 32) * 32), max(32, round(width / 32) * 32)
        sized = cv2.resize(image, (sized_w, sized_h)) if (sized_h, sized_w) != (height, width) else image
        tensor = (sized.astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)[None]
        with self._lock:
            probability = self._detector.run(None, {self._det_input: tensor})[0]
        text_det = self._ocr.text_det
        found, _ = text_det.postprocess_op(probability, (height, width))
        if found is None or len(found) == 0:
            return None
        return text_det.filter_tag_det_res(found, (height, width))

    def recognise(self, detection: Detection, indexes: Sequence[int] | None = None, *,
                  min_width: int = REC_MIN_WIDTH) -> list[TextBox]:
        """Read the detected text at ``indexes`` (all by default), cropped from the full-resolution image."""
        chosen = list(range(len(detection.quads))) if indexes is None else list(indexes)
        if not chosen:
            return []
        crops = self._ocr.get_crop_img_list(detection.image, [detection.quads[i] for i in chosen])
        boxes = []
        for index, (text, score, word_score) in zip(chosen, self.recognise_crops(crops, min_width=min_width),
                                                    strict=True):
            text = clean_text(str(text))
            if not text or score < 0.3:
                continue
            frame = detection.frames[index]
            boxes.append(TextBox(text, frame.x0, frame.y0, frame.x1, frame.y1, score, frame.angle, word_score))
        return boxes

    def recognise_crops(self, crops: Sequence[np.ndarray], *, min_width: int = REC_MIN_WIDTH
                        ) -> list[tuple[str, float, float]]:
        """Text, confidence and letters-and-digits confidence of each line image. Crops of about the same
        width share one call of the recogniser (each padded to the widest of its batch, at least
        ``min_width``)."""
        results: list[tuple[str, float, float]] = [("", 0.0, 0.0)] * len(crops)
        widths = [max(min_width, math.ceil(REC_HEIGHT * crop.shape[1] / max(1, crop.shape[0]))) for crop in crops]
        order = sorted(range(len(crops)), key=lambda index: widths[index])
        batches: list[list[int]] = []
        for index in order:
            if batches and len(batches[-1]) < REC_BATCH and widths[index] <= REC_BATCH_SPREAD * widths[batches[-1][0]]:
                batches[-1].append(index)
            else:
                batches.append([index])
        for batch in batches:
            width = max(widths[index] for index in batch)
            tensor = np.zeros((len(batch), 3, REC_HEIGHT, width), dtype=np.float32)
            for slot, index in enumerate(batch):
                crop = crops[index]
                resized = cv2.resize(crop, (min(width, math.ceil(REC_HEIGHT * crop.shape[1] / max(1, crop.shape[0]))),
                                            REC_HEIGHT))
                tensor[slot, :, :, :resized.shape[1]] = resized.transpose(2, 0, 1) / 127.5 - 1.0
            with self._lock:
                predictions = self._recogniser.run(None, {self._input: tensor})[0]
            for index, decoded in zip(batch, self._ctc_decode(predictions), strict=True):
                results[index] = decoded
        return results

    def _ctc_decode(self, predictions: np.ndarray) -> list[tuple[str, float, float]]:
        """Greedy CTC decoding (as RapidOCR's): the text, the mean probability of its printed characters
        (spaces left out), and the mean over its letters and digits alone (for separators the parsers
        normalise)."""
        characters = self._decode.character
        best, probability = predictions.argmax(axis=2), predictions.max(axis=2)
        decoded = []
        for indexes, probabilities in zip(best, probability, strict=True):
            keep = indexes != 0
            keep[1:] &= indexes[1:] != indexes[:-1]
            chars = [characters[i] for i in indexes[keep]]
            kept = probabilities[keep]
            # A space between words is where the detector's box had a gap: it is squeezed out of the text,
            # so its probability is not the text's.
            printed = [p for char, p in zip(chars, kept, strict=True) if not char.isspace()]
            score = float(np.mean(printed)) if printed else 0.0
            word = [p for char, p in zip(chars, kept, strict=True) if char.isalnum()]
            decoded.append(("".join(chars), score, float(np.mean(word)) if word else score))
        return decoded

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

    def read_figure(self, crop: np.ndarray, *, psm: int = 7) -> str:
        """One line of figures (an amount cell), read with the digits, the sign and the separators only:
        ``psm`` 7 (a line) or 8 (a word)."""
        from PIL import Image

        pil = Image.fromarray(crop if crop.ndim == 2 else crop[:, :, ::-1])
        text = self._tess.image_to_string(pil, lang="eng", timeout=TESSERACT_TIMEOUT,
                                          config=f"--psm {psm} -c tessedit_char_whitelist=0123456789.,-+")
        return text.strip()


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
