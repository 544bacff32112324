"""In-memory adapters: the fakes unit tests use instead of mocks (same ports, same semantics)."""

from __future__ import annotations

import json
import threading
from collections import defaultdict

from loanpipe.domain.audit import AuditEntry
from loanpipe.domain.errors import NotFound, StaleWrite
from loanpipe.domain.events import DomainEvent
from loanpipe.domain.records import ApplicationRecord, id_number_hash
from loanpipe.service.ports import ApplicationSummary, Page


def _summary(record: ApplicationRecord) -> ApplicationSummary:
    return ApplicationSummary(
        application_id=record.application_id,
        officer_id=record.officer_id,
        state=record.state.value,
        created_at=record.created_at.isoformat(),
        updated_at=record.updated_at.isoformat(),
    )


class MemoryApplicationRepository:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, str] = {}
        self._audit: dict[str, list[AuditEntry]] = defaultdict(list)
        self._reports: dict[tuple[str, int, str], dict] = {}

    def create(self, record: ApplicationRecord, audit: AuditEntry) -> None:
        with self._lock:
            if record.application_id in self._records:
                raise StaleWrite("exists")
            self._records[record.application_id] = record.model_dump_json()
            self._audit[record.application_id].append(audit)

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
            self._records[record.application_id] = record.model_dump_json()
            self._audit[record.application_id].extend(audit)

    def audit_trail(self, application_id: str) -> list[AuditEntry]:
        return list(self._audit[application_id])

    def _all(self) -> list[ApplicationRecord]:
        with self._lock:
            bodies = list(self._records.values())
        return [ApplicationRecord.model_validate_json(body) for body in bodies]

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


class MemoryBlobStore:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], tuple[bytes, str]] = {}

    def get(self, bucket: str, key: str, max_bytes: int | None = None) -> bytes:
        try:
            return self.objects[(bucket, key)][0]
        except KeyError:
            raise NotFound(f"s3://{bucket}/{key}") from None

    def head(self, bucket: str, key: str) -> dict | None:
        found = self.objects.get((bucket, key))
        return {"ContentLength": len(found[0]), "ContentType": found[1]} if found else None

    def put(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        self.objects[(bucket, key)] = (body, content_type)


class MemoryStageQueue:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, queue_url: str, body: str) -> None:
        self.sent.append((queue_url, body))


class MemoryEventPublisher:
    """Keeps what the bus would carry: (detail type, Detail as parsed JSON), in order."""

    def __init__(self) -> None:
        self.published: list[tuple[str, dict]] = []

    def publish(self, event: DomainEvent) -> None:
        self.published.append((event.detail_type, json.loads(event.detail_json())))
