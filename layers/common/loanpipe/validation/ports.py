"""Ports of the fraud checks: what ``validate`` asks of the world, and in-memory fakes for tests and replay.

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
    key fields of what it says (``rules.validate.content_keys``); ``validate`` counts a near match as the
    same picture only when no key field known on both sides differs.
``OpenApplications``
    other applications, not yet decided or signed, whose applicant has the same ID number.
``OfficerDirectory``
    the officer whose registered phone is this number, if any.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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

    @classmethod
    def in_memory(cls) -> FraudPorts:
        return cls(InMemoryImageIndex(), InMemoryOpenApplications(), InMemoryOfficerDirectory())


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


# ---------------------------------------------------------------- in-memory fakes


@dataclass
class _Recorded:
    application_id: str
    document_id: str
    phash: str
    officer_id: str
    recorded_at: datetime
    content: dict[str, str] | None = None


@dataclass
class InMemoryImageIndex:
    """Band-indexed like the DynamoDB adapter: proves the band search finds every near hash."""

    max_distance: int = 6
    _images: dict[tuple[str, str], _Recorded] = field(default_factory=dict)
    _bands: dict[str, set[tuple[str, str]]] = field(default_factory=dict)

    def record(self, application_id: str, document_id: str, phash: str, officer_id: str,
               recorded_at: datetime, content: dict[str, str] | None = None) -> None:
        key = (application_id, document_id)
        previous = self._images.get(key)
        if previous is not None:  # idempotent: the first recording time stays
            recorded_at = previous.recorded_at
            for band in hash_bands(previous.phash, self.max_distance):
                self._bands.get(band, set()).discard(key)
        self._images[key] = _Recorded(application_id, document_id, phash, officer_id, recorded_at, content)
        for band in hash_bands(phash, self.max_distance):
            self._bands.setdefault(band, set()).add(key)

    def find_near(self, phash: str, max_distance: int) -> list[ImageMatch]:
        if max_distance > self.max_distance:
            raise ValueError("this index was banded for a smaller max_distance")
        candidates: set[tuple[str, str]] = set()
        for band in hash_bands(phash, self.max_distance):
            candidates |= self._bands.get(band, set())
        matches = []
        for key in sorted(candidates):
            image = self._images[key]
            distance = hamming(phash, image.phash)
            if distance <= max_distance:
                matches.append(ImageMatch(image.application_id, image.document_id, image.officer_id,
                                          image.recorded_at, distance, image.content))
        return matches


@dataclass
class InMemoryOpenApplications:
    _by_id_number: dict[str, dict[str, OpenApplication]] = field(default_factory=dict)

    def add(self, id_number: str, application_id: str, officer_id: str) -> None:
        self._by_id_number.setdefault(id_number.upper(), {})[application_id] = OpenApplication(
            application_id, officer_id)

    def close(self, application_id: str) -> None:
        for applications in self._by_id_number.values():
            applications.pop(application_id, None)

    def with_id_number(self, id_number: str) -> list[OpenApplication]:
        return list(self._by_id_number.get(id_number.upper(), {}).values())


@dataclass
class InMemoryOfficerDirectory:
    _phones: dict[str, str] = field(default_factory=dict)

    def add(self, officer_id: str, phone: str) -> None:
        self._phones[phone] = officer_id

    def officer_with_phone(self, phone: str) -> str | None:
        return self._phones.get(phone)
