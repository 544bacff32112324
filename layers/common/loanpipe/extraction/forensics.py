"""Image forensics: what a document file says about itself (EXIF) and its perceptual hash.

``image_evidence(data, content_type)`` reads, without OCR:
- ``software``: EXIF Software (and, for PNG, the ``Software`` text chunk; for any image the XMP
  ``CreatorTool``), or for a PDF its Producer/Creator only when it names an image editor (office suites
  and PDF printers are no signal);
- ``gps_lat``/``gps_lon`` from the EXIF GPS block, ``taken_at`` from EXIF DateTimeOriginal (aware when the
  file carries OffsetTimeOriginal, naive camera time otherwise). Orientation is not reported;
- ``phash``: a 64-bit DCT perceptual hash of the EXIF-transposed image (for a PDF: the first page
  rasterised), robust to re-compression and resizing;
- ``detail_hash``: the same hash at four times the detail (256 bits: the 16x16 lowest frequencies of a
  64x64 resize), which tells two pictures of one template apart where the 64-bit hash cannot.

The hash: decode at reduced scale (JPEG draft mode: a 4000x3000 photo is decoded at 1/8), grey, box-resize
to 32x32, 2-D DCT-II, keep the 8x8 lowest frequencies, one bit per coefficient: above the median of the 63
non-DC coefficients. Two hashes within a few bits are the same picture.

Known limit: 64 low-frequency coefficients see layout, not text. Two flat renders of one template with
different text hash within the duplicate distance (measured: different people's ID cards of the dev set
4 bits apart on the portrait side, 2 on the emblem side; the project's generator's emblem sides 0). The
detail hash sees more (dev set: a reused file 0 bits; different people's cards of one template at least
10 bits apart; the generator's emblem sides, whose text differs in a few characters, down to 4), but it
is no stable fingerprint of a re-compressed copy (JPEG 60 at 70 % size moves it 12-26 bits on the
generator's fine-textured cards). So the fraud check compares what the pictures say first
(``validation.checks.fraud``), and uses the detail hash only when one side's text was not read.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone
from functools import cache

import numpy as np
from PIL import Image, UnidentifiedImageError

from loanpipe.domain.case import ImageEvidence
from loanpipe.domain.errors import RejectedInput
from loanpipe.domain.native import PDFIUM

_HASH_SIDE = 32
_HASH_KEEP = 8
_DETAIL_SIDE = 64
_DETAIL_KEEP = 16
_DECODE_SIDE = 256  # decode at least this many pixels per side before the 32x32 resize

_TAG_SOFTWARE = 0x0131
_TAG_ORIENTATION = 0x0112
_IFD_EXIF = 0x8769
_IFD_GPS = 0x8825
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_OFFSET_TIME_ORIGINAL = 0x9011

# EXIF orientation -> the transpose that makes the picture upright.
_ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# Image editors (lower case). A PDF's Producer/Creator counts only when it names one of these.
KNOWN_IMAGE_EDITORS = (
    "photoshop", "gimp", "lightroom", "snapseed", "picsart", "pixelmator", "affinity", "paint.net",
    "facetune", "canva", "meitu", "美图", "醒图", "黄油相机", "photoscape", "fotor", "polarr", "vsco", "inshot",
    "photodirector", "photo editor", "corel", "acdsee", "luminar",
)

_IMAGE_TYPES = {"image/jpeg": "JPEG", "image/jpg": "JPEG", "image/png": "PNG"}
_PDF_TYPES = {"application/pdf"}
_CREATOR_TOOL = re.compile(rb"CreatorTool(?:=\"|>)([^\"<]{1,200})")


def image_evidence(data: bytes, content_type: str) -> ImageEvidence:
    """Evidence of one document file; raises RejectedInput for an unsupported or unreadable file."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if not data:
        raise RejectedInput("empty_file", "the file is empty")
    if kind in _PDF_TYPES:
        return _pdf_evidence(data)
    if kind in _IMAGE_TYPES:
        return _image_evidence(data, kind)
    raise RejectedInput("unsupported_type", "only JPEG, PNG and PDF files are read")


def perceptual_hash(image: Image.Image, side: int = _HASH_SIDE, keep: int = _HASH_KEEP) -> str:
    """DCT pHash of an image (already transposed upright): ``keep``² bits as hex digits (64 bits, 16 digits,
    by default): resize to ``side``², keep the ``keep``x``keep`` lowest frequencies, one bit each for
    being above the median of the non-DC ones."""
    grey = image.convert("L").resize((side, side), Image.Resampling.BOX)
    pixels = np.asarray(grey, dtype=np.float64)
    basis = _dct_basis(side)
    coefficients = basis @ pixels @ basis.T
    low = coefficients[:keep, :keep].flatten()
    bits = low > np.median(low[1:])
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return f"{value:0{keep * keep // 4}x}"


def detail_hash(image: Image.Image) -> str:
    """256-bit DCT hash (64 hex digits): the pHash at four times the detail."""
    return perceptual_hash(image, _DETAIL_SIDE, _DETAIL_KEEP)


def names_image_editor(software: str | None, editors: tuple[str, ...] | list[str] = KNOWN_IMAGE_EDITORS) -> bool:
    if not software:
        return False
    text = software.lower()
    return any(editor.lower() in text for editor in editors)


@cache
def _dct_basis(size: int) -> np.ndarray:
    """DCT-II basis (unnormalised: the hash compares coefficients with their median, scale cancels)."""
    frequency = np.arange(size)[:, None]
    position = np.arange(size)[None, :]
    return np.cos(np.pi * (2 * position + 1) * frequency / (2 * size))


def _image_evidence(data: bytes, kind: str) -> ImageEvidence:
    try:
        image = Image.open(io.BytesIO(data))
        width, height = image.size
        exif = image.getexif()
        software = _text(exif.get(_TAG_SOFTWARE)) or _text(image.info.get("Software"))
        if not software:
            software = _creator_tool(image.info.get("xmp") or image.info.get("XML:com.adobe.xmp"))
        exif_ifd = exif.get_ifd(_IFD_EXIF)
        taken_at = _exif_datetime(exif_ifd.get(_TAG_DATETIME_ORIGINAL), exif_ifd.get(_TAG_OFFSET_TIME_ORIGINAL))
        lat, lon = _gps(exif.get_ifd(_IFD_GPS))
        orientation = exif.get(_TAG_ORIENTATION)
        if image.format == "JPEG":
            image.draft("L", (_DECODE_SIDE, _DECODE_SIDE))
        image.load()
        if min(image.size) >= 2 * _DECODE_SIDE:
            image = image.reduce(min(image.size) // _DECODE_SIDE)
        transpose = _ORIENTATION_TRANSPOSE.get(orientation) if isinstance(orientation, int) else None
        upright = image.transpose(transpose) if transpose is not None else image
        phash, detail = perceptual_hash(upright), detail_hash(upright)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise RejectedInput("corrupt_file", "the image cannot be decoded") from exc
    return ImageEvidence(phash=phash, detail_hash=detail, software=software, gps_lat=lat, gps_lon=lon,
                         taken_at=taken_at, content_type=kind, width=width, height=height)


def _pdf_evidence(data: bytes) -> ImageEvidence:
    import pypdfium2 as pdfium  # lazy: only PDFs need it

    with PDFIUM:  # pdfium is not thread-safe (domain.native)
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise RejectedInput("corrupt_file", "the PDF cannot be opened") from exc
        try:
            if len(document) == 0:
                raise RejectedInput("corrupt_file", "the PDF has no page")
            metadata = document.get_metadata_dict(skip_empty=True)
            software = None
            for key in ("Creator", "Producer"):
                if names_image_editor(metadata.get(key)):
                    software = metadata[key]
                    break
            page = document[0]
            try:
                page_width, page_height = page.get_size()
                scale = max(_DECODE_SIDE / max(min(page_width, page_height), 1.0), 0.05)
                bitmap = page.render(scale=scale, grayscale=True)
                try:
                    picture = bitmap.to_pil()
                    phash, detail = perceptual_hash(picture), detail_hash(picture)
                finally:
                    bitmap.close()  # here, under the lock: not by the garbage collector in another thread
            finally:
                page.close()
        except pdfium.PdfiumError as exc:
            raise RejectedInput("corrupt_file", "the PDF page cannot be rendered") from exc
        finally:
            document.close()
        return ImageEvidence(phash=phash, detail_hash=detail, software=software, content_type="application/pdf",
                             width=round(page_width), height=round(page_height))


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return None
    text = value.strip("\x00 \t\r\n")
    return text[:200] or None


def _creator_tool(xmp: object) -> str | None:
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8", errors="replace")
    if not isinstance(xmp, bytes):
        return None
    match = _CREATOR_TOOL.search(xmp)
    return _text(match.group(1)) if match else None


def _exif_datetime(value: object, offset: object) -> datetime | None:
    text = _text(value)
    if not text:
        return None
    try:
        taken = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    zone = _text(offset)
    if zone and re.fullmatch(r"[+-]\d{2}:\d{2}", zone):
        sign = 1 if zone[0] == "+" else -1
        delta = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        taken = taken.replace(tzinfo=timezone(sign * delta))
    return taken


def _gps(gps: dict) -> tuple[float | None, float | None]:
    if not gps:
        return None, None
    lat = _degrees(gps.get(2), gps.get(1), "S")
    lon = _degrees(gps.get(4), gps.get(3), "W")
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


def _degrees(value: object, ref: object, negative: str) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in value)  # type: ignore[union-attr]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = degrees + minutes / 60 + seconds / 3600
    if result != result:  # NaN from a zero denominator
        return None
    if _text(ref) == negative:
        result = -result
    return round(result, 7)
