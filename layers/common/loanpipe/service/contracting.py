"""Contract stage: an approved application -> the contract PDF, stored under object lock, waiting
for the customer's signature."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from loanpipe.contracts.render import ContractTerms, render_contract
from loanpipe.decision.loans import apr, schedule
from loanpipe.domain.errors import NotFound
from loanpipe.domain.lifecycle import AppState
from loanpipe.domain.records import ApplicationRecord, ContractRef, utcnow
from loanpipe.policy.model import Policy
from loanpipe.service.dispatch import dispatch
from loanpipe.service.messages import ContractRequested
from loanpipe.service.ports import ApplicationRepository, BlobStore, EventPublisher, StageQueue
from loanpipe.service.transitions import Change, apply_change, move_application

log = logging.getLogger(__name__)
ACTOR = "system:contract"
CHINA = ZoneInfo("Asia/Shanghai")


@dataclass
class ContractConfig:
    contracts_bucket: str
    lender_name: str = "示范汽车金融有限公司"
    font_path: str | None = None


@dataclass
class ContractDeps:
    repo: ApplicationRepository
    blobs: BlobStore
    queue: StageQueue
    events: EventPublisher
    config: ContractConfig
    policy: Policy


def contract_terms(record: ApplicationRecord, policy: Policy, approved_by: str, lender: str) -> ContractTerms:
    loan = record.declared.loan
    decided = record.decision.decided_at if record.decision else record.updated_at
    plan = schedule(loan.amount, policy.pricing.annual_rate, loan.term_months, loan.repayment_method)
    contract_date = decided.astimezone(CHINA).date()
    return ContractTerms(
        contract_number=f"LP{contract_date:%Y%m%d}-{record.application_id[-10:]}-{record.round}",
        lender=lender,
        contract_date=contract_date,
        schedule=plan,
        apr=apr(plan.principal, [row.payment for row in plan.rows], policy.pricing.fees),
        approved_by=approved_by,
    )


def handle_contract(message: ContractRequested, deps: ContractDeps) -> str:
    try:
        record = deps.repo.get(message.application_id)
    except NotFound:
        log.warning("message for an unknown application dropped")
        return "unknown_application"
    if record.round != message.round:
        log.info("stale contract request ignored")
        return "stale"
    if record.state == AppState.AWAITING_SIGNATURE and record.contract is not None:
        return "duplicate"
    if record.state != AppState.APPROVED:
        log.info("contract request for an application that is not approved ignored")
        return "not_approved"
    terms = contract_terms(record, deps.policy, message.approved_by, deps.config.lender_name)
    pdf = render_contract(record.declared, terms, deps.config.font_path)
    digest = hashlib.sha256(pdf).hexdigest()
    key = f"contracts/{record.application_id}/round-{record.round}/contract.pdf"
    deps.blobs.put(deps.config.contracts_bucket, key, pdf, "application/pdf")
    pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page")

    def change_fn(record: ApplicationRecord) -> Change | None:
        if record.state != AppState.APPROVED or record.round != message.round:
            return None
        change = Change()
        record.contract = ContractRef(key=key, sha256=digest, rendered_at=utcnow(), pages=pages)
        move_application(record, AppState.AWAITING_SIGNATURE, change, actor=ACTOR, action="contract.rendered",
                         sha256=digest, contract_number=terms.contract_number)
        change.outbox.events.append(("ContractReady", {"application_id": record.application_id,
                                                       "officer_id": record.officer_id, "sha256": digest}))
        return change

    _, change = apply_change(deps.repo, message.application_id, change_fn)
    if change is None:
        return "superseded"
    dispatch(change.outbox, deps.queue, deps.events)
    return "rendered"
