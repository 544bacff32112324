"""Erasing an application's personal data (PIPL: the right to deletion, minimisation), audited.

``erase_application`` (an admin: ``POST /applications/{id}/erase``, or ``loanpipe erase APPLICATION_ID``) runs
on a closed application only (DECLINED, SIGNED, CANCELLED, EXPIRED: nothing is in flight any more) and:

1. deletes every version and delete marker under ``uploads/<id>/`` (the scans, refused uploads included) and
   ``extractions/<id>/`` (the text and rows read, the page pictures);
2. contracts: a signed contract, its signed copy and the handwritten signature are the loan's legal record
   and stay under their object lock (``legal_retention``); for an application never signed, its contract
   renders are deleted, unless object lock refuses (GOVERNANCE mode, until ``ContractRetentionYears``): then
   they are named as retained (``object_lock``) with their date, and an operator with the right to bypass
   governance finishes the job (``loanpipe erase --bypass-governance``);
3. removes the application's pictures from the duplicate-image index (perceptual hashes and hashed key
   fields), and its validation and decision reports (figures read from the documents);
4. redacts the audit trail: personal free text in entries (notes, messages, the masked phone) is replaced by
   its seal, which keeps every entry's hash, so ``loanpipe audit verify`` still passes; the salt of the seals
   is then replaced;
5. drops the personal fields of the record (``ApplicationRecord.erase_personal_data``) and writes the erasure
   with its audit entry ``application.erased`` (counts and what was retained, nothing personal), in one
   conditional write.

Steps 1-4 are idempotent, so an erase interrupted half way is finished by running it again. What is not
erased here: logs (the logger masks personal data, so there is none to erase: tests/integration scan them) and
events already on the bus (ids and reason codes; the disbursement instruction carries the payout account to
the disbursement system, whose own retention applies).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from loanpipe.domain.audit import AuditEntry, redact_entry
from loanpipe.domain.errors import Conflict, UserInputError
from loanpipe.domain.lifecycle import TERMINAL_APP_STATES, AppState
from loanpipe.domain.records import ApplicationRecord, Erasure, RetainedObject, utcnow
from loanpipe.service.access import Caller, Role, require
from loanpipe.service.ports import ApplicationRepository, BlobStore
from loanpipe.service.transitions import Change, apply_change
from loanpipe.validation.ports import ImageIndex

log = logging.getLogger(__name__)


class EraseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirm: str  # the application id again: an erase cannot be undone


@dataclass(frozen=True)
class ErasureConfig:
    uploads_bucket: str
    results_bucket: str
    contracts_bucket: str


@dataclass(frozen=True)
class ErasePorts:
    repo: ApplicationRepository
    blobs: BlobStore
    image_index: ImageIndex
    config: ErasureConfig


def erase_application(ports: ErasePorts, caller: Caller, application_id: str, request: EraseRequest, *,
                      bypass_governance: bool = False) -> Erasure:
    require(caller, Role.ADMIN)
    if request.confirm != application_id:
        raise UserInputError("confirm_mismatch", "confirm must repeat the application id")
    record = ports.repo.get(application_id)
    if record.erased is not None:
        return record.erased
    if record.state not in TERMINAL_APP_STATES:
        raise Conflict("not_closed", f"the application is {record.state}: cancel or decide it before erasing it")
    erasure = Erasure(at=utcnow(), by=caller.user)
    _erase_objects(ports, record, erasure, bypass_governance)
    for document_id in record.documents:
        erasure.image_index_entries_deleted += ports.image_index.forget(application_id, document_id)
    erasure.reports_deleted = ports.repo.delete_reports(application_id)
    trail = ports.repo.audit_trail(application_id)
    redacted = [redact_entry(entry, record.audit_head.salt) for entry in trail]
    erasure.audit_entries_redacted = ports.repo.redact_audit(
        application_id, [new for new, old in zip(redacted, trail, strict=True) if new != old])
    applied = apply_change(ports.repo, application_id, lambda current: _erased(current, erasure, caller))
    log.info("application erased", extra={"objects_deleted": erasure.objects_deleted,
                                          "retained": len(erasure.retained)})
    return applied.record.erased or erasure


def _erase_objects(ports: ErasePorts, record: ApplicationRecord, erasure: Erasure, bypass_governance: bool) -> None:
    config, app_id = ports.config, record.application_id
    for bucket, prefix in ((config.uploads_bucket, f"uploads/{app_id}/"),
                           (config.results_bucket, f"extractions/{app_id}/")):
        erasure.objects_deleted += ports.blobs.erase_prefix(bucket, prefix).deleted
    contract_prefixes = (f"contracts/{app_id}/", f"signatures/{app_id}/")
    if record.state == AppState.SIGNED:  # the loan's legal record: kept under its object lock
        for prefix in contract_prefixes:
            erasure.retained += [RetainedObject(bucket=config.contracts_bucket, key=key, reason="legal_retention",
                                                retain_until=_until(ports.blobs.head(config.contracts_bucket, key)))
                                 for key in ports.blobs.keys(config.contracts_bucket, prefix)]
        return
    for prefix in contract_prefixes:
        result = ports.blobs.erase_prefix(config.contracts_bucket, prefix, bypass_governance=bypass_governance)
        erasure.objects_deleted += result.deleted
        erasure.retained += [RetainedObject(bucket=config.contracts_bucket, key=held.key, reason="object_lock",
                                            retain_until=held.retain_until) for held in result.held]


def _until(head: dict | None) -> str | None:
    until = (head or {}).get("ObjectLockRetainUntilDate")
    return until.isoformat() if hasattr(until, "isoformat") else until


def _erased(record: ApplicationRecord, erasure: Erasure, caller: Caller) -> Change | None:
    if record.erased is not None:
        return None  # erased by a concurrent run
    change: Change = Change()
    record.erase_personal_data(erasure)
    record.audit_head = record.audit_head.model_copy(update={"salt": None})  # a new salt for what follows
    change.audit.append(AuditEntry(at=erasure.at, actor=caller.user, action="application.erased", detail={
        "objects_deleted": erasure.objects_deleted, "reports_deleted": erasure.reports_deleted,
        "image_index_entries_deleted": erasure.image_index_entries_deleted,
        "audit_entries_redacted": erasure.audit_entries_redacted,
        "retained": [{"key": r.key, "reason": r.reason, "retain_until": r.retain_until} for r in erasure.retained]}))
    return change
