"""Applications as the review desk finds them, put straight into the in-memory repository (what the stages before
it would have left), and a small caller of the API function as one user."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from api.support import request, sample
from loanpipe.domain.application import read_declared
from loanpipe.domain.audit import AuditEntry
from loanpipe.domain.documents import DocType, FieldValue
from loanpipe.domain.lifecycle import AppState, DocState
from loanpipe.domain.records import ApplicationRecord, DocumentRecord, RecordedDecision, ReviewState, new_id, utcnow
from loanpipe.service.access import Caller, Role
from loanpipe.service.intake import create_application

OFFICER = "FO-0012"
RESULTS = "results-bucket"


@dataclass(frozen=True)
class User:
    """One signed-in user calling the API function: ``user.post(path, body)`` -> (status, body)."""

    call: Callable[[dict], tuple[int, dict]]
    name: str | None
    groups: tuple[str, ...] = ()

    def send(self, method: str, path: str, body: dict | None = None, **query: str) -> tuple[int, dict]:
        return self.call(request(method, path, body, self.name, self.groups, query or None))

    def get(self, path: str, **query: str) -> tuple[int, dict]:
        return self.send("GET", path, **query)

    def post(self, path: str, body: dict | None = None) -> tuple[int, dict]:
        return self.send("POST", path, body if body is not None else {})


def staff(call, name: str | None, *groups: str) -> User:
    return User(call, name, groups)


def in_review(repo, *, amount: str = "120000.00", reasons: tuple[str, ...] = ("low_confidence",),
              waited_minutes: float = 10, officer: str = OFFICER) -> str:
    """An application of ``officer`` waiting in the review queue for ``waited_minutes``."""
    data = json.loads(sample("api_create_application.json")["body"])
    data["loan"]["amount"] = amount
    data["capture"]["officer_id"] = officer
    declared = read_declared(json.dumps(data))
    record = create_application(repo, Caller(officer, frozenset({Role.FIELD_OFFICER})), declared)
    stored = repo.get(record.application_id)
    queued = utcnow() - timedelta(minutes=waited_minutes)
    stored.state = AppState.IN_REVIEW
    stored.decision = RecordedDecision(decision="review", reasons=list(reasons), score=580,
                                       policy_version="2026-11-29.2", decided_at=queued)
    stored.review = ReviewState(queued_at=queued, reasons=list(reasons))
    stored.version += 1
    repo.save(stored, stored.version - 1, [AuditEntry(at=queued, actor="system:score", action="decision.review",
                                                      from_state="SCORING", to_state="IN_REVIEW")])
    return stored.application_id


def add_document(fakes, application_id: str, slot: DocType, fields: dict[str, FieldValue],
                 result: dict | None = None) -> str:
    """An extracted document of ``slot`` with ``fields``; ``result``: the reading kept in the results bucket."""
    record: ApplicationRecord = fakes.repo.get(application_id)
    document_id = new_id("D")
    key = f"uploads/{application_id}/{document_id}/{slot.value}.jpg"
    doc = DocumentRecord(document_id=document_id, slot=slot, state=DocState.EXTRACTED, key=key,
                         content_type="image/jpeg", requested_at=utcnow(), uploaded_at=utcnow(),
                         detected_type=slot, fields=fields, version_id="v1", etag="e1", size=3)
    if result is not None:
        doc.result_key = f"extractions/{application_id}/{document_id}.json"
        fakes.blobs.put(RESULTS, doc.result_key, json.dumps(result, ensure_ascii=False).encode(), "application/json")
    record.documents[document_id] = doc
    record.version += 1
    fakes.repo.save(record, record.version - 1, [])
    return document_id


def lapse_lease(repo, application_id: str, minutes: int = 31) -> None:
    """Move the claim back in time, as if its reviewer had left ``minutes`` ago."""
    record = repo.get(application_id)
    record.review.claimed_at = utcnow() - timedelta(minutes=minutes)
    record.version += 1
    repo.save(record, record.version - 1, [])
