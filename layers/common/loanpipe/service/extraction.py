"""Extract stage: an uploaded file -> the document's fields, a retake request, or a rejection.

Driven by the S3 ObjectCreated notification of the uploads bucket. The document id is in the
server-chosen key, so the upload is matched to the slot the officer asked for; anything else in the
bucket is ignored (and counted). Every outcome is a document state the officer sees within seconds.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from loanpipe.domain.documents import DocType, Quality
from loanpipe.domain.errors import NotFound, RejectedInput
from loanpipe.domain.lifecycle import SETTLED_DOC_STATES, UPLOAD_OPEN_STATES, AppState, DocState
from loanpipe.domain.records import MULTI_SLOTS, ApplicationRecord, DocumentRecord, utcnow
from loanpipe.extraction.sniff import MAX_FILE_BYTES
from loanpipe.service.dispatch import dispatch
from loanpipe.service.fanin import resend_if_validating, start_validation_if_ready
from loanpipe.service.intake import parse_upload_key
from loanpipe.service.messages import S3EventRecord
from loanpipe.service.ports import ApplicationRepository, BlobStore, EventPublisher, StageQueue
from loanpipe.service.transitions import Change, apply_change, move_document

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
    outcome: str  # extracted | retake_requested | rejected_input | ignored | duplicate | superseded
    application_id: str | None = None
    document_id: str | None = None
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return self.__dict__.copy()


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


def handle_upload(upload: S3EventRecord, deps: ExtractDeps, budget_seconds: float = 45.0) -> UploadOutcome:
    config = deps.config
    if not upload.eventName.startswith("ObjectCreated"):
        return UploadOutcome("ignored", reasons=["not_an_upload"])
    if upload.bucket != config.uploads_bucket:
        log.warning("upload from an unexpected bucket ignored")
        return UploadOutcome("ignored", reasons=["unexpected_bucket"])
    parsed = parse_upload_key(upload.key)
    if parsed is None:
        log.warning("upload outside any application's prefix ignored")
        return UploadOutcome("ignored", reasons=["key_outside_application"])
    application_id, document_id = parsed
    try:
        record = deps.repo.get(application_id)
    except NotFound:
        return UploadOutcome("ignored", application_id=None, reasons=["unknown_application"])
    if document_id not in record.documents:
        return UploadOutcome("ignored", application_id=application_id, reasons=["unknown_document"])
    expected_key = record.documents[document_id].key
    if upload.key != expected_key:
        return UploadOutcome("ignored", application_id=application_id, reasons=["key_outside_application"])

    # ---------------------------------------------------------------- 1. claim the document
    claim: dict[str, Any] = {"proceed": False, "outcome": None}

    def begin(record: ApplicationRecord) -> Change | None:
        doc = record.documents[document_id]
        claim["proceed"] = False
        if doc.state == DocState.SUPERSEDED:
            claim["outcome"] = UploadOutcome("superseded", application_id, document_id)
            return None
        if doc.etag == upload.etag and doc.state in SETTLED_DOC_STATES:
            claim["outcome"] = UploadOutcome("duplicate", application_id, document_id, list(doc.reasons))
            change = Change()
            resend_if_validating(record, change, config.validate_queue_url)
            return change
        change = Change()
        if record.state not in UPLOAD_OPEN_STATES:
            if doc.state in (DocState.PENDING_UPLOAD, DocState.EXTRACTING):
                doc.reasons = ["slot_closed"]
                move_document(record, doc, DocState.REJECTED_INPUT, change, actor=ACTOR, action="document.rejected",
                              reasons=["slot_closed"])
            claim["outcome"] = UploadOutcome("rejected_input", application_id, document_id, ["slot_closed"])
            return change
        if _newer_in_slot(record, doc):
            move_document(record, doc, DocState.SUPERSEDED, change, actor=ACTOR, action="document.superseded",
                          by="a newer upload")
            claim["outcome"] = UploadOutcome("superseded", application_id, document_id)
            return change
        if doc.state in SETTLED_DOC_STATES:  # the same key uploaded again (a new etag): read the new file
            move_document(record, doc, DocState.EXTRACTING, change, actor=ACTOR, action="document.reuploaded")
        elif doc.state == DocState.PENDING_UPLOAD:
            move_document(record, doc, DocState.EXTRACTING, change, actor=ACTOR, action="document.arrived")
        doc.etag = upload.etag
        doc.size = upload.s3.object.size
        doc.uploaded_at = doc.uploaded_at or utcnow()
        _supersede_older(record, doc, change)
        claim["proceed"] = True
        return change

    record, change = apply_change(deps.repo, application_id, begin)
    if change is not None:
        dispatch(change.outbox, deps.queue, deps.events)
    if not claim["proceed"]:
        return claim["outcome"]
    doc = record.documents[document_id]

    # ---------------------------------------------------------------- 2. read it
    reasons: list[str] = []
    extraction = None
    evidence = None
    try:
        data = deps.blobs.get(config.uploads_bucket, upload.key, max_bytes=MAX_FILE_BYTES)
        extraction = deps.read_document(data, expected_type=doc.slot, filename=doc.filename,
                                        content_type=doc.content_type, budget_seconds=budget_seconds)
        if deps.image_evidence is not None:
            try:
                evidence = deps.image_evidence(data, doc.content_type)
            except Exception:  # forensics are a signal, never a reason to lose the document
                log.warning("image evidence could not be computed", exc_info=True)
    except RejectedInput as exc:
        reasons = [exc.code]
    if extraction is not None:
        result_key = f"extractions/{application_id}/{document_id}.json"
        body = {**extraction.result.contract_dict(), "text": extraction.text, "engine": extraction.engine,
                "pages": extraction.pages, "etag": upload.etag}
        deps.blobs.put(config.results_bucket, result_key, json.dumps(body, ensure_ascii=False).encode(),
                       "application/json")
    outcome = UploadOutcome("rejected_input", application_id, document_id, reasons)

    # ---------------------------------------------------------------- 3. record what was read
    def finish(record: ApplicationRecord) -> Change | None:
        doc = record.documents[document_id]
        if doc.state != DocState.EXTRACTING or doc.etag != upload.etag:
            return None  # superseded or re-uploaded while we read: the newer event decides
        change = Change()
        if extraction is None:
            doc.reasons = reasons
            move_document(record, doc, DocState.REJECTED_INPUT, change, actor=ACTOR, action="document.rejected",
                          reasons=reasons)
            outcome.outcome, outcome.reasons = "rejected_input", reasons
        else:
            result = extraction.result
            quality: Quality = result.quality
            doc.fields = dict(result.fields)
            doc.warnings = list(result.warnings)
            doc.detected_type = DocType(result.doc_type)
            doc.result_key = result_key
            doc.engine = extraction.engine
            doc.evidence = evidence.model_dump(mode="json") if hasattr(evidence, "model_dump") else evidence
            doc.reasons = list(quality.reasons)
            if quality.ok:
                move_document(record, doc, DocState.EXTRACTED, change, actor=ACTOR, action="document.extracted",
                              engine=extraction.engine, warnings=len(result.warnings))
                outcome.outcome, outcome.reasons = "extracted", []
            else:
                move_document(record, doc, DocState.RETAKE_REQUESTED, change, actor=ACTOR,
                              action="document.retake_requested", reasons=list(quality.reasons))
                outcome.outcome, outcome.reasons = "retake_requested", list(quality.reasons)
        if doc.state != DocState.EXTRACTED:
            change.outbox.events.append(("DocumentRetakeRequested" if doc.state == DocState.RETAKE_REQUESTED
                                         else "DocumentRejected",
                                         {"application_id": application_id, "document_id": document_id,
                                          "slot": doc.slot.value, "officer_id": record.officer_id,
                                          "reasons": list(doc.reasons)}))
        if record.state in (AppState.DRAFT, AppState.SUBMITTED):
            start_validation_if_ready(record, change, actor=ACTOR, validate_queue_url=config.validate_queue_url)
        return change

    _, change = apply_change(deps.repo, application_id, finish)
    if change is None:
        return UploadOutcome("superseded", application_id, document_id)
    dispatch(change.outbox, deps.queue, deps.events)
    return outcome

