"""In-memory fakes of every port: what unit tests, benchmarks and scenarios use instead of mocks.

One naming: the fake of a port ``P`` is ``InMemoryP`` and keeps the port's semantics (conditional writes,
idempotent records, the band search of the image index), so a test of a service against a fake says
something about the service against the AWS adapter. The application ports are those of
``loanpipe.service.ports``; the fraud ports those of ``loanpipe.validation.ports``.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from loanpipe.domain.audit import AuditEntry, chain
from loanpipe.domain.errors import NotFound, StaleWrite
from loanpipe.domain.events import DomainEvent
from loanpipe.domain.records import ApplicationRecord, id_number_hash
from loanpipe.service.ports import ApplicationSummary, HeldObject, ObjectVersion, Page, PrefixErased
from loanpipe.validation.ports import FraudPorts, ImageMatch, OpenApplication, hamming, hash_bands


def _summary(record: ApplicationRecord) -> ApplicationSummary:
    return ApplicationSummary(
        application_id=record.application_id,
        officer_id=record.officer_id,
        state=record.state.value,
        created_at=record.created_at.isoformat(),
        updated_at=record.updated_at.isoformat(),
    )


class InMemoryApplicationRepository:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, str] = {}
        self._audit: dict[str, list[AuditEntry]] = defaultdict(list)
        self._reports: dict[tuple[str, int, str], dict] = {}

    def create(self, record: ApplicationRecord, audit: AuditEntry) -> None:
        with self._lock:
            if record.application_id in self._records:
                raise StaleWrite("exists")
            chained, record.audit_head = chain(record.application_id, record.audit_head, [audit])
            self._records[record.application_id] = record.model_dump_json()
            self._audit[record.application_id].extend(chained)

    def get(self, application_id: str) -> ApplicationRecord:
        with self._lock:
            body = self._records.get(application_id)
        if body is None:
            raise NotFound(f"application {application_id}")
        return ApplicationRecord.model_validate_json(body)

    def save(self, record: ApplicationRecord, expected_version: int, audit: list[AuditEntry]) -> None:
        with self._lock:
            current = ApplicationRecord.model_validate_json(self._records[record.application_id])
            if current.version != expected_version:
                raise StaleWrite("changed")
            chained, record.audit_head = chain(record.application_id, record.audit_head, audit)
            self._records[record.application_id] = record.model_dump_json()
            self._audit[record.application_id].extend(chained)

    def audit_trail(self, application_id: str) -> list[AuditEntry]:
        return list(self._audit[application_id])

    def stored_audit(self, application_id: str) -> list[AuditEntry]:
        """The trail as stored (the list itself): what a test edits to play someone tampering with the table."""
        return self._audit[application_id]

    def _all(self) -> list[ApplicationRecord]:
        with self._lock:
            bodies = list(self._records.values())
        return [ApplicationRecord.model_validate_json(body) for body in bodies]

    def records_in_state(self, state: str, limit: int = 1000) -> list[ApplicationRecord]:
        return sorted((r for r in self._all() if r.state == state), key=lambda r: r.updated_at)[:limit]

    def list_by_state(self, state: str, limit: int = 50, cursor: str | None = None) -> Page:
        found = sorted((r for r in self._all() if r.state == state), key=lambda r: r.updated_at)
        return Page(items=[_summary(r) for r in found[:limit]])

    def list_by_officer(self, officer_id: str, limit: int = 50, cursor: str | None = None) -> Page:
        found = sorted((r for r in self._all() if r.officer_id == officer_id), key=lambda r: r.created_at,
                       reverse=True)
        return Page(items=[_summary(r) for r in found[:limit]])

    def with_id_number(self, id_number_hash_: str) -> list[ApplicationSummary]:
        return [_summary(r) for r in self._all()
                if id_number_hash(r.declared.applicant.id_number) == id_number_hash_]

    def put_report(self, application_id: str, round_: int, kind: str, body: dict) -> None:
        self._reports[(application_id, round_, kind)] = body

    def get_report(self, application_id: str, round_: int, kind: str) -> dict | None:
        return self._reports.get((application_id, round_, kind))

    def delete_reports(self, application_id: str) -> int:
        keys = [key for key in self._reports if key[0] == application_id]
        for key in keys:
            del self._reports[key]
        return len(keys)

    def redact_audit(self, application_id: str, entries: list[AuditEntry]) -> int:
        stored = self._audit[application_id]
        written = 0
        for entry in entries:
            for index, old in enumerate(stored):
                if old.seq == entry.seq and old.hash == entry.hash:
                    stored[index] = entry
                    written += 1
        return written


class InMemoryBlobStore:
    """A versioned bucket: every put is a new version, reads take the current one or the version named."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], tuple[bytes, str]] = {}  # the current version of each key
        self._versions: dict[tuple[str, str], list[tuple[str, bytes, str]]] = defaultdict(list)
        self.locked: dict[str, set[str]] = {}  # bucket -> keys under object lock (GOVERNANCE)

    def get(self, bucket: str, key: str, max_bytes: int | None = None, version_id: str | None = None) -> bytes:
        if version_id is not None:
            for found_id, body, _ in self._versions.get((bucket, key), []):
                if found_id == version_id:
                    return body
            raise NotFound(f"s3://{bucket}/{key}?versionId={version_id}")
        try:
            return self.objects[(bucket, key)][0]
        except KeyError:
            raise NotFound(f"s3://{bucket}/{key}") from None

    def versions(self, bucket: str, key: str) -> list[ObjectVersion]:
        return [ObjectVersion(version_id, etag_of(body), len(body))
                for version_id, body, _ in self._versions.get((bucket, key), [])]

    def keys(self, bucket: str, prefix: str) -> list[str]:
        return [key for (b, key), versions in self._versions.items() if b == bucket and key.startswith(prefix)
                and versions]

    def erase_prefix(self, bucket: str, prefix: str, *, bypass_governance: bool = False) -> PrefixErased:
        deleted = 0
        held = []
        for key in self.keys(bucket, prefix):
            kept = [v for v in self._versions[(bucket, key)] if key in self.locked.get(bucket, set())
                    and not bypass_governance]
            deleted += len(self._versions[(bucket, key)]) - len(kept)
            held += [HeldObject(key, version_id, "2036-11-30T00:00:00+00:00") for version_id, _, _ in kept]
            self._versions[(bucket, key)] = kept
            if not kept:
                self.objects.pop((bucket, key), None)
        return PrefixErased(deleted, held)

    def head(self, bucket: str, key: str) -> dict | None:
        found = self.objects.get((bucket, key))
        return {"ContentLength": len(found[0]), "ContentType": found[1]} if found else None

    def put(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        self.put_version(bucket, key, body, content_type)

    def put_version(self, bucket: str, key: str, body: bytes, content_type: str) -> str:
        """``put``, returning the new version's id (what S3 answers and names in its notification)."""
        versions = self._versions[(bucket, key)]
        version_id = f"v{len(versions) + 1}"
        versions.append((version_id, body, content_type))
        self.objects[(bucket, key)] = (body, content_type)
        return version_id

    def presigned_post(self, bucket: str, key: str, content_type: str, max_bytes: int, expires_in: int) -> dict:
        return {"url": f"memory://{bucket}/", "fields": {"key": key, "Content-Type": content_type}}

    def presigned_get(self, bucket: str, key: str, expires_in: int, version_id: str | None = None) -> str:
        version = f"&versionId={version_id}" if version_id else ""
        return f"memory://{bucket}/{key}?expires_in={expires_in}{version}"


def etag_of(body: bytes) -> str:
    """The ETag S3 gives a single-part upload: the MD5 of its bytes."""
    return hashlib.md5(body, usedforsecurity=False).hexdigest()


class InMemoryStageQueue:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, queue_url: str, body: str) -> None:
        self.sent.append((queue_url, body))


class InMemoryEventPublisher:
    """Keeps what the bus would carry: (detail type, Detail as parsed JSON), in order."""

    def __init__(self) -> None:
        self.published: list[tuple[str, dict]] = []

    def publish(self, event: DomainEvent) -> None:
        self.published.append((event.detail_type, json.loads(event.detail_json())))


def sms_code(text: str) -> str | None:
    """The one-time code in a signing SMS (the text of ``loanpipe.service.signing.request_code``), as the
    customer reads it; None when the text carries none."""
    match = re.search(r"验证码为(\d{6})", text)
    return match.group(1) if match else None


class InMemorySmsSender:
    """The SMS outbox: (phone, text) in the order sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))

    def last_code(self, phone: str) -> str:
        """The six-digit code of the newest message to ``phone`` (what the customer reads)."""
        code = sms_code(next(text for to, text in reversed(self.sent) if to == phone))
        assert code is not None, "the newest message to this phone carries no code"
        return code


# ---------------------------------------------------------------- the fraud ports


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

    def forget(self, application_id: str, document_id: str) -> int:
        image = self._images.pop((application_id, document_id), None)
        if image is None:
            return 0
        bands = hash_bands(image.phash, self.max_distance)
        for band in bands:
            self._bands.get(band, set()).discard((application_id, document_id))
        return len(bands) + 1

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


def in_memory_fraud_ports(max_distance: int = 6) -> FraudPorts:
    """Empty fraud ports: an image index banded for ``max_distance``, no open applications, no officers."""
    return FraudPorts(InMemoryImageIndex(max_distance), InMemoryOpenApplications(), InMemoryOfficerDirectory())
