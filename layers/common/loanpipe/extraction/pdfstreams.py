"""A PDF stream's general-purpose filters (Flate, LZW, RunLength, ASCIIHex, ASCII85) decoded piece by piece, so
that ``pdfguard`` counts what a stream inflates to while holding one piece at a time."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable, Iterator

import numpy as np

_CHUNK = 1 << 20


def _inflated(decompressor: zlib._Decompress, data: bytes) -> Iterator[bytes]:
    """What one chunk inflates to, at most ``_CHUNK`` bytes at a time (``zlib.error`` goes to the caller)."""
    while data and not decompressor.eof:
        out = decompressor.decompress(data, _CHUNK)
        if out:
            yield out
        data = decompressor.unconsumed_tail


def _flate(chunks: Iterable[bytes]) -> Iterator[bytes]:
    decompressor = zlib.decompressobj()
    first = True
    for chunk in chunks:
        try:
            yield from _inflated(decompressor, chunk)
        except zlib.error:
            if first:  # no zlib header: raw deflate, as some writers emit and readers accept
                decompressor = zlib.decompressobj(-15)
                first = False
                try:
                    yield from _inflated(decompressor, chunk)
                except zlib.error:
                    pass  # damaged raw deflate: what was read stands
                continue
            return  # the rest is damaged: the reader stops there too
        first = False
        if decompressor.eof:
            return


def _lzw(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """LZW as PDF writes it (early change 1, codes of 9 to 12 bits), decoded in pieces."""
    table: list[bytes] = [bytes([i]) for i in range(256)] + [b"", b""]
    width, bits, buffered, previous = 9, 0, 0, b""
    out: list[bytes] = []
    size = 0
    for chunk in chunks:
        for byte in chunk:
            bits = (bits << 8) | byte
            buffered += 8
            while buffered >= width:
                buffered -= width
                code = (bits >> buffered) & ((1 << width) - 1)
                bits &= (1 << buffered) - 1
                if code == 256:
                    table, width, previous = table[:258], 9, b""
                    continue
                if code == 257:
                    if out:
                        yield b"".join(out)
                    return
                if code < len(table):
                    entry = table[code]
                elif previous:
                    entry = previous + previous[:1]
                else:
                    return  # damaged
                if previous:
                    table.append(previous + entry[:1])
                previous = entry
                out.append(entry)
                size += len(entry)
                if len(table) + 1 >= (1 << width) and width < 12:
                    width += 1
                if size >= _CHUNK:
                    yield b"".join(out)
                    out, size = [], 0
    if out:
        yield b"".join(out)


def _run_length(chunks: Iterable[bytes]) -> Iterator[bytes]:
    pending = b""
    for chunk in chunks:
        data = pending + chunk
        index, out = 0, bytearray()
        while index < len(data):
            length = data[index]
            if length == 128:
                yield bytes(out)
                return
            if length < 128:
                if index + 1 + length + 1 > len(data):
                    break
                out += data[index + 1:index + 2 + length]
                index += 2 + length
            else:
                if index + 1 >= len(data):
                    break
                out += data[index + 1:index + 2] * (257 - length)
                index += 2
        pending = data[index:]
        yield bytes(out)


def _whole(decode: Callable[[bytes], bytes]) -> Callable[[Iterable[bytes]], Iterator[bytes]]:
    def run(chunks: Iterable[bytes]) -> Iterator[bytes]:
        try:
            yield decode(b"".join(chunks))  # text encodings shrink the data: no bomb in them
        except ValueError:
            return

    return run


def _ascii_hex(data: bytes) -> bytes:
    text = re.sub(rb"[^0-9A-Fa-f]", b"", data.split(b">", 1)[0])
    return bytes.fromhex((text + b"0" if len(text) % 2 else text).decode())


_A85_WEIGHTS = np.array([85**4, 85**3, 85**2, 85, 1], dtype=np.uint64)


def a85decode(text: bytes) -> bytes:
    """``base64.a85decode(text, adobe=False, ignorechars=b"~>")`` (same bytes, ValueError where it raises one) in
    numpy: the standard library's loop spent a quarter of a text-layer statement's reading on its font streams. As
    the library does, ``~`` is skipped (``>`` is a digit there: the ignored characters are looked at only after the
    digits ``!``..``u``), the text is read with ``uuuu`` after it, a ``z`` stands for four zero bytes between
    groups, and what the padding added is cut off at the end. No loop runs per group or per ``z``: a stream of
    nothing but ``z`` costs what any other of its size does."""
    stream = np.frombuffer(text.translate(None, b"~") + b"uuuu", dtype=np.uint8)
    zero = stream == ord("z")
    digits = stream[~zero]
    if digits.size and (int(digits.min()) < 33 or int(digits.max()) > 117):
        raise ValueError("Non-Ascii85 digit found")
    before = np.cumsum(~zero)[zero]  # the digits before each z (a z is no digit: the count at it is theirs)
    if np.any(before % 5):
        raise ValueError("z inside Ascii85 5-tuple")
    whole = digits.size // 5 * 5
    values = (digits[:whole].reshape(-1, 5).astype(np.uint64) - 33) @ _A85_WEIGHTS
    if values.size and int(values.max()) > 0xFFFFFFFF:
        raise ValueError("Ascii85 overflow")
    # Each z is four zero bytes before the group it precedes: the groups move one place on per z before them.
    groups_before_z = before // 5
    units = np.zeros(values.size + groups_before_z.size, dtype=">u4")
    units[np.arange(values.size) + np.searchsorted(groups_before_z, np.arange(values.size), side="right")] = values
    padding = 4 - (digits.size - whole)
    result = units.tobytes()
    return result[:-padding] if padding else result


def _ascii85(data: bytes) -> bytes:
    text = re.sub(rb"\s", b"", data)
    text = text[2:] if text.startswith(b"<~") else text
    # Up to the end mark, not with it: ">" would be read as a digit of the last group (see a85decode).
    return a85decode(text.split(b"~>", 1)[0]) if text else b""


DECODERS: dict[bytes, Callable[[Iterable[bytes]], Iterator[bytes]]] = {
    b"FlateDecode": _flate, b"Fl": _flate, b"LZWDecode": _lzw, b"LZW": _lzw,
    b"RunLengthDecode": _run_length, b"RL": _run_length,
    b"ASCIIHexDecode": _whole(_ascii_hex), b"AHx": _whole(_ascii_hex),
    b"ASCII85Decode": _whole(_ascii85), b"A85": _whole(_ascii85),
}


def _pieces(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), _CHUNK):
        yield data[start:start + _CHUNK]


def decoded(data: bytes, filters: list[bytes]) -> Iterator[bytes]:
    """The stream's data through its general-purpose filters, in pieces (an image codec ends the chain)."""
    chunks: Iterable[bytes] = _pieces(data)
    for name in filters:
        decoder = DECODERS.get(name)
        if decoder is None:
            break
        chunks = decoder(chunks)
    return iter(chunks)
