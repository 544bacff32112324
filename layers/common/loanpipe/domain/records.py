"""The stored shape of an application and its documents (one DynamoDB item per application).

Everything that decides a state lives in the one application item, so every transition is a single
conditional write on its ``version``: a stale duplicate message can never overwrite a newer state,
and the fan-in (submitted AND every required slot extracted) is decided by exactly one writer.
Bulky data (OCR text, statement rows, validation reports) lives in the results bucket or in
separate items and is referenced from here.
"""

from __future__ import annotations

import hashlib
import os
import time
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field

from loanpipe.domain.application import DeclaredApplication
from loanpipe.domain.audit import AuditHead
from loanpipe.domain.documents import DocType, FieldValue
from loanpipe.domain.lifecycle import UPLOAD_OPEN_STATES, AppState, DocState
from loanpipe.domain.signing import SigningCeremony

REQUIRED_SLOTS: tuple[DocType, ...] = (
    DocType.ID_CARD_FRONT,
    DocType.ID_CARD_BACK,
    DocType.INCOME_CERTIFICATE,
    DocType.BANK_STATEMENT,
)
# Slots that may hold several documents (a statement spread over several files or photos).
MULTI_SLOTS = frozenset({DocType.BANK_STATEMENT})

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id(prefix: str) -> str:
    """A time-sortable identifier: prefix + 10 chars of milliseconds + 12 random chars (Crockford base32)."""
    value = (int(time.time() * 1000) << 60) | int.from_bytes(os.urandom(8), "big") >> 4
    chars = []
    for _ in range(22):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return prefix + "".join(reversed(chars))


def utcnow() -> datetime:
    return datetime.now(UTC)


def id_number_hash(id_number: str) -> str:
    """Index key for "same ID number elsewhere" lookups (the number itself is never an index key)."""
    return hashlib.sha256(("loanpipe:id:" + id_number.strip().upper()).encode()).hexdigest()[:32]


class RefusedUpload(BaseModel):
    """A file that reached a document's key after the document's one upload (a re-used grant) or after the
    capture closed: kept in the bucket as a version of its own, never read, never shown as the evidence."""

    version_id: str | None = None
    etag: str
    size: int
    at: datetime
    reason: str  # upload_grant_used | slot_closed


MAX_REFUSED_UPLOADS = 20  # per document; further refusals are audited but not listed on the record


class DocumentRecord(BaseModel):
    """One document slot filled by one upload grant: the grant is the server-chosen ``key`` (the document id is
    in it) and its first object version is the document's evidence (``version_id``), pinned when it arrives.
    A new photo of the same slot is a new document with a new grant (``replaces`` names the one it retakes)."""

    document_id: str
    slot: DocType
    state: DocState = DocState.PENDING_UPLOAD
    key: str
    content_type: str
    filename: str | None = None
    replaces: str | None = None  # the document this upload retakes
    requested_at: datetime
    uploaded_at: datetime | None = None
    etag: str | None = None
    version_id: str | None = None  # the pinned object version: what was read, what the reviewer sees
    size: int | None = None
    refused_uploads: list[RefusedUpload] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)  # retake or rejection reason codes
    detected_type: DocType | None = None
    fields: dict[str, FieldValue] = Field(default_factory=dict)
    corrected_fields: dict[str, str] = Field(default_factory=dict)  # reviewer corrections, audited
    warnings: list[str] = Field(default_factory=list)
    result_key: str | None = None  # full extraction JSON in the results bucket
    engine: str | None = None
    evidence: dict | None = None  # image forensics (perceptual hash, EXIF software/GPS/time)
    retake_message: str | None = None  # a reviewer's words to the officer with a retake request

    @property
    def active(self) -> bool:
        return self.state != DocState.SUPERSEDED


class RecordedDecision(BaseModel):
    """The decision as the application item stores it (the machine's or a reviewer's); the full
    explainable decision of the score stage is ``decision.models.Decision``."""

    decision: str  # approve | review | decline
    reasons: list[str] = Field(default_factory=list)
    score: int | None = None
    policy_version: str | None = None
    decided_at: datetime
    decided_by: str = "machine"  # "machine" or the reviewer's user name
    note: str | None = None


class ReviewState(BaseModel):
    """An application in the review queue. A claim is a lease: ``claimed_by`` holds it until ``lease_until``
    (``LEASE`` after ``claimed_at``), after which anyone may claim it. Above the policy's four-eyes amount the
    first approval is recorded here (``first_approved_by``) and a second, different reviewer decides."""

    queued_at: datetime
    reasons: list[str] = Field(default_factory=list)
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    first_approved_by: str | None = None
    first_approved_at: datetime | None = None

    @property
    def lease_until(self) -> datetime | None:
        if not self.claimed_by or self.claimed_at is None:
            return None
        return self.claimed_at + LEASE

    def lease_held(self, now: datetime) -> bool:
        """Someone holds a lease that has not lapsed."""
        until = self.lease_until
        return until is not None and now < until


LEASE = timedelta(minutes=30)  # how long a claim holds an application for its reviewer
# How long a capture stays open (DRAFT or SUBMITTED) before the draft sweep expires it, unless a function's
# settings say otherwise (DRAFT_OPEN_HOURS): a visit and a return visit for a missing document.
CAPTURE_OPEN_FOR = timedelta(hours=72)


class ContractRef(BaseModel):
    key: str
    sha256: str
    rendered_at: datetime
    pages: int
    number: str | None = None  # the contract number printed on it


class RetainedObject(BaseModel):
    """An object an erasure could not or may not delete: where it is, why, and until when."""

    bucket: str
    key: str
    reason: str  # legal_retention (a signed contract and its evidence) | object_lock (retention not over)
    retain_until: str | None = None  # ISO date-time, as S3 gives it


class Erasure(BaseModel):
    """What erasing an application's personal data did (kept on the record; nothing personal in it)."""

    at: datetime
    by: str
    objects_deleted: int = 0
    image_index_entries_deleted: int = 0
    reports_deleted: int = 0
    audit_entries_redacted: int = 0
    retained: list[RetainedObject] = Field(default_factory=list)


class StageStall(BaseModel):
    """A stage that gave up on this application: its message is in the stage's dead-letter queue.

    ``cause`` is ``stage_error`` (the stage raised on its last attempt; ``error`` names the exception class,
    never its message, which could carry personal data) or ``no_answer`` (the last attempt ended without an
    answer: the function was killed, ran out of memory or timed out). Which message it was is named by the
    message's own keys (``stage``, ``document_id`` for an upload, ``round``, ``ceremony_id`` for a seal), so
    ``ApplicationRecord.stall_live`` can tell once the stage has completed after a redrive: the flag then
    clears by itself, with no second writer to forget it."""

    stage: str  # extract | validate | score | contract | seal
    cause: str  # stage_error | no_answer
    error: str | None = None
    document_id: str | None = None
    round: int | None = None
    ceremony_id: str | None = None
    since: datetime

    def same_message(self, other: StageStall) -> bool:
        return (self.stage, self.document_id, self.round, self.ceremony_id) == (
            other.stage, other.document_id, other.round, other.ceremony_id)


class ApplicationRecord(BaseModel):
    application_id: str
    state: AppState = AppState.DRAFT
    version: int = 0
    round: int = 1  # validation round: +1 each time the application goes back for a retake or correction
    officer_id: str
    created_at: datetime
    updated_at: datetime
    declared: DeclaredApplication | None  # None once the application is erased (PIPL): see ``erased``
    replay: bool = False  # judged as of its recorded capture time (back-test), not the receipt time
    documents: dict[str, DocumentRecord] = Field(default_factory=dict)
    submitted_at: datetime | None = None
    # An open capture (DRAFT, SUBMITTED) expires at this time: set when it is created and when a reviewer
    # reopens it; None on records written before drafts expired (then created_at + the sweep's default).
    capture_expires_at: datetime | None = None
    closed_reason: str | None = None  # why a capture was cancelled or expired (a reason code)
    final_submission: bool = False
    decision: RecordedDecision | None = None
    review: ReviewState | None = None
    contract: ContractRef | None = None
    signing: SigningCeremony | None = None  # the customer's signature of ``contract``
    flags: list[str] = Field(default_factory=list)  # reason codes raised by other applications' checks
    flagged_by: list[str] = Field(default_factory=list)
    audit_head: AuditHead = Field(default_factory=AuditHead)  # the end of the hash-chained audit trail
    erased: Erasure | None = None  # the personal data was erased (what was kept, and why)
    stalls: list[StageStall] = Field(default_factory=list)  # stages that gave up (dead letters), see StageStall

    # -------------------------------------------------------------- erasure
    def erase_personal_data(self, erasure: Erasure) -> None:
        """Drop every personal field: the declaration (name, ID number, phone, address, payout account, the
        capture's place), what each document read (fields, corrections, image forensics with its GPS, the file's
        name, messages), reviewers' notes, and, unless the contract was signed (then it is the index of the
        retained evidence), the signing ceremony. States, ids, reason codes, amounts' absence and times stay."""
        self.declared = None
        for doc in self.documents.values():
            doc.fields = {}
            doc.corrected_fields = {}
            doc.evidence = None
            doc.filename = None
            doc.retake_message = None
            doc.result_key = None  # the reading it named is deleted with the scans
        if self.decision is not None:
            self.decision.note = None
        if self.signing is not None and self.signing.signed is None:
            self.signing = None
        self.erased = erasure

    # -------------------------------------------------------------- derived views
    def capture_due(self, default_open_for: timedelta) -> datetime | None:
        """When this open capture (DRAFT or SUBMITTED) expires; None when the capture is not open."""
        if self.state not in UPLOAD_OPEN_STATES:
            return None
        return self.capture_expires_at or self.created_at + default_open_for

    def stall_live(self, stall: StageStall) -> bool:
        """The stage named by ``stall`` still has to run: the application waits where that stage left it."""
        if stall.stage == "extract":
            doc = self.documents.get(stall.document_id or "")
            return doc is not None and doc.state in (DocState.PENDING_UPLOAD, DocState.EXTRACTING)
        if stall.round != self.round:
            return False
        waiting_in = {"validate": AppState.VALIDATING, "score": AppState.SCORING, "contract": AppState.APPROVED,
                      "seal": AppState.AWAITING_SIGNATURE}.get(stall.stage)
        if self.state != waiting_in:
            return False
        if stall.stage == "seal":
            ceremony = self.signing
            return ceremony is not None and ceremony.ceremony_id == stall.ceremony_id and ceremony.signed is None
        return True

    def live_stalls(self) -> list[StageStall]:
        return [stall for stall in self.stalls if self.stall_live(stall)]

    def active_documents(self, slot: DocType | None = None) -> list[DocumentRecord]:
        return [
            doc
            for doc in sorted(self.documents.values(), key=lambda d: d.requested_at)
            if doc.active and (slot is None or doc.slot == slot) and doc.state != DocState.PENDING_UPLOAD
        ]

    def slot_ready(self, slot: DocType) -> bool:
        docs = self.active_documents(slot)
        return bool(docs) and all(doc.state == DocState.EXTRACTED for doc in docs)

    def capture_complete(self) -> bool:
        """Every required slot has at least one document and all of them are extracted."""
        return all(self.slot_ready(slot) for slot in REQUIRED_SLOTS)

    def uploads_settled(self) -> bool:
        """No uploaded document is still being read."""
        return all(doc.state != DocState.EXTRACTING for doc in self.documents.values())

    def ready_for_validation(self) -> bool:
        """The fan-in condition: submitted, and either complete or (final submission) settled."""
        if self.state not in (AppState.SUBMITTED, AppState.DRAFT) or self.submitted_at is None:
            return False
        if self.capture_complete():
            return True
        return self.final_submission and self.uploads_settled()

    def missing_slots(self) -> list[DocType]:
        return [slot for slot in REQUIRED_SLOTS if not self.slot_ready(slot)]
