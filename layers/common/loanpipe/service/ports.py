"""Ports: what the stages need from the platform. Adapters implement them for AWS
(``loanpipe.adapters.aws``) and in memory (``testkit.fakes``, for unit tests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from loanpipe.domain.audit import AuditEntry
from loanpipe.domain.events import DomainEvent
from loanpipe.domain.records import ApplicationRecord


@dataclass(frozen=True)
class ApplicationSummary:
    application_id: str
    officer_id: str
    state: str
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class Page:
    items: list[ApplicationSummary]
    cursor: str | None = None


class ApplicationRepository(Protocol):
    def create(self, record: ApplicationRecord, audit: AuditEntry) -> None:
        """Write a new application with its first audit entry (chained as ``save`` does)."""
        ...

    def get(self, application_id: str) -> ApplicationRecord:
        """Raises ``loanpipe.domain.errors.NotFound``."""
        ...

    def save(self, record: ApplicationRecord, expected_version: int, audit: list[AuditEntry]) -> None:
        """Write ``record`` (whose ``version`` is already ``expected_version + 1``) only if the stored
        version is still ``expected_version``; append the audit entries in the same transaction, chained
        after the record's ``audit_head`` (``domain.audit.chain``), which moves to the last of them and is
        written with the record. Raises ``loanpipe.domain.errors.StaleWrite`` when another writer got there
        first."""
        ...

    def audit_trail(self, application_id: str) -> list[AuditEntry]:
        """The application's audit entries as stored, in ``seq`` order."""
        ...

    def records_in_state(self, state: str, limit: int = 1000) -> list[ApplicationRecord]:
        """Every application in ``state`` (at most ``limit``), whole: the review queue is read in full to be
        ordered by priority."""
        ...

    def list_by_state(self, state: str, limit: int = 50, cursor: str | None = None) -> Page: ...

    def list_by_officer(self, officer_id: str, limit: int = 50, cursor: str | None = None) -> Page: ...

    def with_id_number(self, id_number_hash: str) -> list[ApplicationSummary]: ...

    def put_report(self, application_id: str, round_: int, kind: str, body: dict) -> None: ...

    def get_report(self, application_id: str, round_: int, kind: str) -> dict | None: ...

    def delete_reports(self, application_id: str) -> int:
        """Delete every stored report of the application (validation, decision: figures read from its
        documents); returns how many."""
        ...

    def redact_audit(self, application_id: str, entries: list[AuditEntry]) -> int:
        """Overwrite stored entries with their redacted forms (``domain.audit.redact_entry``: same ``seq``, same
        ``hash``), each only if the stored entry still has that hash; returns how many were written. The only
        change a trail ever takes besides appending."""
        ...


@dataclass(frozen=True)
class ObjectVersion:
    """One version of an object in a versioned bucket (the uploads bucket keeps every version)."""

    version_id: str
    etag: str
    size: int


@dataclass(frozen=True)
class HeldObject:
    """An object version a deletion was refused for (object lock), with its retention date when known."""

    key: str
    version_id: str
    retain_until: str | None = None


@dataclass(frozen=True)
class PrefixErased:
    deleted: int
    held: list[HeldObject] = field(default_factory=list)


class BlobStore(Protocol):
    def get(self, bucket: str, key: str, max_bytes: int | None = None, version_id: str | None = None) -> bytes:
        """The object's bytes: its current version, or ``version_id`` (a pinned piece of evidence)."""
        ...

    def versions(self, bucket: str, key: str) -> list[ObjectVersion]:
        """Every version of exactly ``key`` (delete markers left out), oldest first: the order S3 wrote them."""
        ...

    def head(self, bucket: str, key: str) -> dict | None: ...

    def keys(self, bucket: str, prefix: str) -> list[str]:
        """Every key under ``prefix`` that has a version."""
        ...

    def erase_prefix(self, bucket: str, prefix: str, *, bypass_governance: bool = False) -> PrefixErased:
        """Delete every version (and delete marker) of every key under ``prefix``: nothing of it can be read
        back. Versions under object lock are left and named (``held``); ``bypass_governance`` deletes those in
        GOVERNANCE mode (it needs s3:BypassGovernanceRetention)."""
        ...

    def put(self, bucket: str, key: str, body: bytes, content_type: str) -> None: ...

    def presigned_post(self, bucket: str, key: str, content_type: str, max_bytes: int, expires_in: int) -> dict:
        """A grant to upload one object: ``{"url", "fields"}`` for an HTML-form POST. The server chooses the
        key; the type, a size of 1..``max_bytes`` and the key are conditions of the grant."""
        ...

    def presigned_get(self, bucket: str, key: str, expires_in: int, version_id: str | None = None) -> str:
        """A URL that reads one object (its ``version_id`` when given) for ``expires_in`` seconds, without
        credentials."""
        ...


class StageQueue(Protocol):
    def send(self, queue_url: str, body: str) -> None: ...


class EventPublisher(Protocol):
    def publish(self, event: DomainEvent) -> None:
        """Put ``event`` on the bus: its ``detail_type`` and its ``detail_json()`` as the Detail."""
        ...


@dataclass
class Outbox:
    """Side effects of a transition, carried out only after the write succeeded."""

    messages: list[tuple[str, str]] = field(default_factory=list)  # (queue url, body)
    events: list[DomainEvent] = field(default_factory=list)
    after: list[Callable[[], None]] = field(default_factory=list)
