"""Validate stage: every check of one application, fraud signals included, as of its capture time.

Input: ``ValidateRequested`` (application id + round). The application's documents become an
``ApplicationCase`` (reviewer corrections applied, statement rows read from the results bucket);
``loanpipe.validation.validate`` runs the checks; the report is stored under the application and the
application moves to SCORING. Applications found carrying the same image are flagged too (either may
be the forged one), unless they are already signed or declined.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from loanpipe.domain.audit import AuditEntry
from loanpipe.domain.case import ApplicationCase, CaseDocument, CaseDocumentState, ImageEvidence
from loanpipe.domain.documents import ExtractionResult, FieldValue, Quality
from loanpipe.domain.errors import NotFound
from loanpipe.domain.lifecycle import TERMINAL_APP_STATES, AppState, DocState
from loanpipe.domain.records import ApplicationRecord, DocumentRecord, ReviewState, utcnow
from loanpipe.policy.model import Policy
from loanpipe.service.dispatch import apply_and_dispatch
from loanpipe.service.messages import ScoreRequested, ValidateRequested
from loanpipe.service.outcomes import FlagOutcome, ValidateOutcome
from loanpipe.service.ports import ApplicationRepository, BlobStore, EventPublisher, StageQueue
from loanpipe.service.transitions import Change, apply_change, move_application
from loanpipe.validation.ports import FraudPorts
from loanpipe.validation.report import ValidationReport
from loanpipe.validation.validate import validate

log = logging.getLogger(__name__)
ACTOR = "system:validate"

_CASE_STATES = {
    DocState.EXTRACTED: CaseDocumentState.EXTRACTED,
    DocState.RETAKE_REQUESTED: CaseDocumentState.RETAKE_REQUESTED,
    DocState.REJECTED_INPUT: CaseDocumentState.REJECTED_INPUT,
}


_READ_STATES = (CaseDocumentState.EXTRACTED, CaseDocumentState.RETAKE_REQUESTED)


@dataclass
class ValidateConfig:
    results_bucket: str
    score_queue_url: str


@dataclass
class ValidateDeps:
    repo: ApplicationRepository
    blobs: BlobStore
    queue: StageQueue
    events: EventPublisher
    config: ValidateConfig
    policy: Policy
    fraud: FraudPorts


def _extraction(doc: DocumentRecord, blobs: BlobStore, results_bucket: str) -> ExtractionResult:
    stored: dict = {}
    if doc.result_key:
        stored = json.loads(blobs.get(results_bucket, doc.result_key))
    fields = dict(doc.fields)
    for name, value in doc.corrected_fields.items():  # a reviewer's correction is read as certain
        fields[name] = FieldValue(value=value, confidence=1.0)
    return ExtractionResult(
        doc_type=doc.detected_type or doc.slot,
        fields=fields,
        transactions=stored.get("transactions", []),
        quality=Quality(ok=doc.state == DocState.EXTRACTED, reasons=list(doc.reasons)),
        warnings=list(doc.warnings),
    )


def build_case(record: ApplicationRecord, blobs: BlobStore, results_bucket: str) -> ApplicationCase:
    documents = []
    for doc in record.active_documents():
        state = _CASE_STATES.get(doc.state)
        if state is None:
            continue
        evidence = None
        if doc.evidence:
            evidence = ImageEvidence.model_validate({**doc.evidence, "received_at": doc.uploaded_at})
        documents.append(CaseDocument(
            document_id=doc.document_id,
            doc_type=doc.slot,
            state=state,
            # a document awaiting a retake carries what was read of it: the checks name the defects it shows
            extraction=(_extraction(doc, blobs, results_bucket) if state in _READ_STATES else None),
            evidence=evidence,
            state_reasons=list(doc.reasons),
        ))
    return ApplicationCase(
        application_id=record.application_id,
        declared=record.declared,
        documents=documents,
        received_at=None if record.replay else record.submitted_at,
        replay=record.replay,
    )


def flag_other_application(repo: ApplicationRepository, other_id: str, flagged_by: str) -> FlagOutcome:
    """Mark another application as carrying an image that ``flagged_by`` also carries."""
    return apply_change(repo, other_id, lambda record: _flag(record, flagged_by)).result or FlagOutcome.UNCHANGED


def _flag(record: ApplicationRecord, flagged_by: str) -> Change[FlagOutcome]:
    if flagged_by in record.flagged_by:
        return Change(result=FlagOutcome.UNCHANGED)
    if record.state in TERMINAL_APP_STATES:
        return Change(result=FlagOutcome.CLOSED)
    change: Change[FlagOutcome] = Change()
    record.flagged_by.append(flagged_by)
    if "duplicate_image" not in record.flags:
        record.flags.append("duplicate_image")
    if record.state in (AppState.APPROVED, AppState.AWAITING_SIGNATURE):
        record.review = ReviewState(queued_at=utcnow(), reasons=["duplicate_image"])
        move_application(record, AppState.IN_REVIEW, change, actor=ACTOR, action="fraud.pulled_back",
                         reason="duplicate_image", flagged_by=flagged_by)
        _decision_flagged(record, pulled_back=True)
        change.result = FlagOutcome.PULLED_BACK
    else:
        if record.state == AppState.IN_REVIEW and record.review and "duplicate_image" not in record.review.reasons:
            record.review.reasons.append("duplicate_image")
            _decision_flagged(record, pulled_back=False)
        change.audit.append(AuditEntry(at=utcnow(), actor=ACTOR, action="fraud.flagged",
                                       detail={"reason": "duplicate_image", "flagged_by": flagged_by}))
        change.result = FlagOutcome.FLAGGED
    return change


def _decision_flagged(record: ApplicationRecord, *, pulled_back: bool) -> None:
    """The decision the officer and the reviewer see names the shared picture too (``duplicate_image``),
    as the decision of the application that found it does: an approval pulled back reads as a review."""
    decision = record.decision
    if decision is None:
        return
    update: dict = {"reasons": list(dict.fromkeys([*decision.reasons, "duplicate_image"]))}
    if pulled_back:
        update |= {"decision": "review", "decided_by": "machine", "decided_at": utcnow(), "note": None}
    record.decision = decision.model_copy(update=update)


def handle_validation(message: ValidateRequested, deps: ValidateDeps) -> ValidateOutcome:
    try:
        record = deps.repo.get(message.application_id)
    except NotFound:
        log.warning("message for an unknown application dropped")
        return ValidateOutcome.UNKNOWN_APPLICATION
    if record.round != message.round or record.state != AppState.VALIDATING:
        if record.round == message.round and record.state == AppState.SCORING:
            # Our earlier attempt moved on but may not have sent the score request: send it again.
            deps.queue.send(deps.config.score_queue_url,
                            ScoreRequested(application_id=record.application_id, round=record.round).model_dump_json())
            return ValidateOutcome.RESENT
        log.info("stale validation request ignored")
        return ValidateOutcome.STALE
    case = build_case(record, deps.blobs, deps.config.results_bucket)
    report: ValidationReport = validate(case, deps.policy, deps.fraud)
    deps.repo.put_report(record.application_id, record.round, "validation", report.model_dump(mode="json"))
    for other_id in report.cross_flags:
        if other_id != record.application_id:
            flag_other_application(deps.repo, other_id, record.application_id)
    applied = apply_and_dispatch(deps, message.application_id,
                                 lambda record: _to_scoring(record, message.round, report, deps.config))
    return ValidateOutcome.VALIDATED if applied.change is not None else ValidateOutcome.SUPERSEDED


def _to_scoring(record: ApplicationRecord, round_: int, report: ValidationReport,
                config: ValidateConfig) -> Change | None:
    """Validated: on to the score stage (unless the application moved on while the checks ran)."""
    if record.state != AppState.VALIDATING or record.round != round_:
        return None
    change: Change = Change()
    move_application(record, AppState.SCORING, change, actor=ACTOR, action="application.validated",
                     failed_checks=report.reason_codes, round=record.round)
    score = ScoreRequested(application_id=record.application_id, round=record.round)
    change.outbox.messages.append((config.score_queue_url, score.model_dump_json()))
    return change
