"""The first page as it was read, as a JPEG for the reviewer's console: the image the contract's boxes refer to.

A photo is rectified, deskewed and turned upright before OCR, so boxes measured on what the engine read do not
fall on the photo as taken; a PDF has no image at all. The console therefore shows this page image (colour, the
seal left in) with the boxes, and links the upload itself beside it. For a photo it is the prepared page turned
the way the engine turned its grey copy; for a PDF with a text layer, the first page rendered.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import cv2
import numpy as np

from loanpipe.extraction.pdf import open_pdf, render_page

logger = logging.getLogger(__name__)

MAX_SIDE = 1600  # px: sharp enough to read a figure on a screen, a few hundred kilobytes
QUALITY = 80
PDF_DPI = 110
_TURNS = (cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE, cv2.ROTATE_180)


@dataclass(frozen=True)
class Picture:
    jpeg: bytes
    size: tuple[int, int]  # width, height in pixels


def upright_colour(colour: np.ndarray, gray: np.ndarray, read: np.ndarray | None) -> np.ndarray | None:
    """``colour`` turned as the engine turned ``gray`` into ``read`` (the image its boxes are measured on);
    ``read`` itself (grey) when the turn cannot be told; None when there is no read image."""
    if read is None:
        return None
    if read is gray or (read.shape == gray.shape and np.array_equal(read, gray)):
        return colour
    for turn in _TURNS:
        turned = cv2.rotate(gray, turn)
        if turned.shape == read.shape and np.array_equal(turned, read):
            return cv2.rotate(colour, turn)
    return read


def pdf_first_page(data: bytes) -> np.ndarray:
    """The first page of a PDF rendered (BGR)."""
    with open_pdf(data) as document:
        page = document[0]
        try:
            image = render_page(page, dpi=PDF_DPI)
        finally:
            page.close()
    return np.asarray(image)[:, :, ::-1]


def encode(image: np.ndarray) -> Picture:
    """The image as a JPEG of at most ``MAX_SIDE`` pixels on its long side."""
    height, width = image.shape[:2]
    scale = min(1.0, MAX_SIDE / max(height, width))
    if scale < 1.0:
        image = cv2.resize(image, (max(1, round(width * scale)), max(1, round(height * scale))),
                           interpolation=cv2.INTER_AREA)
    # Pillow encodes: the extract function's OpenCV has no image codecs (layers/vision/build-opencv.sh).
    from PIL import Image

    if image.ndim == 2:
        pixels = image
    else:  # BGR(A) -> RGB; cvtColor, not a reversed-stride copy (a tenth of the time on a page)
        pixels = cv2.cvtColor(image, cv2.COLOR_BGRA2RGB if image.shape[2] == 4 else cv2.COLOR_BGR2RGB)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=QUALITY)
    return Picture(buffer.getvalue(), (image.shape[1], image.shape[0]))


def first_page_picture(colour: np.ndarray | None, text_layer: bool, data: bytes) -> Picture | None:
    """The first page's image: the colour page OCR read, or a text-layer PDF's first page rendered. A page image
    is for display only: one that cannot be made leaves the document without it (logged), never unread."""
    try:
        if colour is not None:
            return encode(colour)
        if text_layer:
            return encode(pdf_first_page(data))
    except (cv2.error, ValueError, OSError):
        logger.warning("the first page image could not be made", exc_info=True)
    return None
