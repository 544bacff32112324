"""RapidOCR (PP-OCRv4 models shipped inside the ``rapidocr_onnxruntime`` wheel, offline): the default
engine, and the only module that reaches into RapidOCR's internals.

The adapter runs the detector and the recogniser sessions itself (its own scaling, batching and CTC
decoding) and borrows RapidOCR's post-processing, crop and line direction classifier. Which way up a whole
picture lies is asked first of the direction classifier it is given (``orientation``). What it reads of
RapidOCR is listed by ``internals_problems`` (a unit test runs it): a new ``rapidocr_onnxruntime``
that moves any of it fails that test, naming the version, instead of misreading documents.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

import cv2
import numpy as np

from loanpipe.extraction.engines.base import (
    Detection,
    LineRead,
    OcrEngine,
    OcrUnavailable,
    PageScan,
    SkipLines,
    Stretch,
)
from loanpipe.extraction.engines.geometry import bgr, frames_of, lines_run_vertically, merge_split_quads, stretch_quad
from loanpipe.extraction.engines.orientation import DirectionClassifier
from loanpipe.extraction.engines.recmodel import fused_session
from loanpipe.extraction.layout import Alternatives, TextBox
from loanpipe.extraction.normalize import clean_text

WRITTEN_AGAINST = "1.4.4"  # the rapidocr_onnxruntime whose internals this adapter reads (pinned in pyproject)

REC_HEIGHT = 48  # the PP-OCRv4 recogniser's input height
REC_MIN_WIDTH = 160  # short crops ("男", "汉") are padded to this width: the recogniser reads them better
PAGE_REC_MIN_WIDTH = 120  # page cells are words and figures: a narrower padding reads them as well (measured)
REC_BATCH = 8
REC_BATCH_SPREAD = 1.12  # crops batched together differ in width by at most 12% (the padding is computed)
MIN_SCORE = 0.3  # a recognised line below this confidence is noise (a stamp's stroke, a rule)
ALTERNATIVE_MIN = 0.02  # a character the recogniser gave less than this at a step is no alternative there

# The detector needs glyphs of ~12-20 px: an ID card at 640 px, a page at 1000 px on the long side.
DET_LONG_SIDE_CARD = 640
DET_LONG_SIDE_PAGE = 1000
DET_LONG_SIDE_PROBE = 360  # enough to find a card's lines and tell which way they run
TOP_OF_PAGE = 0.3  # share of a page read first (a statement table's header is there)
# The rotation that undoes a picture turned clockwise by the key.
_UNDO_TURN = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}


def rapidocr_version() -> str:
    try:
        return version("rapidocr_onnxruntime")
    except PackageNotFoundError:
        return "(not installed)"


def build_rapidocr(threads: int):
    """RapidOCR with its models loaded, quiet, ``threads`` per session."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:  # pragma: no cover - the package is a pinned dependency
        raise OcrUnavailable("rapidocr_onnxruntime is not installed") from exc
    # RapidOCR's logger is set to DEBUG with its own handler; keep it quiet.
    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    logging.getLogger("OrtInferSession").setLevel(logging.WARNING)
    return RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1, print_verbose=False)


def _model_path(session) -> str | None:
    """Where onnxruntime loaded a shipped model from (an attribute onnxruntime keeps privately)."""
    return getattr(session, "_model_path", None)


def internals_problems(ocr) -> list[str]:
    """What this adapter reads of a RapidOCR object and finds missing or changed (empty: all as
    expected). Each item is probed as the adapter uses it, on tiny inputs."""
    problems: list[str] = []

    def probe(what: str, check) -> None:
        try:
            if not check():
                problems.append(f"{what} is not as expected")
        except Exception as exc:  # noqa: BLE001 - any failure is a finding, reported with the rest
            problems.append(f"{what} fails: {type(exc).__name__}: {exc}")

    quads = np.array([[[0, 0], [30, 0], [30, 10], [0, 10]], [[0, 20], [30, 20], [30, 30], [0, 30]]], np.float32)
    probe("text_det.postprocess_op(probability, (height, width)) -> (quads, scores)",
          lambda: len(ocr.text_det.postprocess_op(np.zeros((1, 1, 32, 32), np.float32), (32, 32))) == 2)
    probe("text_det.filter_tag_det_res(quads, (height, width))",
          lambda: len(ocr.text_det.filter_tag_det_res(quads, (40, 40))) == 2)
    probe("sorted_boxes(quads)", lambda: len(ocr.sorted_boxes(quads)) == 2)
    probe("get_crop_img_list(image, quads) -> BGR crops",
          lambda: [c.shape for c in ocr.get_crop_img_list(np.zeros((40, 40, 3), np.uint8), list(quads))]
          == [(10, 30, 3)] * 2)
    probe("text_cls(crops) -> (crops, [(label, score)], seconds)",
          lambda: [len(vote) for vote in ocr.text_cls([np.full((48, 192, 3), 255, np.uint8)])[1]] == [2])
    probe("text_det.infer.session (an onnxruntime session with its model path)",
          lambda: callable(ocr.text_det.infer.session.run) and bool(_model_path(ocr.text_det.infer.session)))
    probe("text_rec.session.session (an onnxruntime session with its model path)",
          lambda: callable(ocr.text_rec.session.session.run) and bool(_model_path(ocr.text_rec.session.session)))
    probe("text_rec.postprocess_op.character (the CTC alphabet, 'blank' first, one per recogniser output)",
          lambda: ocr.text_rec.postprocess_op.character[0] == "blank"
          and ocr.text_rec.session.session.get_outputs()[0].shape[-1] == len(ocr.text_rec.postprocess_op.character))
    return problems


def internals_message(problems: Sequence[str]) -> str:
    return (f"rapidocr_onnxruntime {rapidocr_version()} is not the {WRITTEN_AGAINST} the RapidOCR adapter "
            f"(loanpipe/extraction/engines/rapid.py) was written against, and changed internals it reads: "
            f"{'; '.join(problems)}. Adapt the adapter, or pin rapidocr-onnxruntime=={WRITTEN_AGAINST}.")


class RapidOcrEngine(OcrEngine):
    """PP-OCRv4 detection + recognition through onnxruntime. One engine per process; calls are
    serialised because an onnxruntime session with 1 thread is the cheapest in CPU seconds."""

    name = "rapidocr"

    def __init__(self, threads: int = 1, direction: DirectionClassifier | None = None):
        self._ocr = build_rapidocr(threads)
        self._direction = direction  # which way up a whole picture lies (None: the text lines alone decide)
        self._alphabet = self._ocr.text_rec.postprocess_op.character
        original = self._ocr.text_rec.session.session
        self._recogniser = fused_session(original, _model_path(original), threads,
                                         (1, 3, REC_HEIGHT, 2 * REC_MIN_WIDTH))
        self._input = self._recogniser.get_inputs()[0].name
        original = self._ocr.text_det.infer.session
        self._detector = fused_session(original, _model_path(original), threads, (1, 3, 96, 96))
        self._det_input = self._detector.get_inputs()[0].name
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ the OcrEngine interface

    def read_page(self, image: np.ndarray, *, card: bool, skip: SkipLines | None = None) -> PageScan:
        """The page turned upright (a photo taken sideways or upside down), then read: a card whole, a
        page top first so that ``skip`` can leave the lines below a statement table unread."""
        image, detection = self._upright(image, card)
        boxes = self.recognise(detection) if card else self._read_lines(detection, skip)
        return PageScan(image, boxes, detection)

    def read_line(self, crop: np.ndarray) -> LineRead:
        return self.recognise_crops([bgr(crop)])[0]

    def reread(self, scan: PageScan, stretches: Sequence[Stretch]) -> list[TextBox]:
        """The detected quads of the boxes named, lengthened along their lines, recognised again."""
        detection = scan.detection
        if detection is None or not stretches:
            return []
        by_position = {(round(f.x0), round(f.y0)): i for i, f in enumerate(detection.frames)}
        quads = list(detection.quads)
        targets = []
        for stretch in stretches:
            index = by_position.get((round(stretch.box.x0), round(stretch.box.y0)))
            if index is None:
                continue
            widened = stretch_quad(quads[index], stretch.box.width, stretch.width)
            if widened is None:
                continue
            quads[index] = widened
            targets.append(index)
        if not targets:
            return []
        return self.recognise(Detection(detection.image, quads, detection.frames), targets)

    def read_crop(self, crop: np.ndarray) -> list[TextBox]:
        return self.read(crop, det_scale=1.0)

    # ------------------------------------------------------------------ reading a page

    def _upright(self, image: np.ndarray, card: bool) -> tuple[np.ndarray, Detection]:
        """The image turned so that its text runs left to right, and the text detected on it. A photo taken
        with the tablet held sideways or upside down (and no EXIF orientation tag) is turned as the whole-
        picture direction classifier says; the text lines decide when the lines found after its turn still
        run top to bottom (a quarter turn it missed), or when there is no classifier. Its probability is no
        guide (on the dev set's pages it was wrong at 0.84 and right at 0.45): its answer is taken as it is."""
        target = DET_LONG_SIDE_CARD if card else DET_LONG_SIDE_PAGE
        direction = self._direction.direction(image) if self._direction is not None else None
        if direction is not None:
            turned = cv2.rotate(image, _UNDO_TURN[direction.degrees]) if direction.degrees else image
            detection = self.detect(turned, det_scale=min(1.0, target / max(turned.shape[:2])))
            if not lines_run_vertically(detection.frames):
                return turned, detection
        return self._upright_by_lines(image, card)

    def _upright_by_lines(self, image: np.ndarray, card: bool) -> tuple[np.ndarray, Detection]:
        """The turn the detected text lines give: lines running top to bottom are a quarter turn, and PP-OCR's
        line classifier on the longest lines tells which way (and whether the text is upside down)."""
        target = DET_LONG_SIDE_CARD if card else DET_LONG_SIDE_PAGE
        if card and image.shape[0] > image.shape[1]:
            # A card standing upright in the photo is turned a quarter: which way, the direction classifier
            # says from the lines a quick detection on a small copy finds.
            probe = self.detect(image, det_scale=min(1.0, DET_LONG_SIDE_PROBE / max(image.shape[:2])))
            image = cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE if self.upside_down(probe)
                               else cv2.ROTATE_90_COUNTERCLOCKWISE)
        detection = self.detect(image, det_scale=min(1.0, target / max(image.shape[:2])))
        # A photo taken with the tablet held sideways (or upside down) and no EXIF orientation tag: the
        # detected lines run top to bottom, or the direction classifier reads them upside down. The
        # text is found again on the turned image (the detector finds upright lines more precisely).
        turn = None
        if lines_run_vertically(detection.frames):
            turn = cv2.ROTATE_90_CLOCKWISE if self.upside_down(detection) else cv2.ROTATE_90_COUNTERCLOCKWISE
        elif self.upside_down(detection):
            turn = cv2.ROTATE_180
        if turn is not None:
            image = cv2.rotate(image, turn)
            detection = self.detect(image, det_scale=min(1.0, target / max(image.shape[:2])))
        return image, detection

    def _read_lines(self, detection: Detection, skip: SkipLines | None) -> list[TextBox]:
        """A page's text, the top of the page first: ``skip`` decides from it which lines below stay unread."""
        height = detection.image.shape[0]
        top = [i for i, frame in enumerate(detection.frames) if frame.y1 <= TOP_OF_PAGE * height]
        boxes = self.recognise(detection, top, min_width=PAGE_REC_MIN_WIDTH)
        unread = set(top) | (set(skip(boxes, detection.frames)) if skip is not None else set())
        rest = [i for i in range(len(detection.frames)) if i not in unread]
        return boxes + self.recognise(detection, rest, min_width=PAGE_REC_MIN_WIDTH)

    # ------------------------------------------------------------------ detection and recognition

    def detect(self, image: np.ndarray, *, det_scale: float = 0.5) -> Detection:
        """Find the text on a copy scaled by ``det_scale`` (the detector needs ~16 px glyphs, far fewer
        pixels than recognition); the quads refer to the full-resolution image."""
        full = bgr(image)
        small = full if det_scale >= 0.99 else cv2.resize(full, None, fx=det_scale, fy=det_scale,
                                                          interpolation=cv2.INTER_AREA)
        found = self._detect(small)
        if found is None or len(found) == 0:
            return Detection(full, [], [])
        quads = [np.asarray(box, dtype=np.float32) / det_scale for box in self._ocr.sorted_boxes(found)]
        quads = merge_split_quads(quads, frames_of(quads, full.shape[1], full.shape[0]))
        return Detection(full, quads, frames_of(quads, full.shape[1], full.shape[0]))

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
        for index, line in zip(chosen, self.recognise_crops(crops, min_width=min_width), strict=True):
            text = clean_text(str(line.text))
            if not text or line.confidence < MIN_SCORE:
                continue
            frame = detection.frames[index]
            boxes.append(TextBox(text, frame.x0, frame.y0, frame.x1, frame.y1, line.confidence, frame.angle,
                                 line.word_confidence, line.alternatives))
        return boxes

    def recognise_crops(self, crops: Sequence[np.ndarray], *, min_width: int = REC_MIN_WIDTH) -> list[LineRead]:
        """Each BGR line image read. Crops of about the same width share one call of the recogniser (each
        padded to the widest of its batch, at least ``min_width``)."""
        results: list[LineRead] = [LineRead("", 0.0, 0.0)] * len(crops)
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

    def _ctc_decode(self, predictions: np.ndarray) -> list[LineRead]:
        """Greedy CTC decoding (as RapidOCR's): the text, the mean probability of its printed characters
        (spaces left out), and the mean over its letters and digits alone (for separators the parsers
        normalise)."""
        best, probability = predictions.argmax(axis=2), predictions.max(axis=2)
        decoded = []
        for line, indexes, probabilities in zip(predictions, best, probability, strict=True):
            keep = indexes != 0
            keep[1:] &= indexes[1:] != indexes[:-1]
            chars = [self._alphabet[i] for i in indexes[keep]]
            kept = probabilities[keep]
            # A space between words is where the detector's box had a gap: it is squeezed out of the text,
            # so its probability is not the text's.
            printed = [p for char, p in zip(chars, kept, strict=True) if not char.isspace()]
            score = float(np.mean(printed)) if printed else 0.0
            word = [p for char, p in zip(chars, kept, strict=True) if char.isalnum()]
            decoded.append(LineRead("".join(chars), score, float(np.mean(word)) if word else score,
                                    self._alternatives(line[keep], chars, kept)))
        return decoded

    def _alternatives(self, steps: np.ndarray, chars: Sequence[str], kept: np.ndarray) -> Alternatives:
        """Each character read with its probability; a Chinese character also with the (up to) three likeliest
        other characters at its step, above ``ALTERNATIVE_MIN`` (the blank, CTC's "no character", left out).
        Only names are judged by their characters (figures and dates have validators of their own), so the
        many digits of a statement line cost no search."""
        chinese = [index for index, char in enumerate(chars) if char >= "\u3400"]
        others: dict[int, tuple[tuple[str, float], ...]] = {}
        if chinese:
            rows = steps[chinese]
            for index, row, candidates in zip(chinese, rows, np.argpartition(-rows, 4, axis=1)[:, :5], strict=True):
                likely = sorted(((self._alphabet[i], float(row[i])) for i in candidates
                                 if i != 0 and self._alphabet[i] != chars[index] and row[i] >= ALTERNATIVE_MIN),
                                key=lambda pair: -pair[1])
                others[index] = tuple(likely[:3])
        return tuple((char, float(probability), others.get(index, ()))
                     for index, (char, probability) in enumerate(zip(chars, kept, strict=True)))

    def read(self, image: np.ndarray, *, det_scale: float = 0.5) -> list[TextBox]:
        """Every text run on ``image``, as found and read (no turning, no skipping)."""
        return self.recognise(self.detect(image, det_scale=det_scale))
