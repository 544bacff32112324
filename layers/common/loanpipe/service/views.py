"""What the API shows: an application as an officer or a reviewer sees it.

ID numbers are masked unless a back-office user asks to reveal them (the reveal is audited by the
caller); reason codes always come with their Chinese and English texts.
"""

from __future__ import annotations

from loanpipe.domain.documents import DocType
from loanpipe.domain.lifecycle import DocState
from loanpipe.domain.masking import mask_account, mask_id_number
from loanpipe.domain.reasons import describe
from loanpipe.domain.records import ApplicationRecord, DocumentRecord, Erasure, ReviewState, utcnow
from loanpipe.service.access import Caller
from loanpipe.service.stalls import stall_view

_ID_FIELDS = {"id_number"}
_ACCOUNT_FIELDS = {"account_number"}


def _masked_field(name: str, value: str | None, reveal: bool) -> str | None:
    if value is None or reveal:
        return value
    if name in _ID_FIELDS:
        return mask_id_number(value)
    if name in _ACCOUNT_FIELDS:
        return mask_account(value)
    return value


def document_view(doc: DocumentRecord, *, reveal: bool = False, with_fields: bool = True) -> dict:
    view = {
        "document_id": doc.document_id,
        "slot": doc.slot.value,
        "state": doc.state.value,
        "content_type": doc.content_type,
        "requested_at": doc.requested_at.isoformat(),
        "uploaded_at": doc.uploaded_at.isoformat() if doc.uploaded_at else None,
        "reasons": [describe(code) for code in doc.reasons],
        "detected_type": doc.detected_type.value if doc.detected_type else None,
        "engine": doc.engine,
        "warnings": list(doc.warnings),
        "message": doc.retake_message,
        # files posted again under this document's used grant: never read, never shown as its picture
        "refused_uploads": [{"at": refused.at.isoformat(), "size": refused.size, "reason": describe(refused.reason)}
                            for refused in doc.refused_uploads],
    }
    if with_fields:
        view["fields"] = {
            name: {
                "value": _masked_field(name, doc.corrected_fields.get(name, field.value), reveal),
                "confidence": 1.0 if name in doc.corrected_fields else field.confidence,
                "corrected": name in doc.corrected_fields,
                "box": list(field.box) if field.box else None,
            }
            for name, field in doc.fields.items()
        }
    return view


def erasure_view(erasure: Erasure) -> dict:
    """When and by whom the personal data was erased, what was deleted, and what stays and why."""
    return {"at": erasure.at.isoformat(), "by": erasure.by, "objects_deleted": erasure.objects_deleted,
            "reports_deleted": erasure.reports_deleted, "audit_entries_redacted": erasure.audit_entries_redacted,
            "image_index_entries_deleted": erasure.image_index_entries_deleted,
            "retained": [retained.model_dump(mode="json") for retained in erasure.retained]}


def review_view(review: ReviewState) -> dict:
    """The review state as the console shows it: who holds a live lease and until when, the first approval."""
    held = review.lease_held(utcnow())
    lease_until = review.lease_until if held else None
    return {
        "queued_at": review.queued_at.isoformat(),
        "reasons": [describe(code) for code in review.reasons],
        "claimed_by": review.claimed_by if held else None,
        "claimed_at": review.claimed_at.isoformat() if held and review.claimed_at else None,
        "lease_until": lease_until.isoformat() if lease_until else None,
        "first_approved_by": review.first_approved_by,
        "first_approved_at": review.first_approved_at.isoformat() if review.first_approved_at else None,
    }


def next_step(record: ApplicationRecord) -> str:
    """A one-line hint for the officer's tablet."""
    closed = {"CANCELLED": "none: cancelled", "EXPIRED": "none: the capture expired; start a new application"}
    if record.state.value in closed:
        return closed[record.state.value]
    stalled = record.live_stalls()
    if stalled:  # a stage gave up: say so rather than "wait" (operations are alerted; the reason is in "stalled")
        return "stalled: " + ", ".join(sorted({s.stage for s in stalled})) + " (operations alerted)"
    retakes = [d for d in record.documents.values() if d.state in (DocState.RETAKE_REQUESTED, DocState.REJECTED_INPUT)]
    if retakes:
        return "retake: " + ", ".join(sorted({d.slot.value for d in retakes}))
    missing = record.missing_slots()
    if record.state.value in ("DRAFT", "SUBMITTED") and missing:
        return "upload: " + ", ".join(slot.value for slot in missing)
    return {
        "DRAFT": "submit",
        "SUBMITTED": "wait for extraction",
        "VALIDATING": "wait for the decision",
        "SCORING": "wait for the decision",
        "IN_REVIEW": "wait for a reviewer",

        "APPROVED": "wait for the contract",
        "AWAITING_SIGNATURE": "show the contract and capture the signature",
    }.get(record.state.value, "none")


def application_view(record: ApplicationRecord, caller: Caller, *, reveal: bool = False) -> dict:
    reveal = reveal and caller.back_office
    declared = record.declared
    documents = sorted(record.documents.values(), key=lambda d: d.requested_at)
    view = {
        "application_id": record.application_id,
        "state": record.state.value,
        "version": record.version,
        "round": record.round,
        "officer_id": record.officer_id,
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
        "submitted_at": record.submitted_at.isoformat() if record.submitted_at else None,
        "final_submission": record.final_submission,
        # an open capture expires at this time (the draft sweep); a cancelled or expired one says why it closed
        "capture_expires_at": record.capture_expires_at.isoformat()
        if record.capture_expires_at and record.state.value in ("DRAFT", "SUBMITTED") else None,
        "closed_reason": describe(record.closed_reason) if record.closed_reason else None,
        "replay": record.replay,
        "applicant": None if declared is None else {
            "name": declared.applicant.name,
            "id_number": declared.applicant.id_number if reveal else mask_id_number(declared.applicant.id_number),
            "phone": declared.applicant.phone,
        },
        "loan": None if declared is None else declared.loan.model_dump(mode="json"),
        "capture": None if declared is None else declared.capture.model_dump(mode="json"),
        "erased": None if record.erased is None else erasure_view(record.erased),
        "documents": [document_view(doc, reveal=reveal) for doc in documents],
        "missing_slots": [slot.value for slot in record.missing_slots()],
        "next_step": next_step(record),
        "decision": None,
        "review": None,
        "contract": None,
        "flags": [describe(code) for code in record.flags],
        "stalled": [stall_view(stall) for stall in record.live_stalls()],
    }
    if record.decision:
        decision = record.decision
        view["decision"] = {
            "decision": decision.decision,
            "reasons": [describe(code) for code in decision.reasons],
            "score": decision.score,
            "policy_version": decision.policy_version,
            "decided_at": decision.decided_at.isoformat(),
            "decided_by": decision.decided_by,
            "note": decision.note,
        }
    if record.review:
        view["review"] = review_view(record.review)
    if record.contract:
        view["contract"] = {"sha256": record.contract.sha256, "pages": record.contract.pages,
                            "rendered_at": record.contract.rendered_at.isoformat()}
    return view


def slot_summary(record: ApplicationRecord) -> dict[str, list[str]]:
    """slot -> states of its active documents (for list views)."""
    summary: dict[str, list[str]] = {slot.value: [] for slot in DocType}
    for doc in record.documents.values():
        if doc.active:
            summary[doc.slot.value].append(doc.state.value)
    return summary
