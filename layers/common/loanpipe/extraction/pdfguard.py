"""What a PDF carries besides its pages, read from its raw structure before pdfium parses any of it.

Two refusals, both before a page is read:

- **Active content** (``pdf_active_content``): scripts (``/JS``, ``/JavaScript`` name trees), ``/Launch``
  actions, embedded files and attachments, rich media, XFA forms, additional actions (``/AA``) and an
  ``/OpenAction`` that is not a plain "open at this page". A bank exports none of these; a statement that
  carries them is refused, never read, and its file is never handed to the staff (the officer is asked
  for the bank's own export or a photograph of the paper). Refusing rather than stripping: stripping
  needs a PDF rewriter in the extract function, and a rewritten file is no longer the evidence that was
  uploaded. Names are compared after ``#xx`` decoding (``/J#61vaScript`` is ``/JavaScript``) and object
  streams are opened (bounded), so neither hides a script.
- **Inflation** (``pdf_content_too_large``): every stream is decoded through its filter chain (Flate,
  LZW, RunLength, ASCIIHex, ASCII85), counting bytes and keeping none, and refused once one stream or
  all of them together inflate past limits set well below the function's memory; an image whose
  declared pixels exceed ``MAX_PIXELS`` is ``image_too_large``. A 1.6 MB file whose stream inflates to
  1.6 GB is refused after 160 MB of counting, not after pdfium has held it all.

Scanning costs one pass over the file and, for a bomb, at most ``MAX_TOTAL_INFLATED`` bytes of inflation.
What the scan cannot see (streams of an encrypted PDF, which pdfium decrypts) is checked again through
pdfium by ``check_opened``; the local runtime's memory watchdog and Lambda's own limit stay the backstop.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from loanpipe.domain.errors import RejectedInput
from loanpipe.extraction.pdfstreams import DECODERS, decoded
from loanpipe.extraction.sniff import MAX_PIXELS

MAX_STREAM_INFLATED = 160 * 1024 * 1024  # one stream: a 50 MP RGB image (150 MB) fits, a 1.6 GB bomb does not
MAX_TOTAL_INFLATED = 512 * 1024 * 1024  # all streams: 40 pages of statement are a few MB
MAX_OBJECT_STREAM = 32 * 1024 * 1024  # an object stream (dictionaries only) is opened up to this size

# Names whose mere presence makes a document active, with the words the refusal uses.
_ACTIVE_NAMES = {
    b"JS": "JavaScript", b"JavaScript": "JavaScript", b"Launch": "a launch action",
    b"EmbeddedFile": "an embedded file", b"EmbeddedFiles": "an embedded file", b"FileAttachment": "an attachment",
    b"RichMedia": "rich media", b"Rendition": "media", b"Movie": "media", b"Sound": "media",
    b"XFA": "an XFA form", b"AA": "automatic actions", b"SubmitForm": "a form submission",
    b"ImportData": "a data import", b"GoToR": "a link to another file", b"GoToE": "a link to an embedded file",
}
_NAME = re.compile(rb"/([^\s/\[\]<>(){}%]*)")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_OBJ = re.compile(rb"(\d+)\s+(\d+)\s+obj\b")
_REF = re.compile(rb"\s*(\d+)\s+(\d+)\s+R")
_INT = re.compile(rb"\s*(\d+)(?![\d.])")
_STREAM_EOL = re.compile(rb"stream(\r\n|\n|\r)")
_LITERAL = re.compile(rb"\((?:[^()\\]|\\.)*\)", re.DOTALL)  # a string with no parenthesis inside


def pdf_name(raw: bytes) -> bytes:
    """A name as the reader sees it: ``#xx`` escapes decoded."""
    return _HEX.sub(lambda m: bytes([int(m.group(1), 16)]), raw)


@dataclass
class _Object:
    header: bytes  # the object's text up to ``stream`` or ``endobj`` (for a stream: its dictionary)
    data: bytes | None = None  # a stream's raw (encoded) data


@dataclass
class PdfStructure:
    """The objects of the file as written (indirect objects and those inside object streams)."""

    objects: dict[int, _Object] = field(default_factory=dict)
    loose: list[bytes] = field(default_factory=list)  # trailers and text outside any object
    encrypted: bool = False


def scan_pdf(raw: bytes) -> PdfStructure:
    """Refuse an active or inflating PDF (``RejectedInput``); returns the structure read."""
    structure = read_structure(raw)
    check_inflation(structure)
    _open_object_streams(structure)
    check_active(structure)
    return structure


def read_structure(raw: bytes) -> PdfStructure:
    structure = PdfStructure()
    position = 0
    lengths: dict[int, int] = {}
    for match in _OBJ.finditer(raw):  # first the small integer objects that indirect /Length refer to
        value = _INT.match(raw, match.end())
        if value and raw[value.end():value.end() + 40].lstrip().startswith(b"endobj"):
            lengths[int(match.group(1))] = int(value.group(1))
    while (match := _OBJ.search(raw, position)) is not None:
        structure.loose.append(raw[position:match.start()])
        start = match.end()
        end_obj = raw.find(b"endobj", start)
        stream = _STREAM_EOL.search(raw, start, end_obj if end_obj != -1 else len(raw))
        number = int(match.group(1))
        if stream is None or raw[stream.start() - 3:stream.start()] == b"end":
            stop = end_obj if end_obj != -1 else len(raw)
            structure.objects[number] = _Object(raw[start:stop])
            position = stop + 6
            continue
        header = raw[start:stream.start()]
        data_start = stream.end()
        data_end = _stream_end(raw, header, data_start, lengths)
        structure.objects[number] = _Object(header, raw[data_start:data_end])
        after = raw.find(b"endobj", data_end)
        position = after + 6 if after != -1 else len(raw)
    structure.loose.append(raw[position:])
    structure.encrypted = any(b"/Encrypt" in _normalised(text) for text in structure.loose)
    return structure


def _stream_end(raw: bytes, header: bytes, start: int, lengths: dict[int, int]) -> int:
    """Where a stream's data ends: its /Length when that lands on ``endstream``, else the next ``endstream``."""
    length = _entry(header, b"Length")
    value: int | None = None
    if length is not None:
        ref = _REF.match(length)
        direct = _INT.match(length)
        value = lengths.get(int(ref.group(1))) if ref else int(direct.group(1)) if direct else None
    if value is not None and raw[start + value:start + value + 20].lstrip().startswith(b"endstream"):
        return start + value
    found = raw.find(b"endstream", start)
    return found if found != -1 else len(raw)


def _normalised(text: bytes) -> bytes:
    return _NAME.sub(lambda m: b"/" + pdf_name(m.group(1)), text) if b"#" in text else text


def _entry(header: bytes, key: bytes) -> bytes | None:
    """The raw text after ``/key`` in a dictionary (the value and what follows it), or None."""
    match = re.search(rb"/" + key + rb"(?![^\s/\[\]<>(){}%])", _normalised(header))
    return _normalised(header)[match.end():] if match else None


def _names_after(text: bytes) -> list[bytes]:
    """The names of a value: one name (``/FlateDecode``) or an array of them (``[/A85 /Fl]``)."""
    text = text.lstrip()
    if text.startswith(b"["):
        text = text[1:text.find(b"]")] if b"]" in text else text[1:]
        return [pdf_name(m.group(1)) for m in _NAME.finditer(text)]
    match = _NAME.match(text)
    return [pdf_name(match.group(1))] if match else []


# ------------------------------------------------------------------ inflation
def _inflated_size(data: bytes, filters: list[bytes], limit: int) -> int:
    total = 0
    for piece in decoded(data, filters):
        total += len(piece)
        if total > limit:
            break
    return total


def check_inflation(structure: PdfStructure) -> None:
    """Refuse streams that inflate past the limits, and images with more pixels than ``MAX_PIXELS``."""
    total = 0
    for obj in structure.objects.values():
        if obj.data is None:
            continue
        _check_pixels(obj.header)
        filters = _names_after(_entry(obj.header, b"Filter") or b"")
        if not any(name in DECODERS for name in filters) or structure.encrypted:
            continue  # stored as is, or encrypted (pdfium decrypts; check_opened looks again)
        size = _inflated_size(obj.data, filters, min(MAX_STREAM_INFLATED, MAX_TOTAL_INFLATED - total))
        total += size
        if size > MAX_STREAM_INFLATED:
            raise RejectedInput("pdf_content_too_large",
                                f"a part of the PDF inflates to more than {MAX_STREAM_INFLATED // 2**20} MB")
        if total > MAX_TOTAL_INFLATED:
            raise RejectedInput("pdf_content_too_large",
                                f"the PDF inflates to more than {MAX_TOTAL_INFLATED // 2**20} MB in all")


def _check_pixels(header: bytes) -> None:
    if b"Image" not in _normalised(header):
        return
    width, height = (_int_value(_entry(header, key)) for key in (b"Width", b"Height"))
    if width and height and width * height > MAX_PIXELS:
        raise RejectedInput("image_too_large", f"an image in the PDF has more than {MAX_PIXELS // 1_000_000} MP")


def _int_value(text: bytes | None) -> int | None:
    match = _INT.match(text) if text is not None else None
    return int(match.group(1)) if match else None


# ------------------------------------------------------------------ active content
def _open_object_streams(structure: PdfStructure) -> None:
    """The objects packed in object streams join the structure (their dictionaries are where scripts hide)."""
    if structure.encrypted:
        return  # their data is encrypted: check_opened asks pdfium instead
    for obj in list(structure.objects.values()):
        if obj.data is None or b"/ObjStm" not in _normalised(obj.header):
            continue
        filters = _names_after(_entry(obj.header, b"Filter") or b"")
        body = b"".join(_bounded(decoded(obj.data, filters), MAX_OBJECT_STREAM))
        first = _int_value(_entry(obj.header, b"First")) or 0
        numbers = [int(n) for n in re.findall(rb"\d+", body[:first])][::2]
        offsets = [int(n) for n in re.findall(rb"\d+", body[:first])][1::2]
        for index, (number, offset) in enumerate(zip(numbers, offsets, strict=False)):
            end = offsets[index + 1] if index + 1 < len(offsets) else len(body) - first
            structure.objects.setdefault(number, _Object(body[first + offset:first + end]))
        structure.loose.append(body)  # whatever the offsets say, every name in it is looked at


def _bounded(pieces: Iterator[bytes], limit: int) -> Iterator[bytes]:
    total = 0
    for piece in pieces:
        total += len(piece)
        if total > limit:
            raise RejectedInput("pdf_content_too_large", "an object stream of the PDF is larger than any document's")
        yield piece


def _without_strings(text: bytes) -> bytes:
    """The text with its literal strings emptied (innermost first, nesting undone in a few passes): a title that
    reads "(A/AA)" names nothing; a reader never takes a name from inside a string."""
    for _ in range(4):
        if b"(" not in text:
            break
        emptied = _LITERAL.sub(b"()", text)
        if emptied == text:
            break
        text = emptied
    return text


def check_active(structure: PdfStructure) -> None:
    """Refuse a PDF whose dictionaries name active content (see the module's docstring)."""
    texts = [_without_strings(obj.header) for obj in structure.objects.values()]
    texts += [_without_strings(text) for text in structure.loose]
    for text in texts:
        for match in _NAME.finditer(text):
            what = _ACTIVE_NAMES.get(pdf_name(match.group(1)))
            if what is not None:
                raise active(what)
        opening = _entry(text, b"OpenAction")
        if opening is not None and not _is_plain_open(opening, structure):
            raise active("an action run when the file opens")


def _is_plain_open(value: bytes, structure: PdfStructure) -> bool:
    """An /OpenAction that only shows a page (a destination array, or a GoTo action) is harmless."""
    value = value.lstrip()
    ref = _REF.match(value)
    if ref:
        target = structure.objects.get(int(ref.group(1)))
        value = target.header.lstrip() if target is not None else b""
    if value.startswith(b"["):
        return True
    if value.startswith(b"<<"):
        kind = _names_after(_entry(value, b"S") or b"")
        return kind == [b"GoTo"]
    return False


def active(what: str) -> RejectedInput:
    return RejectedInput("pdf_active_content",
                         f"the PDF carries {what}; send the bank's own export or a photo of the paper statement")
