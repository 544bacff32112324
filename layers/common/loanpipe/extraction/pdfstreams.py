"""A PDF stream's general-purpose filters (Flate, LZW, RunLength, ASCIIHex, ASCII85) decoded piece by piece, so
that ``pdfguard`` counts what a stream inflates to while holding one piece at a time."""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Callable, Iterable, Iterator

_CHUNK = 1 << 20


def _flate(chunks: Iterable[bytes]) -> Iterator[bytes]:
    decompressor = zlib.decompressobj()
    first = True
    for chunk in chunks:
        try:
            data = chunk
            while data and not decompressor.eof:
                out = decompressor.decompress(data, _CHUNK)
                if out:
                    yield out
                data = decompressor.unconsumed_tail
        except zlib.error:
            if first:  # no zlib header: raw deflate, as some writers emit and readers accept
                decompressor = zlib.decompressobj(-15)
                first = False
                yield from _flate_raw(decompressor, chunk)
                continue
            return  # the rest is damaged: the reader stops there too
        first = False
        if decompressor.eof:
            return


def _flate_raw(decompressor: zlib._Decompress, chunk: bytes) -> Iterator[bytes]:
    try:
        data = chunk
        while data and not decompressor.eof:
            out = decompressor.decompress(data, _CHUNK)
            if out:
                yield out
            data = decompressor.unconsumed_tail
    except zlib.error:
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


def _ascii85(data: bytes) -> bytes:
    text = re.sub(rb"\s", b"", data)
    text = text[2:] if text.startswith(b"<~") else text
    return base64.a85decode(text.split(b"~>", 1)[0] + b"~>", adobe=False, ignorechars=b"~>") if text else b""


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
