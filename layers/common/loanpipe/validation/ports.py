"""Ports of the fraud checks: what ``validate`` asks of the world (their in-memory fakes are in the testkit).

The lead's DynamoDB adapters implement the same Protocols. Contracts:

``ImageIndex``
    ``record`` stores one document image's perceptual hash (idempotent on application + document id);
    ``find_near`` returns every recorded image within ``max_distance`` bits, the caller's own application
    included (``validate`` drops those). ``validate`` records first and searches second, so of two
    applications processed at the same time at least the later search sees the other one: the result does
    not depend on which was processed first. Each match names the OTHER application; ``validate`` lists
    them in ``ValidationReport.cross_flags`` so the caller flags them too (``scoring.decision.flag_as_duplicate``),
    the earlier one included, unless it is already signed.
    A near (not only exact) search in a key-value store: ``hash_bands`` cuts the 64-bit hash into
    ``max_distance + 1`` bands; two hashes within ``max_distance`` bits share at least one band exactly
    (pigeonhole), so an adapter indexes each band and checks the full distance of the candidates.
    A 64-bit perceptual hash sees layout, not text: two flat scans of one template (two statements of one
    bank, two cropped ID cards) hash a few bits apart. So each image is recorded with ``content``: hashed
    key fields of what it says and its 256-bit detail hash (``checks.fraud.content_keys``); ``validate``
    counts a near match as the same picture only when no key field known on both sides differs, and, when
    one side's text was not read, the detail hashes agree (``checks.fraud.same_picture``).
``OpenApplications``
    other applications, not yet decided or signed, whose applicant has the same ID number.
``OfficerDirectory``
    the officer whose registered phone is this number, if any.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class ImageMatch:
    application_id: str
    document_id: str
    officer_id: str
    recorded_at: datetime
    distance: int  # bits that differ
    content: dict[str, str] | None = None  # hashed key fields of what the picture says (see content_keys)


@dataclass(frozen=True)
class OpenApplication:
    application_id: str
    officer_id: str


@runtime_checkable
class ImageIndex(Protocol):
    def record(self, application_id: str, document_id: str, phash: str, officer_id: str,
               recorded_at: datetime, content: dict[str, str] | None = None) -> None: ...

    def find_near(self, phash: str, max_distance: int) -> list[ImageMatch]: ...

    def forget(self, application_id: str, document_id: str) -> int:
        """Remove a document's picture from the index (an erased application); returns the items removed."""
        ...


@runtime_checkable
class OpenApplications(Protocol):
    def with_id_number(self, id_number: str) -> list[OpenApplication]: ...


@runtime_checkable
class OfficerDirectory(Protocol):
    def officer_with_phone(self, phone: str) -> str | None: ...


@dataclass
class FraudPorts:
    image_index: ImageIndex
    open_applications: OpenApplications
    officer_directory: OfficerDirectory


def hamming(a: str, b: str) -> int:
    """Bits that differ between two hex hashes of the same length."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def hash_bands(phash: str, max_distance: int) -> list[str]:
    """``max_distance + 1`` band keys (``"i:bits"``) of a 64-bit hash; near hashes share at least one."""
    bands = max_distance + 1
    if not 1 <= bands <= 64:
        raise ValueError("max_distance must be 0..63")
    value = int(phash, 16)
    keys = []
    start = 0
    for index in range(bands):
        width = 64 // bands + (1 if index < 64 % bands else 0)
        bits = (value >> start) & ((1 << width) - 1)
        keys.append(f"{index}:{bits:x}")
        start += width
    return keys
