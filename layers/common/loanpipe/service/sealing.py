"""Seal stage (the contract function, ``SealRequested``): the captured signature and consent stamped on the
contract, the lender's PAdES seal through KMS, the signed PDF stored under object lock, the application SIGNED
in one conditional transition with its audit entry, then ``LoanContractSigned`` and the disbursement
instruction on the bus.

However often a seal request is delivered, there is one signed contract and one announcement: the transition
to SIGNED is written by one run only; the events go out after it and are marked sent (``announced_at``). A run
that finds the application SIGNED but not announced (its predecessor stopped between the two writes) sends
them; the instruction's ``instruction_id`` is the contract number, so disbursement pays it once even then.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from loanpipe.contracts.seal import ConsentRecord
from loanpipe.domain.audit import AuditEntry
from loanpipe.domain.documents import DocType
from loanpipe.domain.errors import NotFound, PlatformError, UserInputError
from loanpipe.domain.events import DisbursementInstructed, DomainEvent, LoanContractSigned, PayeeDetail
from loanpipe.domain.lifecycle import AppState
from loanpipe.domain.masking import mask_id_number
from loanpipe.domain.money import money_str
from loanpipe.domain.records import ApplicationRecord, utcnow
from loanpipe.domain.signing import SignedContract
from loanpipe.service.dispatch import apply_and_dispatch
from loanpipe.service.messages import SealRequested
from loanpipe.service.outcomes import SealOutcome
from loanpipe.service.ports import ApplicationRepository, BlobStore, EventPublisher, StageQueue
from loanpipe.service.transitions import Change, apply_change, move_application

log = logging.getLogger(__name__)
ACTOR = "system:seal"

# (contract PDF, signature PNG, consent) -> the sealed PDF
Sealer = Callable[[bytes, bytes, ConsentRecord], bytes]


@dataclass
class SealDeps:
    repo: ApplicationRepository
    blobs: BlobStore
    queue: StageQueue
    events: EventPublisher
    contracts_bucket: str
    seal: Sealer


def signed_key(record: ApplicationRecord) -> str:
    return f"contracts/{record.application_id}/round-{record.round}/contract-signed.pdf"


def contract_number(record: ApplicationRecord) -> str:
    assert record.contract is not None
    return record.contract.number or f"{record.application_id}-{record.round}"


def handle_seal(message: SealRequested, deps: SealDeps) -> SealOutcome:
    try:
        record = deps.repo.get(message.application_id)
    except NotFound:
        log.warning("seal request for an unknown application dropped")
        return SealOutcome.UNKNOWN_APPLICATION
    ceremony = record.signing
    if record.round != message.round or ceremony is None or ceremony.ceremony_id != message.ceremony_id:
        log.info("stale seal request ignored")
        return SealOutcome.STALE
    if record.state == AppState.SIGNED:
        return _announce_again(record, deps) if ceremony.signed and not ceremony.signed.announced_at \
            else SealOutcome.DUPLICATE
    if record.state != AppState.AWAITING_SIGNATURE or ceremony.consent is None or record.contract is None:
        log.info("seal request for an application that is not signing ignored")
        return SealOutcome.NOT_SIGNING
    try:
        signed_pdf = _sealed_pdf(record, deps)
    except UserInputError as exc:  # the signature image cannot be stamped: the customer signs again
        refused = exc
        apply_change(deps.repo, record.application_id, lambda current: _refuse_signature(current, message, refused))
        return SealOutcome.SIGNATURE_REFUSED
    signed = SignedContract(key=signed_key(record), sha256=hashlib.sha256(signed_pdf).hexdigest(), sealed_at=utcnow())
    applied = apply_and_dispatch(deps, record.application_id, lambda current: _mark_signed(current, message, signed))
    if applied.change is None:
        return SealOutcome.SUPERSEDED
    _mark_announced(deps, record.application_id)
    return SealOutcome.SIGNED


def _sealed_pdf(record: ApplicationRecord, deps: SealDeps) -> bytes:
    """The sealed contract: the one a stopped earlier run stored, else sealed now and stored under lock."""
    key = signed_key(record)
    if deps.blobs.head(deps.contracts_bucket, key) is not None:
        return deps.blobs.get(deps.contracts_bucket, key)
    assert record.contract is not None and record.signing is not None and record.signing.consent is not None
    consent = record.signing.consent
    contract = deps.blobs.get(deps.contracts_bucket, record.contract.key)
    expected = record.contract.sha256
    if hashlib.sha256(contract).hexdigest() != expected or consent.contract_sha256 != expected:
        # The stored contract is not the one rendered and shown: never seal it. An operator must look (DLQ alarm).
        raise PlatformError("the stored contract does not match its recorded SHA-256")
    image = deps.blobs.get(deps.contracts_bucket, consent.image_key)
    if hashlib.sha256(image).hexdigest() != consent.image_sha256:
        raise PlatformError("the stored signature image does not match its recorded SHA-256")
    applicant = record.declared.applicant
    sealed = deps.seal(contract, image, ConsentRecord(
        ceremony_id=record.signing.ceremony_id, contract_number=contract_number(record),
        contract_sha256=consent.contract_sha256, signer_name=applicant.name,
        signer_id_masked=mask_id_number(applicant.id_number), officer_id=consent.officer_id,
        signed_at=consent.signed_at, place=f"{consent.lat:.5f},{consent.lon:.5f}",
        code_verified_at=consent.code_verified_at))
    deps.blobs.put(deps.contracts_bucket, key, sealed, "application/pdf")
    return sealed


def _refuse_signature(record: ApplicationRecord, message: SealRequested, refused: UserInputError) -> Change | None:
    ceremony = record.signing
    if record.state != AppState.AWAITING_SIGNATURE or ceremony is None or ceremony.ceremony_id != message.ceremony_id:
        return None
    ceremony.consent = None  # the code was used: the tablet asks for a new one
    return Change(audit=[AuditEntry(at=utcnow(), actor=ACTOR, action="signing.refused",
                                    detail={"reason": refused.code, "ceremony_id": ceremony.ceremony_id})])


def _mark_signed(record: ApplicationRecord, message: SealRequested, signed: SignedContract) -> Change | None:
    ceremony = record.signing
    if (record.state != AppState.AWAITING_SIGNATURE or record.round != message.round or ceremony is None
            or ceremony.ceremony_id != message.ceremony_id or ceremony.consent is None):
        return None
    change: Change = Change()
    ceremony.signed = signed
    move_application(record, AppState.SIGNED, change, actor=ACTOR, action="contract.signed",
                     ceremony_id=ceremony.ceremony_id, contract_number=contract_number(record),
                     signed_sha256=signed.sha256, contract_sha256=ceremony.contract_sha256)
    change.outbox.events.extend(announcements(record))
    return change


def announcements(record: ApplicationRecord) -> list[DomainEvent]:
    """``LoanContractSigned`` and the disbursement instruction of a signed application."""
    ceremony = record.signing
    assert ceremony is not None and ceremony.signed is not None and ceremony.consent is not None
    number = contract_number(record)
    signed = LoanContractSigned(application_id=record.application_id, officer_id=record.officer_id,
                                contract_number=number, contract_sha256=ceremony.contract_sha256,
                                signed_sha256=ceremony.signed.sha256, signed_at=ceremony.consent.signed_at)
    instruction = DisbursementInstructed(application_id=record.application_id, instruction_id=number,
                                         contract_number=number, amount=money_str(record.declared.loan.amount),
                                         payee=payee_of(record), signed_sha256=ceremony.signed.sha256)
    return [signed, instruction]


def payee_of(record: ApplicationRecord) -> PayeeDetail:
    """The payout account declared with the application; else the applicant's own account as read from the
    bank statement (a reviewer's correction wins over the reading)."""
    declared = record.declared.payout
    if declared is not None:
        return PayeeDetail(payee=declared.payee, account_name=declared.account_name,
                           account_number=declared.account_number, bank_name=declared.bank_name, source="application")
    for doc in record.active_documents(DocType.BANK_STATEMENT):
        def read(name: str, doc=doc) -> str | None:
            field = doc.fields.get(name)
            return doc.corrected_fields.get(name) or (field.value if field else None)

        number = "".join((read("account_number") or "").split())
        if number.isdigit():
            return PayeeDetail(payee="customer", account_name=record.declared.applicant.name, account_number=number,
                               bank_name=read("bank_name") or None, source="bank_statement")
    # Nothing to pay into: disbursement asks the customer for an account before paying (a state it shows).
    return PayeeDetail(payee="customer", account_name=record.declared.applicant.name, source="none")


def _announce_again(record: ApplicationRecord, deps: SealDeps) -> SealOutcome:
    for event in announcements(record):
        deps.events.publish(event)
    _mark_announced(deps, record.application_id)
    return SealOutcome.ANNOUNCED


def _mark_announced(deps: SealDeps, application_id: str) -> None:
    def change_fn(record: ApplicationRecord) -> Change | None:
        signed = record.signing.signed if record.signing else None
        if signed is None or signed.announced_at is not None:
            return None
        signed.announced_at = utcnow()
        return Change(audit=[AuditEntry(at=signed.announced_at, actor=ACTOR, action="contract.announced",
                                        detail={"events": ["LoanContractSigned", "DisbursementInstructed"]})])

    apply_change(deps.repo, application_id, change_fn)

