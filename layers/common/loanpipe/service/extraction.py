"""Extract stage: an uploaded file -> the document's fields, a retake request, or a rejection.

Driven by the S3 ObjectCreated notification of the uploads bucket. The document id is in the
server-chosen key, so the upload is matched to the slot the officer asked for; anything else in the
bucket is ignored (and counted). Every outcome is a document state the officer sees within seconds.

An upload grant is good for one file. The uploads bucket keeps every version of a key, and the first
version written under a grant is the document's evidence: it is pinned on the document (``version_id``)
and everything reads that version (this stage, the reviewer's image link). A presigned POST can still be
posted again until it expires; such a file becomes a later version, makes no change to the document, and
is recorded on it and audited as a refused upload (``upload_grant_used``), whatever state the application
is in and in whatever order S3's notifications arrive. A new photo is a new document with a new grant.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from loanpipe.domain.audit import AuditEntry
from loanpipe.domain.documents import DocType, Quality
from loanpipe.domain.errors import NotFound, RejectedInput
from loanpipe.domain.events import DocumentRejected, DocumentRetakeRequested
from loanpipe.domain.lifecycle import SETTLED_DOC_STATES, UPLOAD_OPEN_STATES, AppState, DocState
from loanpipe.domain.records import (
    MAX_REFUSED_UPLOADS,
    MULTI_SLOTS,
    ApplicationRecord,
    DocumentRecord,
    RefusedUpload,
    utcnow,
)
from loanpipe.extraction.sniff import MAX_FILE_BYTES
from loanpipe.service.dispatch import apply_and_dispatch
from loanpipe.service.fanin import resend_if_validating, start_validation_if_ready
from loanpipe.service.intake import parse_upload_key
from loanpipe.service.messages import S3EventRecord
from loanpipe.service.outcomes import ExtractOutcome
from loanpipe.service.ports import ApplicationRepository, BlobStore, EventPublisher, ObjectVersion, StageQueue
from loanpipe.service.transitions import Change, move_document

log = logging.getLogger(__name__)
ACTOR = "system:extract"


@dataclass
class ExtractConfig:
    uploads_bucket: str
    results_bucket: str
    validate_queue_url: str


@dataclass
class ExtractDeps:
    repo: ApplicationRepository
    blobs: BlobStore
    queue: StageQueue
    events: EventPublisher
    config: ExtractConfig
    read_document: Callable[..., Any]  # loanpipe.extraction.extract.extract_document
    image_evidence: Callable[[bytes, str], Any] | None = None  # loanpipe.extraction.forensics.image_evidence


@dataclass
class UploadOutcome:
    outcome: ExtractOutcome
    application_id: str | None = None
    document_id: str | None = None
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {**self.__dict__, "outcome": self.outcome.value}


@dataclass(frozen=True)
class _Upload:
    """An upload matched to the document slot it was granted for: the object version this notification is
    about (``this``) and the first version written under the grant (``first``)."""

    event: S3EventRecord
    application_id: str
    document_id: str
    this: ObjectVersion
    first: ObjectVersion

    def outcome(self, outcome: ExtractOutcome, reasons: list[str] | None = None) -> UploadOutcome:
        return UploadOutcome(outcome, self.application_id, self.document_id, list(reasons or []))


@dataclass
class _Reading:
    """What reading the file gave: an extraction and its forensics, or the codes it was refused with."""

    extraction: Any = None  # loanpipe.extraction.extract.Extraction
    evidence: Any = None
    reasons: list[str] = field(default_factory=list)
    result_key: str | None = None
    version: ObjectVersion | None = None  # the pinned version that was read


def handle_upload(upload: S3EventRecord, deps: ExtractDeps, budget_seconds: float = 45.0) -> UploadOutcome:
    """One upload notification: match it to its slot, claim the document, read the file, record what was read.

    Both writes are conditional on the application's version and decide on its newest state, so a
    re-delivered notification, a newer upload of the slot or a closed capture wins over a stale reading."""
    slot = _match(upload, deps)
    if isinstance(slot, UploadOutcome):
        return slot
    matched = _versions(upload, *slot, deps)
    if isinstance(matched, UploadOutcome):
        return matched
    claimed = apply_and_dispatch(deps, matched.application_id, lambda record: _claim(record, matched, deps.config))
    if claimed.result is not None:  # nothing (more) to read
        return claimed.result
    reading = _read(matched, claimed.record.documents[matched.document_id], deps, budget_seconds)
    recorded = apply_and_dispatch(deps, matched.application_id,
                                  lambda record: _record(record, matched, reading, deps.config))
    return recorded.result or matched.outcome(ExtractOutcome.SUPERSEDED)  # none: a newer upload decides


def _match(upload: S3EventRecord, deps: ExtractDeps) -> tuple[str, str] | UploadOutcome:
    """The slot this upload fills (application id, document id), or why it is ignored (anything else that
    lands in the bucket)."""
    if not upload.eventName.startswith("ObjectCreated"):
        return UploadOutcome(ExtractOutcome.IGNORED, reasons=["not_an_upload"])
    if upload.bucket != deps.config.uploads_bucket:
        log.warning("upload from an unexpected bucket ignored")
        return UploadOutcome(ExtractOutcome.IGNORED, reasons=["unexpected_bucket"])
    parsed = parse_upload_key(upload.key)
    if parsed is None:
        log.warning("upload outside any application's prefix ignored")
        return UploadOutcome(ExtractOutcome.IGNORED, reasons=["key_outside_application"])
    application_id, document_id = parsed
    try:
        record = deps.repo.get(application_id)
    except NotFound:
        return UploadOutcome(ExtractOutcome.IGNORED, application_id=None, reasons=["unknown_application"])
    if document_id not in record.documents:
        return UploadOutcome(ExtractOutcome.IGNORED, application_id=application_id, reasons=["unknown_document"])
    if upload.key != record.documents[document_id].key:
        return UploadOutcome(ExtractOutcome.IGNORED, application_id=application_id,
                             reasons=["key_outside_application"])
    return application_id, document_id


def _versions(event: S3EventRecord, application_id: str, document_id: str,
              deps: ExtractDeps) -> _Upload | UploadOutcome:
    """Which version of the key this notification is about, and which was the grant's first.

    S3 names the version in the notification of a versioned bucket; without one (an unversioned bucket) the
    ETag tells the versions apart. The listing, not the order notifications arrive in, says which came first."""
    versions = deps.blobs.versions(deps.config.uploads_bucket, event.key)
    if not versions:  # erased, or never stored
        return UploadOutcome(ExtractOutcome.IGNORED, application_id, document_id, ["object_gone"])
    if event.version_id:
        this = next((v for v in versions if v.version_id == event.version_id), None)
    else:
        this = next((v for v in versions if v.etag == event.etag), None)
    if this is None:  # a version already deleted: what the notification says is all there is
        this = ObjectVersion(event.version_id or "", event.etag, event.s3.object.size)
    return _Upload(event, application_id, document_id, this=this, first=versions[0])


def _same_version(a: ObjectVersion, b: ObjectVersion) -> bool:
    if a.version_id and b.version_id and a.version_id != "null" and b.version_id != "null":
        return a.version_id == b.version_id
    return a.etag == b.etag


def _pinned(doc: DocumentRecord, upload: _Upload) -> ObjectVersion:
    """The document's evidence: the version pinned when it arrived, else the first written under its grant."""
    if doc.etag is not None:
        return ObjectVersion(doc.version_id or "", doc.etag, doc.size or 0)
    return upload.first


def _claim(record: ApplicationRecord, upload: _Upload, config: ExtractConfig) -> Change[UploadOutcome]:
    """Take the document for reading (result None), or settle this notification without reading (result: why).

    A notification of a later file under the grant is refused; if the grant's first file has not been taken yet
    (its own notification is late, or lost), that first file is taken now, so the order of notifications never
    decides which file is the evidence."""
    doc = record.documents[upload.document_id]
    if _same_version(upload.this, _pinned(doc, upload)):
        return _take(record, doc, upload.this, upload, config, Change())
    refusal = _refuse(record, doc, upload, "upload_grant_used")
    if doc.etag is not None:  # the grant's file was taken already
        return refusal
    refusal.result = None
    return _take(record, doc, upload.first, upload, config, refusal)


def _take(record: ApplicationRecord, doc: DocumentRecord, version: ObjectVersion, upload: _Upload,
          config: ExtractConfig, change: Change[UploadOutcome]) -> Change[UploadOutcome]:
    """The grant's first file: pin it and move the document to EXTRACTING, or say why it is not read."""
    if doc.state == DocState.SUPERSEDED:
        change.result = upload.outcome(ExtractOutcome.SUPERSEDED)
        return change
    if doc.etag is not None and doc.state in SETTLED_DOC_STATES:
        change.result = upload.outcome(ExtractOutcome.DUPLICATE, doc.reasons)
        resend_if_validating(record, change, config.validate_queue_url)
        return change
    _pin(doc, version)
    if record.state not in UPLOAD_OPEN_STATES:  # the grant's first use, but after the capture closed
        doc.reasons = ["slot_closed"]
        _remember_refusal(doc, version, "slot_closed")
        move_document(record, doc, DocState.REJECTED_INPUT, change, actor=ACTOR, action="document.upload_refused",
                      reason="slot_closed", version_id=version.version_id, etag=version.etag, size=version.size)
        change.result = upload.outcome(ExtractOutcome.REJECTED_INPUT, ["slot_closed"])
        return change
    if _newer_in_slot(record, doc):
        move_document(record, doc, DocState.SUPERSEDED, change, actor=ACTOR, action="document.superseded",
                      by="a newer upload")
        change.result = upload.outcome(ExtractOutcome.SUPERSEDED)
        return change
    if doc.state == DocState.PENDING_UPLOAD:
        move_document(record, doc, DocState.EXTRACTING, change, actor=ACTOR, action="document.arrived",
                      version_id=version.version_id, etag=version.etag, size=version.size)
    doc.uploaded_at = doc.uploaded_at or utcnow()
    _supersede_older(record, doc, change)
    return change


def _pin(doc: DocumentRecord, version: ObjectVersion) -> None:
    doc.version_id = version.version_id or None
    doc.etag = version.etag
    doc.size = version.size


def _refuse(record: ApplicationRecord, doc: DocumentRecord, upload: _Upload, reason: str) -> Change[UploadOutcome]:
    """A file under a grant already used: recorded on the document and audited; the evidence stays as it was."""
    this = upload.this
    if any(_same_version(this, ObjectVersion(r.version_id or "", r.etag, r.size)) for r in doc.refused_uploads):
        return Change(result=upload.outcome(ExtractOutcome.DUPLICATE, [reason]))  # this refusal is on record
    change: Change[UploadOutcome] = Change()
    _remember_refusal(doc, this, reason)
    log.warning("upload refused", extra={"reason": reason, "document_id": doc.document_id,
                                         "application_state": record.state.value})
    change.audit.append(AuditEntry(at=utcnow(), actor=ACTOR, action="document.upload_refused",
                                   document_id=doc.document_id,
                                   detail={"slot": doc.slot.value, "reason": reason, "document_state": doc.state.value,
                                           "version_id": this.version_id, "etag": this.etag, "size": this.size,
                                           "evidence_version_id": doc.version_id}))
    change.result = upload.outcome(ExtractOutcome.REFUSED, [reason])
    return change


def _remember_refusal(doc: DocumentRecord, version: ObjectVersion, reason: str) -> None:
    if len(doc.refused_uploads) < MAX_REFUSED_UPLOADS:
        doc.refused_uploads.append(RefusedUpload(version_id=version.version_id or None, etag=version.etag,
                                                 size=version.size, at=utcnow(), reason=reason))


def _read(upload: _Upload, doc: DocumentRecord, deps: ExtractDeps, budget_seconds: float) -> _Reading:
    """Read the file (the slow part, outside any write) and keep the full result in the results bucket."""
    config = deps.config
    reading = _Reading(version=ObjectVersion(doc.version_id or "", doc.etag or "", doc.size or 0))
    try:
        data = deps.blobs.get(config.uploads_bucket, doc.key, max_bytes=MAX_FILE_BYTES, version_id=doc.version_id)
        reading.extraction = deps.read_document(data, expected_type=doc.slot, filename=doc.filename,
                                                content_type=doc.content_type, budget_seconds=budget_seconds)
        reading.evidence = _image_evidence(deps, data, doc.content_type)
    except RejectedInput as exc:
        reading.reasons = [exc.code]
    if reading.extraction is not None:
        extraction = reading.extraction
        reading.result_key = f"extractions/{upload.application_id}/{upload.document_id}.json"
        body = {**extraction.result.contract_dict(), "text": extraction.text, "engine": extraction.engine,
                "pages": extraction.pages, "etag": doc.etag, "version_id": doc.version_id}
        picture = getattr(extraction, "picture", None)
        if picture is not None:  # the first page as read, the image the boxes are drawn on in the console
            body["page_image"] = f"extractions/{upload.application_id}/{upload.document_id}.page-1.jpg"
            body["page_size"] = list(picture.size)
            deps.blobs.put(config.results_bucket, body["page_image"], picture.jpeg, "image/jpeg")
        deps.blobs.put(config.results_bucket, reading.result_key, json.dumps(body, ensure_ascii=False).encode(),
                       "application/json")
    return reading


def _image_evidence(deps: ExtractDeps, data: bytes, content_type: str) -> Any:
    if deps.image_evidence is None:
        return None
    try:
        return deps.image_evidence(data, content_type)
    except Exception:  # forensics are a signal, never a reason to lose the document
        log.warning("image evidence could not be computed", exc_info=True)
        return None


def _record(record: ApplicationRecord, upload: _Upload, reading: _Reading,
            config: ExtractConfig) -> Change[UploadOutcome] | None:
    """Record what was read on the document, tell the officer when it must be taken again, run the fan-in."""
    doc = record.documents[upload.document_id]
    if doc.state != DocState.EXTRACTING or reading.version is None or not _same_version(reading.version,
                                                                                         _pinned(doc, upload)):
        return None  # superseded while we read: the newer upload decides
    change: Change[UploadOutcome] = Change()
    if reading.extraction is None:
        doc.reasons = reading.reasons
        move_document(record, doc, DocState.REJECTED_INPUT, change, actor=ACTOR, action="document.rejected",
                      reasons=reading.reasons)
        change.result = upload.outcome(ExtractOutcome.REJECTED_INPUT, reading.reasons)
    else:
        change.result = _record_extraction(record, doc, upload, reading, change)
    if doc.state == DocState.RETAKE_REQUESTED:
        change.outbox.events.append(DocumentRetakeRequested.of(record, doc, by="machine"))
    elif doc.state != DocState.EXTRACTED:
        change.outbox.events.append(DocumentRejected.of(record, doc))
    if record.state in (AppState.DRAFT, AppState.SUBMITTED):
        start_validation_if_ready(record, change, actor=ACTOR, validate_queue_url=config.validate_queue_url)
    return change


def _record_extraction(record: ApplicationRecord, doc: DocumentRecord, upload: _Upload, reading: _Reading,
                       change: Change) -> UploadOutcome:
    extraction = reading.extraction
    result = extraction.result
    quality: Quality = result.quality
    doc.fields = dict(result.fields)
    doc.warnings = list(result.warnings)
    doc.detected_type = DocType(result.doc_type)
    doc.result_key = reading.result_key
    doc.engine = extraction.engine
    evidence = reading.evidence
    doc.evidence = evidence.model_dump(mode="json") if hasattr(evidence, "model_dump") else evidence
    doc.reasons = list(quality.reasons)
    if quality.ok:
        move_document(record, doc, DocState.EXTRACTED, change, actor=ACTOR, action="document.extracted",
                      engine=extraction.engine, warnings=len(result.warnings))
        return upload.outcome(ExtractOutcome.EXTRACTED)
    move_document(record, doc, DocState.RETAKE_REQUESTED, change, actor=ACTOR, action="document.retake_requested",
                  reasons=list(quality.reasons))
    return upload.outcome(ExtractOutcome.RETAKE_REQUESTED, quality.reasons)


def _supersede_older(record: ApplicationRecord, doc: DocumentRecord, change: Change) -> None:
    """A newer upload in a single-document slot (or an explicit retake) replaces the older ones."""
    for other in record.documents.values():
        if other.document_id == doc.document_id or not other.active or other.state == DocState.PENDING_UPLOAD:
            continue
        replaced = other.document_id == doc.replaces or (
            doc.slot not in MULTI_SLOTS and other.slot == doc.slot and other.requested_at < doc.requested_at
        )
        if replaced:
            move_document(record, other, DocState.SUPERSEDED, change, actor=ACTOR, action="document.superseded",
                          by=doc.document_id)


def _newer_in_slot(record: ApplicationRecord, doc: DocumentRecord) -> bool:
    if doc.slot in MULTI_SLOTS:
        return False
    return any(
        other.slot == doc.slot and other.active and other.state != DocState.PENDING_UPLOAD
        and other.requested_at > doc.requested_at
        for other in record.documents.values()
    )
