"""What a file really is (magic bytes, never its name) and whether it is within the limits.

The limits are exported so the API can put them into the presigned POST conditions.
Every refusal is a ``RejectedInput`` with an INPUT-family reason code (loanpipe.domain.reasons).
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image, ImageOps

from loanpipe.domain.documents import MAX_FILE_BYTES
from loanpipe.domain.errors import RejectedInput

logger = logging.getLogger(__name__)

MAX_PIXELS = 50_000_000  # 8000 x 6000 (48 MP phone camera) fits; a 20000 x 20000 image does not
MAX_PDF_PAGES = 40  # a year of bank-exported statement (text layer, read without OCR)
# Pages without a text layer: each costs about 3.3 CPU s of OCR (measured on the devset's scanned statements,
# rapidocr, one thread), so 12 fit the read's CPU budget (settings.read_cpu_seconds, 40 s).
MAX_OCR_PAGES = 12
MAX_PDF_PAGE_POINTS = 3000 * 3000  # a page larger than about 1 x 1 m is not a document

# Pillow's own guard: an image above this raises DecompressionBombError; between this and twice it
# Pillow only warns, and ``open_image`` turns that warning into a refusal.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class FileKind(StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    PDF = "pdf"


_KIND_NAMES = {
    FileKind.JPEG: ({"image/jpeg", "image/jpg", "image/pjpeg"}, {".jpg", ".jpeg", ".jpe", ".jfif"}),
    FileKind.PNG: ({"image/png", "image/x-png"}, {".png"}),
    FileKind.PDF: ({"application/pdf", "application/x-pdf"}, {".pdf"}),
}
_ALL_CONTENT_TYPES = set().union(*(types for types, _ in _KIND_NAMES.values()))
_ALL_EXTENSIONS = set().union(*(exts for _, exts in _KIND_NAMES.values()))
# Kinds that are recognisable but not accepted, so the message can say what the file is.
_OTHER_MAGIC = [
    (b"GIF8", "GIF"), (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"), (b"BM", "BMP"), (b"PK\x03\x04", "ZIP/Office"),
    (b"\xd0\xcf\x11\xe0", "Office"), (b"RIFF", "RIFF/WebP"),
]


def _is_heic(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in {b"heic", b"heix", b"mif1", b"msf1", b"hevc", b"avif"}


def sniff_kind(data: bytes) -> FileKind:
    """The file's kind from its first bytes. Raises ``RejectedInput`` for empty or unsupported files."""
    if not data:
        raise RejectedInput("empty_file", "the file is empty")
    if data.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind.PNG
    # PDF readers accept a header within the first 1024 bytes (some exporters put junk before it).
    if b"%PDF-" in data[:1024]:
        return FileKind.PDF
    if _is_heic(data):
        raise RejectedInput("unsupported_type", "HEIC/AVIF photos are not supported; send JPEG, PNG or PDF")
    for magic, name in _OTHER_MAGIC:
        if data.startswith(magic):
            raise RejectedInput("unsupported_type", f"{name} files are not supported; send JPEG, PNG or PDF")
    if not data.strip(b"\x00 \t\r\n"):
        raise RejectedInput("empty_file", "the file holds no data")
    raise RejectedInput("unsupported_type", "not a JPEG, PNG or PDF file")


def _extension(filename: str | None) -> str | None:
    if not filename or "." not in filename.rsplit("/", 1)[-1]:
        return None
    return "." + filename.rsplit(".", 1)[-1].lower()


def check_declared_type(kind: FileKind, *, filename: str | None, content_type: str | None) -> None:
    """A name or content type that names another supported kind than the bytes is ``type_mismatch``.
    Unknown or generic declarations (``application/octet-stream``, no extension) are not a contradiction."""
    types, extensions = _KIND_NAMES[kind]
    declared_type = (content_type or "").split(";", 1)[0].strip().lower()
    if declared_type in _ALL_CONTENT_TYPES and declared_type not in types:
        raise RejectedInput("type_mismatch", f"declared {declared_type} but the content is {kind.value.upper()}")
    extension = _extension(filename)
    if extension in _ALL_EXTENSIONS and extension not in extensions:
        raise RejectedInput("type_mismatch", f"named {extension} but the content is {kind.value.upper()}")


@dataclass(frozen=True)
class SniffedFile:
    kind: FileKind
    size: int


def sniff(data: bytes, *, filename: str | None = None, content_type: str | None = None) -> SniffedFile:
    """Kind and size checks that need no decoding: empty, unsupported, contradicted, too large."""
    kind = sniff_kind(data)
    check_declared_type(kind, filename=filename, content_type=content_type)
    if len(data) > MAX_FILE_BYTES:
        raise RejectedInput("file_too_large", f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    return SniffedFile(kind=kind, size=len(data))


def open_image(data: bytes, *, max_side: int | None = None) -> Image.Image:
    """Decode a JPEG/PNG safely: the pixel count is checked from the header before any decoding, a
    decompression-bomb warning is an error, a truncated file is ``corrupt_file``. EXIF orientation is
    applied. With ``max_side``, a JPEG is decoded at a reduced scale (DCT scaling, fast and small) when
    it is larger than needed. Returns an RGB image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PIXELS or width <= 0 or height <= 0:
                raise RejectedInput("image_too_large", f"the image has more than {MAX_PIXELS // 1_000_000} MP")
            if max_side and image.format == "JPEG" and max(width, height) > 2 * max_side:
                image.draft("RGB", (width * max_side // max(width, height), height * max_side // max(width, height)))
            image.load()
    except RejectedInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise RejectedInput("image_too_large", "the image has too many pixels") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow reports truncated and malformed data as OSError ("image file is truncated"), SyntaxError
        # (broken PNG chunks) or ValueError.
        raise RejectedInput("corrupt_file", "the image is damaged or truncated") from exc
    try:
        image = ImageOps.exif_transpose(image)
    except Exception:  # a malformed EXIF block must not lose a readable photo
        logger.warning("exif orientation unreadable, image used as stored")
    if image.mode != "RGB":
        if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
            # Transparent screenshots: paint on white, not black.
            rgba = image.convert("RGBA")
            background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            image = Image.alpha_composite(background, rgba)
        image = image.convert("RGB")
    if max_side and max(image.size) > 1.5 * max_side:
        # PNG has no reduced-scale decoding: shrink right after decoding to bound the work that follows.
        image = image.reduce(max(2, max(image.size) // max_side))
    return image
