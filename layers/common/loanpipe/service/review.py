"""Reviewer actions. Every one is a conditional, audited write on the application.

- Only reviewers (or admins) act, never on an application they captured themselves (four eyes).
- A reviewer claims an application before acting; a claim older than ``CLAIM_TTL`` can be taken over
  (the reviewer went home), and the take-over is audited.
- Corrections record which fields changed, never their values, in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from loanpipe.domain.audit import AuditEntry
from loanpipe.domain.documents import FIELDS
from loanpipe.domain.errors import Conflict, Forbidden, UserInputError
from loanpipe.domain.events import ApplicationDecided, DocumentRetakeRequested
from loanpipe.domain.lifecycle import AppState, DocState
from loanpipe.domain.reasons import REASONS, ReasonKind
from loanpipe.domain.records import ApplicationRecord, RecordedDecision, utcnow
from loanpipe.service.access import Caller, Role, require
from loanpipe.service.messages import ContractRequested, ValidateRequested
from loanpipe.service.ports import ApplicationRepository, Page
from loanpipe.service.transitions import Change, apply_change, move_application, move_document

CLAIM_TTL = timedelta(minutes=30)


class FieldCorrections(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fields: dict[str, str] = Field(min_length=1, max_length=20)
    note: str = Field(default="", max_length=500)


class ReviewDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["approve", "decline", "request_retake", "revalidate"]
    note: str = Field(default="", max_length=1000)
    reasons: list[str] = Field(default_factory=list, max_length=20)
    documents: list[str] = Field(default_factory=list, max_length=30)  # for request_retake

    @model_validator(mode="after")
    def _complete(self) -> ReviewDecision:
        unknown = [code for code in self.reasons if code not in REASONS]
        if unknown:
            raise ValueError(f"unknown reason codes: {', '.join(unknown)}")
        if self.action == "request_retake" and not self.documents:
            raise ValueError("request_retake needs the documents to retake")
        if self.action in ("approve", "decline") and len(self.note.strip()) < 3:
            raise ValueError("a human decision needs a note saying why")
        return self


@dataclass
class ReviewConfig:
    validate_queue_url: str
    contract_queue_url: str


def review_queue(repo: ApplicationRepository, caller: Caller, limit: int = 50, cursor: str | None = None) -> Page:
    require(caller, Role.REVIEWER, Role.ADMIN)
    return repo.list_by_state(AppState.IN_REVIEW.value, limit=limit, cursor=cursor)


def _require_reviewer_of(caller: Caller, record: ApplicationRecord) -> None:
    require(caller, Role.REVIEWER, Role.ADMIN)
    if record.officer_id == caller.user:
        raise Forbidden("you cannot review an application you captured")


def _require_claim(caller: Caller, record: ApplicationRecord) -> None:
    _require_reviewer_of(caller, record)
    if record.state != AppState.IN_REVIEW or record.review is None:
        raise Conflict("not_in_review", f"the application is {record.state}, not in review")
    if record.review.claimed_by != caller.user:
        raise Conflict("not_claimed", "claim the application before acting on it")


def claim(repo: ApplicationRepository, caller: Caller, application_id: str) -> ApplicationRecord:
    def change_fn(record: ApplicationRecord) -> Change | None:
        _require_reviewer_of(caller, record)
        if record.state != AppState.IN_REVIEW or record.review is None:
            raise Conflict("not_in_review", f"the application is {record.state}, not in review")
        review = record.review
        now = utcnow()
        if review.claimed_by == caller.user:
            return None
        taken_over = None
        if review.claimed_by and review.claimed_at and now - review.claimed_at < CLAIM_TTL:
            raise Conflict("claimed", "another reviewer is working on this application")
        if review.claimed_by:
            taken_over = review.claimed_by
        review.claimed_by, review.claimed_at = caller.user, now
        return Change(audit=[AuditEntry(at=now, actor=caller.user, action="review.claimed",
                                        detail={"taken_over_from": taken_over} if taken_over else {})])

    return apply_change(repo, application_id, change_fn).record


def correct_fields(repo: ApplicationRepository, caller: Caller, application_id: str, document_id: str,
                   corrections: FieldCorrections) -> ApplicationRecord:
    def change_fn(record: ApplicationRecord) -> Change:
        _require_claim(caller, record)
        doc = record.documents.get(document_id)
        if doc is None or not doc.active:
            raise UserInputError("unknown_document", "no such document in this application")
        allowed = set(FIELDS[doc.slot])
        unknown = sorted(set(corrections.fields) - allowed)
        if unknown:
            raise UserInputError("unknown_field", f"{doc.slot.value} has no field {', '.join(unknown)}")
        for name, value in corrections.fields.items():
            value = value.strip()
            if not value or len(value) > 200:
                raise UserInputError("bad_field", f"{name}: a corrected value must be 1-200 characters")
            doc.corrected_fields[name] = value
        return Change(audit=[AuditEntry(at=utcnow(), actor=caller.user, action="review.fields_corrected",
                                        document_id=document_id,
                                        detail={"fields": sorted(corrections.fields), "note": corrections.note})])

    return apply_change(repo, application_id, change_fn).record


def decide(repo: ApplicationRepository, config: ReviewConfig, caller: Caller, application_id: str,
           decision: ReviewDecision) -> tuple[ApplicationRecord, Change | None]:
    def change_fn(record: ApplicationRecord) -> Change:
        _require_claim(caller, record)
        change: Change = Change()
        machine = record.decision
        now = utcnow()
        if decision.action == "approve":
            record.decision = RecordedDecision(decision="approve", reasons=decision.reasons, decided_at=now,
                                               decided_by=caller.user, note=decision.note,
                                               score=machine.score if machine else None,
                                               policy_version=machine.policy_version if machine else None)
            move_application(record, AppState.APPROVED, change, actor=caller.user, action="review.approved",
                             overrode=machine.reasons if machine else [], note=decision.note)
            record.review = None
            message = ContractRequested(application_id=record.application_id, round=record.round,
                                        approved_by=caller.user)
            change.outbox.messages.append((config.contract_queue_url, message.model_dump_json()))
            change.outbox.events.append(ApplicationDecided.of(record, by="reviewer"))
        elif decision.action == "decline":
            reasons = decision.reasons or (machine.reasons if machine else [])
            record.decision = RecordedDecision(decision="decline", reasons=reasons, decided_at=now,
                                               decided_by=caller.user, note=decision.note,
                                               score=machine.score if machine else None,
                                               policy_version=machine.policy_version if machine else None)
            move_application(record, AppState.DECLINED, change, actor=caller.user, action="review.declined",
                             reasons=reasons, note=decision.note)
            record.review = None
            change.outbox.events.append(ApplicationDecided.of(record, by="reviewer"))
        elif decision.action == "request_retake":
            reasons = [c for c in decision.reasons if REASONS[c].kind == ReasonKind.RETAKE] or ["unreadable_field"]
            for document_id in decision.documents:
                doc = record.documents.get(document_id)
                if doc is None or not doc.active:
                    raise UserInputError("unknown_document", "no such document in this application")
                doc.reasons = reasons
                move_document(record, doc, DocState.RETAKE_REQUESTED, change, actor=caller.user,
                              action="review.retake_requested", reasons=reasons)
                change.outbox.events.append(DocumentRetakeRequested.of(record, doc, by="reviewer"))
            record.round += 1
            record.final_submission = False
            record.review = None
            move_application(record, AppState.SUBMITTED, change, actor=caller.user,
                             action="review.retake_requested", documents=decision.documents, note=decision.note)
        else:  # revalidate, after corrections
            record.round += 1
            record.review = None
            move_application(record, AppState.VALIDATING, change, actor=caller.user, action="review.revalidate",
                             note=decision.note, round=record.round)
            message = ValidateRequested(application_id=record.application_id, round=record.round,
                                        trigger="reviewer_correction")
            change.outbox.messages.append((config.validate_queue_url, message.model_dump_json()))
        return change

    applied = apply_change(repo, application_id, change_fn)
    return applied.record, applied.change
