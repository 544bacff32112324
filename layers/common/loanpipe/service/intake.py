"""The officer's side of the API: create an application, get upload slots, submit the capture."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from loanpipe.domain.application import DeclaredApplication
from loanpipe.domain.audit import AuditEntry
from loanpipe.domain.documents import MAX_FILE_BYTES, DocType
from loanpipe.domain.errors import Conflict, Forbidden, UserInputError
from loanpipe.domain.lifecycle import UPLOAD_OPEN_STATES, AppState, DocState
from loanpipe.domain.records import MULTI_SLOTS, ApplicationRecord, DocumentRecord, new_id, utcnow
from loanpipe.service.access import Caller, Role, require, require_owner
from loanpipe.service.fanin import resend_if_validating, start_validation_if_ready
from loanpipe.service.ports import ApplicationRepository, BlobStore
from loanpipe.service.transitions import Change, apply_change, move_application, move_document

CONTENT_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
MAX_DOCUMENTS_PER_SLOT = {DocType.BANK_STATEMENT: 24}
MAX_DOCUMENTS_PER_APPLICATION = 60


class UploadSigner(Protocol):
    def presigned_post(self, bucket: str, key: str, content_type: str, max_bytes: int, expires_in: int) -> dict: ...


class UploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slot: DocType
    content_type: str = Field(description="image/jpeg, image/png or application/pdf")
    filename: str | None = Field(default=None, max_length=200)
    replaces: str | None = Field(default=None, description="document id this upload replaces (a retake)")


class SubmitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    final: bool = Field(default=False, description="no better photo can be taken: decide with what there is")


@dataclass
class IntakeConfig:
    uploads_bucket: str
    validate_queue_url: str
    upload_url_ttl_seconds: int = 900


def upload_key(application_id: str, document_id: str, slot: DocType, content_type: str) -> str:
    return f"uploads/{application_id}/{document_id}/{slot.value}{CONTENT_TYPES[content_type]}"


def parse_upload_key(key: str) -> tuple[str, str] | None:
    """``uploads/<application>/<document>/<slot>.<ext>`` -> (application id, document id)."""
    parts = key.split("/")
    if len(parts) != 4 or parts[0] != "uploads" or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def create_application(repo: ApplicationRepository, caller: Caller, declared: DeclaredApplication, *,
                       replay: bool = False) -> ApplicationRecord:
    require(caller, Role.FIELD_OFFICER)
    if declared.capture.officer_id != caller.user:
        raise UserInputError("officer_mismatch", "capture.officer_id must be the signed-in officer")
    if replay and not caller.has(Role.ADMIN):
        # A replay is judged as of its declared capture time and skips the capture-clock check: in an
        # officer's hands that is backdating. Only back-testing (an admin's tool) replays.
        raise Forbidden("only an admin replays an application as of its capture time (back-testing)")
    now = utcnow()
    record = ApplicationRecord(
        application_id=new_id("LA"),
        officer_id=caller.user,
        created_at=now,
        updated_at=now,
        declared=declared,
        replay=replay,
    )
    repo.create(record, AuditEntry(at=now, actor=caller.user, action="application.created",
                                   to_state=AppState.DRAFT, detail={"replay": replay}))
    return record


def request_upload(repo: ApplicationRepository, signer: UploadSigner, config: IntakeConfig, caller: Caller,
                   application_id: str, request: UploadRequest) -> dict:
    if request.content_type not in CONTENT_TYPES:
        raise UserInputError("unsupported_type", "content_type must be image/jpeg, image/png or application/pdf")
    document_id = new_id("D")
    key = upload_key(application_id, document_id, request.slot, request.content_type)

    def change_fn(record: ApplicationRecord) -> Change:
        require_owner(caller, record)
        if record.state not in UPLOAD_OPEN_STATES:
            raise Conflict("slot_closed", f"the application is {record.state}; it no longer accepts uploads")
        if len(record.documents) >= MAX_DOCUMENTS_PER_APPLICATION:
            raise Conflict("too_many_documents", "this application has reached its number of uploads")
        in_slot = [d for d in record.documents.values() if d.slot == request.slot and d.active]
        if request.slot in MULTI_SLOTS and len(in_slot) >= MAX_DOCUMENTS_PER_SLOT[request.slot]:
            raise Conflict("too_many_documents", f"at most {MAX_DOCUMENTS_PER_SLOT[request.slot]} files in this slot")
        if request.replaces is not None and request.replaces not in record.documents:
            raise UserInputError("unknown_document", "the document to replace does not belong to this application")
        change: Change = Change()
        record.documents[document_id] = DocumentRecord(
            document_id=document_id,
            slot=request.slot,
            key=key,
            content_type=request.content_type,
            filename=request.filename,
            requested_at=utcnow(),
            replaces=request.replaces,
        )
        change.audit.append(AuditEntry(at=utcnow(), actor=caller.user, action="document.upload_requested",
                                       to_state=DocState.PENDING_UPLOAD, document_id=document_id,
                                       detail={"slot": request.slot.value, "content_type": request.content_type}))
        return change

    apply_change(repo, application_id, change_fn)
    post = signer.presigned_post(config.uploads_bucket, key, request.content_type, MAX_FILE_BYTES,
                                 config.upload_url_ttl_seconds)
    return {
        "document_id": document_id,
        "slot": request.slot.value,
        "key": key,
        "upload": post,
        "max_bytes": MAX_FILE_BYTES,
        "expires_at": (utcnow() + timedelta(seconds=config.upload_url_ttl_seconds)).isoformat(),
    }


def submit_application(repo: ApplicationRepository, blobs: BlobStore, config: IntakeConfig, caller: Caller,
                       application_id: str, request: SubmitRequest) -> tuple[ApplicationRecord, Change | None]:
    """Mark the capture complete. Validation starts now if every required slot is extracted, or later,
    when the last extraction finishes (the extract stage runs the same fan-in)."""
    # Uploads whose file already arrived but whose extraction has not started yet count as in flight,
    # so a final submission never overtakes them.
    record = repo.get(application_id)
    require_owner(caller, record)
    arrived = {
        doc.document_id
        for doc in record.documents.values()
        if doc.state == DocState.PENDING_UPLOAD and blobs.head(config.uploads_bucket, doc.key) is not None
    }

    def change_fn(record: ApplicationRecord) -> Change | None:
        if record.state in (AppState.VALIDATING,):
            change: Change = Change()
            resend_if_validating(record, change, config.validate_queue_url)
            return change if record.submitted_at else None
        if record.state not in UPLOAD_OPEN_STATES:
            raise Conflict("already_submitted", f"the application is {record.state}")
        change = Change()
        for document_id in arrived:
            doc = record.documents[document_id]
            if doc.state == DocState.PENDING_UPLOAD:
                move_document(record, doc, DocState.EXTRACTING, change, actor=caller.user,
                              action="document.arrived")
        record.submitted_at = record.submitted_at or utcnow()
        record.final_submission = record.final_submission or request.final
        if record.state == AppState.DRAFT:
            if not start_validation_if_ready(record, change, actor=caller.user,
                                             validate_queue_url=config.validate_queue_url):
                move_application(record, AppState.SUBMITTED, change, actor=caller.user,
                                 action="application.submitted", final=request.final)
        else:
            change.audit.append(AuditEntry(at=utcnow(), actor=caller.user, action="application.resubmitted",
                                           detail={"final": request.final}))
            start_validation_if_ready(record, change, actor=caller.user, validate_queue_url=config.validate_queue_url)
        return change

    applied = apply_change(repo, application_id, change_fn)
    return applied.record, applied.change
