"""Reviewer actions. Every one is a conditional, audited write on the application.

- Only reviewers (or admins) act, never on an application they captured themselves (separation of duties).
- A reviewer claims an application before acting. A claim is a lease of ``CLAIM_TTL``: the holder renews it by
  claiming again, releases it when done, and once it lapses anyone may claim the application (the take-over
  is audited). An admin may reassign a claim to another reviewer.
- Four eyes: above the policy's ``review.four_eyes_above`` an approval is recorded as the first one and the
  claim released; a second, different reviewer's approval moves the application to APPROVED. A correction
  after a first approval voids it (the approver saw other values).
- Corrections record which fields changed, never their values, in the audit trail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from loanpipe.domain.audit import AuditEntry
from loanpipe.domain.documents import FIELDS
from loanpipe.domain.errors import Conflict, Forbidden, UserInputError
from loanpipe.domain.events import ApplicationDecided, DocumentRetakeRequested
from loanpipe.domain.lifecycle import AppState, DocState
from loanpipe.domain.masking import mask_account
from loanpipe.domain.reasons import REASONS, ReasonKind
from loanpipe.domain.records import (
    CAPTURE_OPEN_FOR,
    LEASE,
    ApplicationRecord,
    RecordedDecision,
    ReviewState,
    utcnow,
)
from loanpipe.policy.model import ReviewRules, default_policy
from loanpipe.service.access import Caller, Role, require
from loanpipe.service.messages import ContractRequested, ValidateRequested
from loanpipe.service.ports import ApplicationRepository
from loanpipe.service.transitions import Change, apply_change, move_application, move_document

CLAIM_TTL = LEASE
_LONG_DIGITS = re.compile(r"\d{12,19}[\dXx]?")


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
    message: str = Field(default="", max_length=500)  # request_retake: what the officer is told

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


class Reassignment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str = Field(min_length=1, max_length=128)
    note: str = Field(default="", max_length=500)


@dataclass
class ReviewConfig:
    validate_queue_url: str
    contract_queue_url: str
    rules: ReviewRules = field(default_factory=lambda: default_policy().review)
    capture_open_for: timedelta = CAPTURE_OPEN_FOR  # a capture reopened for a retake expires after this


def _require_reviewer_of(caller: Caller, record: ApplicationRecord) -> None:
    require(caller, Role.REVIEWER, Role.ADMIN)
    if record.officer_id == caller.user:
        raise Forbidden("you cannot review an application you captured")


def _in_review(record: ApplicationRecord) -> ReviewState:
    if record.state != AppState.IN_REVIEW or record.review is None:
        raise Conflict("not_in_review", f"the application is {record.state}, not in review")
    return record.review


def _require_claim(caller: Caller, record: ApplicationRecord) -> ReviewState:
    """The caller holds a live lease on the application (a lapsed one must be claimed again)."""
    _require_reviewer_of(caller, record)
    review = _in_review(record)
    if review.claimed_by != caller.user or not review.lease_held(utcnow()):
        raise Conflict("not_claimed", "claim the application before acting on it")
    return review


def claim(repo: ApplicationRepository, caller: Caller, application_id: str) -> ApplicationRecord:
    """Take (or renew) the lease; a live lease of another reviewer is 409 ``claimed``."""

    def change_fn(record: ApplicationRecord) -> Change:
        _require_reviewer_of(caller, record)
        review = _in_review(record)
        now = utcnow()
        held = review.lease_held(now)
        if held and review.claimed_by != caller.user:
            raise Conflict("claimed", "another reviewer is working on this application")
        detail: dict = {"lease_minutes": int(CLAIM_TTL.total_seconds() // 60)}
        if held:
            detail["renewed"] = True
        elif review.claimed_by and review.claimed_by != caller.user:
            detail["taken_over_from"] = review.claimed_by  # the lease lapsed
        review.claimed_by, review.claimed_at = caller.user, now
        return Change(audit=[AuditEntry(at=now, actor=caller.user, action="review.claimed", detail=detail)])

    return apply_change(repo, application_id, change_fn).record


def release(repo: ApplicationRepository, caller: Caller, application_id: str) -> ApplicationRecord:
    """The holder gives the application back to the queue."""

    def change_fn(record: ApplicationRecord) -> Change:
        review = _require_claim(caller, record)
        review.claimed_by, review.claimed_at = None, None
        return Change(audit=[AuditEntry(at=utcnow(), actor=caller.user, action="review.released")])

    return apply_change(repo, application_id, change_fn).record


def reassign(repo: ApplicationRepository, caller: Caller, application_id: str,
             request: Reassignment) -> ApplicationRecord:
    """An admin hands the claim to another reviewer (a fresh lease), never to the officer who captured it."""

    def change_fn(record: ApplicationRecord) -> Change:
        require(caller, Role.ADMIN)
        review = _in_review(record)
        to = request.to.strip()
        if to == record.officer_id:
            raise Conflict("captured_by_assignee", "the officer who captured an application cannot review it")
        now = utcnow()
        previous = review.claimed_by if review.lease_held(now) else None
        review.claimed_by, review.claimed_at = to, now
        return Change(audit=[AuditEntry(at=now, actor=caller.user, action="review.reassigned",
                                        detail={"from": previous, "to": to, "note": request.note})])

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
        audit = [AuditEntry(at=utcnow(), actor=caller.user, action="review.fields_corrected",
                            document_id=document_id,
                            detail={"fields": sorted(corrections.fields), "note": corrections.note})]
        review = record.review
        if review is not None and review.first_approved_by:
            audit.append(AuditEntry(at=utcnow(), actor=caller.user, action="review.first_approval_voided",
                                    detail={"first_approved_by": review.first_approved_by,
                                            "why": "fields corrected after the approval"}))
            review.first_approved_by = review.first_approved_at = None
        return Change(audit=audit)

    return apply_change(repo, application_id, change_fn).record


def decide(repo: ApplicationRepository, config: ReviewConfig, caller: Caller, application_id: str,
           decision: ReviewDecision) -> tuple[ApplicationRecord, Change | None]:
    def change_fn(record: ApplicationRecord) -> Change:
        review = _require_claim(caller, record)
        change: Change = Change()
        if decision.action == "approve":
            _approve(record, review, change, config, caller, decision)
        elif decision.action == "decline":
            _decline(record, change, caller, decision)
        elif decision.action == "request_retake":
            _request_retake(record, change, caller, decision, config)
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


def needs_four_eyes(record: ApplicationRecord, rules: ReviewRules) -> bool:
    return record.declared.loan.amount > rules.four_eyes_above


def _approve(record: ApplicationRecord, review: ReviewState, change: Change, config: ReviewConfig, caller: Caller,
             decision: ReviewDecision) -> None:
    """APPROVED and the contract queued; above the four-eyes amount the first approval only records itself."""
    now = utcnow()
    first = review.first_approved_by
    if needs_four_eyes(record, config.rules):
        if first == caller.user:
            raise Conflict("second_reviewer", "a second, different reviewer must approve this application")
        if first is None:
            review.first_approved_by, review.first_approved_at = caller.user, now
            review.claimed_by = review.claimed_at = None  # back to the queue for the second reviewer
            change.audit.append(AuditEntry(at=now, actor=caller.user, action="review.first_approved",
                                           detail={"four_eyes_above": str(config.rules.four_eyes_above),
                                                   "note": decision.note}))
            return
    machine = record.decision
    record.decision = RecordedDecision(decision="approve", reasons=decision.reasons, decided_at=now,
                                       decided_by=caller.user, note=decision.note,
                                       score=machine.score if machine else None,
                                       policy_version=machine.policy_version if machine else None)
    second = {"first_approved_by": first} if first else {}
    move_application(record, AppState.APPROVED, change, actor=caller.user, action="review.approved",
                     overrode=machine.reasons if machine else [], note=decision.note, **second)
    record.review = None
    message = ContractRequested(application_id=record.application_id, round=record.round, approved_by=caller.user)
    change.outbox.messages.append((config.contract_queue_url, message.model_dump_json()))
    change.outbox.events.append(ApplicationDecided.of(record, by="reviewer"))


def _decline(record: ApplicationRecord, change: Change, caller: Caller, decision: ReviewDecision) -> None:
    machine = record.decision
    reasons = decision.reasons or (machine.reasons if machine else [])
    record.decision = RecordedDecision(decision="decline", reasons=reasons, decided_at=utcnow(),
                                       decided_by=caller.user, note=decision.note,
                                       score=machine.score if machine else None,
                                       policy_version=machine.policy_version if machine else None)
    move_application(record, AppState.DECLINED, change, actor=caller.user, action="review.declined",
                     reasons=reasons, note=decision.note)
    record.review = None
    change.outbox.events.append(ApplicationDecided.of(record, by="reviewer"))


def officer_message(text: str) -> str | None:
    """A reviewer's message as the officer gets it: trimmed, ID- and account-number shaped digits masked."""
    text = text.strip()
    return _LONG_DIGITS.sub(lambda match: mask_account(match.group(0)), text) or None


def _request_retake(record: ApplicationRecord, change: Change, caller: Caller, decision: ReviewDecision,
                    config: ReviewConfig) -> None:
    reasons = [c for c in decision.reasons if REASONS[c].kind == ReasonKind.RETAKE] or ["unreadable_field"]
    message = officer_message(decision.message)
    for document_id in decision.documents:
        doc = record.documents.get(document_id)
        if doc is None or not doc.active:
            raise UserInputError("unknown_document", "no such document in this application")
        doc.reasons = reasons
        doc.retake_message = message
        move_document(record, doc, DocState.RETAKE_REQUESTED, change, actor=caller.user,
                      action="review.retake_requested", reasons=reasons, message=message)
        change.outbox.events.append(DocumentRetakeRequested.of(record, doc, by="reviewer", message=message))
    record.round += 1
    record.final_submission = False
    record.review = None
    record.capture_expires_at = utcnow() + config.capture_open_for  # open again: its time starts over
    move_application(record, AppState.SUBMITTED, change, actor=caller.user,
                     action="review.retake_requested", documents=decision.documents, note=decision.note)
