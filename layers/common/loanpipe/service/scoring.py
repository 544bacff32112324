"""Score stage: knock-outs, scorecard and policy -> approve (contract), review (queue) or decline."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from loanpipe.decision.decide import decide, explain, explain_to_officer, flag_as_duplicate
from loanpipe.decision.models import Decision, Outcome
from loanpipe.domain.errors import NotFound
from loanpipe.domain.events import ApplicationDecided
from loanpipe.domain.lifecycle import AppState
from loanpipe.domain.records import ApplicationRecord, RecordedDecision, ReviewState, utcnow
from loanpipe.policy.model import Policy
from loanpipe.service.dispatch import apply_and_dispatch, dispatch
from loanpipe.service.messages import ContractRequested, ScoreRequested
from loanpipe.service.outcomes import ScoreOutcome
from loanpipe.service.ports import ApplicationRepository, BlobStore, EventPublisher, Outbox, StageQueue
from loanpipe.service.transitions import Change, move_application
from loanpipe.service.validation import build_case
from loanpipe.validation.report import ValidationReport

log = logging.getLogger(__name__)
ACTOR = "system:score"


@dataclass
class ScoreConfig:
    results_bucket: str
    contract_queue_url: str


@dataclass
class ScoreDeps:
    repo: ApplicationRepository
    blobs: BlobStore
    queue: StageQueue
    events: EventPublisher
    config: ScoreConfig
    policy: Policy


def handle_scoring(message: ScoreRequested, deps: ScoreDeps) -> ScoreOutcome:
    try:
        record = deps.repo.get(message.application_id)
    except NotFound:
        log.warning("message for an unknown application dropped")
        return ScoreOutcome.UNKNOWN_APPLICATION
    if (record.round == message.round and record.state == AppState.APPROVED and record.contract is None
            and record.decision is not None and record.decision.decided_by == "machine"):
        # Our earlier attempt approved it but may have died before it sent the contract request and the
        # decision event (it stays approved until the contract is rendered; a reviewer's approval is not
        # the machine's to announce).
        # Both go again; the contract stage renders once, and the event is the same one.
        dispatch(_approved_outbox(record, deps.config), deps.queue, deps.events)
        return ScoreOutcome.RESENT
    if record.round != message.round or record.state != AppState.SCORING:
        log.info("stale score request ignored")
        return ScoreOutcome.STALE
    stored = deps.repo.get_report(record.application_id, record.round, "validation")
    if stored is None:
        raise RuntimeError("the validation report of this round is missing")  # platform fault: retried
    report = ValidationReport.model_validate(stored)
    case = build_case(record, deps.blobs, deps.config.results_bucket)
    credit: Decision = decide(case, report, deps.policy)
    for other in record.flagged_by:
        credit = flag_as_duplicate(credit, other)
    deps.repo.put_report(record.application_id, record.round, "decision",
                         {**credit.model_dump(mode="json"), "explanation": explain(credit, report),
                          "officer_explanation": explain_to_officer(credit, report),
                          "terms": credit.terms.model_dump(mode="json") if credit.terms else None})
    applied = apply_and_dispatch(deps, message.application_id,
                                 lambda record: _record_decision(record, message.round, credit, deps.config))
    return applied.result or ScoreOutcome.SUPERSEDED  # no result: it moved on while we scored


def _record_decision(record: ApplicationRecord, round_: int, credit: Decision,
                     config: ScoreConfig) -> Change[ScoreOutcome] | None:
    """Record the decision and route the application: the contract, a reviewer, or declined."""
    if record.state != AppState.SCORING or record.round != round_:
        return None
    change: Change[ScoreOutcome] = Change()
    decision = credit
    for other in record.flagged_by:  # flags that arrived while we scored
        decision = flag_as_duplicate(decision, other)
    codes = [reason.code for reason in decision.reasons]
    record.decision = RecordedDecision(decision=decision.decision.value, reasons=codes, score=decision.score,
                               policy_version=decision.policy_version, decided_at=utcnow())
    if decision.decision is Outcome.APPROVE:
        move_application(record, AppState.APPROVED, change, actor=ACTOR, action="decision.approved",
                         score=decision.score, policy_version=decision.policy_version)
        change.outbox.messages.append(_contract_request(record, config))
    elif decision.decision is Outcome.DECLINE:
        move_application(record, AppState.DECLINED, change, actor=ACTOR, action="decision.declined",
                         reasons=codes, score=decision.score, policy_version=decision.policy_version)
    else:
        record.review = ReviewState(queued_at=utcnow(), reasons=codes)
        move_application(record, AppState.IN_REVIEW, change, actor=ACTOR, action="decision.review",
                         reasons=codes, score=decision.score, policy_version=decision.policy_version)
    change.outbox.events.append(ApplicationDecided.of(record, by="machine"))
    change.result = ScoreOutcome(decision.decision.value)
    return change


def _contract_request(record: ApplicationRecord, config: ScoreConfig) -> tuple[str, str]:
    request = ContractRequested(application_id=record.application_id, round=record.round, approved_by="machine")
    return config.contract_queue_url, request.model_dump_json()


def _approved_outbox(record: ApplicationRecord, config: ScoreConfig) -> Outbox:
    return Outbox(messages=[_contract_request(record, config)],
                  events=[ApplicationDecided.of(record, by="machine")])
