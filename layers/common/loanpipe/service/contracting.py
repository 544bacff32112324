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
from loanpipe.domain.events import ContractReady
from loanpipe.domain.lifecycle import AppState
from loanpipe.domain.records import ApplicationRecord, ContractRef, utcnow
from loanpipe.policy.model import Policy
from loanpipe.service.dispatch import apply_and_dispatch
from loanpipe.service.messages import ContractRequested
from loanpipe.service.outcomes import ContractOutcome
from loanpipe.service.ports import ApplicationRepository, BlobStore, EventPublisher, StageQueue
from loanpipe.service.transitions import Change, move_application

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


def handle_contract(message: ContractRequested, deps: ContractDeps) -> ContractOutcome:
    try:
        record = deps.repo.get(message.application_id)
    except NotFound:
        log.warning("message for an unknown application dropped")
        return ContractOutcome.UNKNOWN_APPLICATION
    if record.round != message.round:
        log.info("stale contract request ignored")
        return ContractOutcome.STALE
    if record.state == AppState.AWAITING_SIGNATURE and record.contract is not None:
        # Rendered before. The attempt that rendered it may have died between writing the state and sending
        # its event (the runner's idempotency lets a request run again only when its last attempt did not
        # finish): ContractReady goes again, the same event (a bus delivers at least once; consumers key it
        # by application and contract hash).
        deps.events.publish(_contract_ready(record))
        return ContractOutcome.DUPLICATE
    if record.state != AppState.APPROVED:
        log.info("contract request for an application that is not approved ignored")
        return ContractOutcome.NOT_APPROVED
    terms = contract_terms(record, deps.policy, message.approved_by, deps.config.lender_name)
    pdf = render_contract(record.declared, terms, deps.config.font_path)
    key = f"contracts/{record.application_id}/round-{record.round}/contract.pdf"
    deps.blobs.put(deps.config.contracts_bucket, key, pdf, "application/pdf")
    contract = ContractRef(key=key, sha256=hashlib.sha256(pdf).hexdigest(), rendered_at=utcnow(),
                           number=terms.contract_number,
                           pages=pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page"))
    applied = apply_and_dispatch(deps, message.application_id,
                                 lambda record: _await_signature(record, message.round, contract,
                                                                 terms.contract_number))
    return ContractOutcome.RENDERED if applied.change is not None else ContractOutcome.SUPERSEDED


def _await_signature(record: ApplicationRecord, round_: int, contract: ContractRef,
                     contract_number: str) -> Change | None:
    """The contract is stored: the application waits for the customer's signature."""
    if record.state != AppState.APPROVED or record.round != round_:
        return None
    change: Change = Change()
    record.contract = contract
    move_application(record, AppState.AWAITING_SIGNATURE, change, actor=ACTOR, action="contract.rendered",
                     sha256=contract.sha256, contract_number=contract_number)
    change.outbox.events.append(_contract_ready(record))
    return change


def _contract_ready(record: ApplicationRecord) -> ContractReady:
    assert record.contract is not None
    return ContractReady(application_id=record.application_id, officer_id=record.officer_id,
                         sha256=record.contract.sha256)
