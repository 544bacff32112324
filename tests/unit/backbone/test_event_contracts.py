"""Every domain event the stages and the review desk put on the bus is its published model, whoever sends it.

The stages run on in-memory ports (wired by the composition root's builders); the fake publisher keeps
what EventBridge would carry (detail type, Detail JSON), and each entry must parse back into its model
with nothing lost, so a payload cannot drift between senders or away from ``loanpipe.domain.events``.
"""

from __future__ import annotations

import base64
import json

import pytest
from pydantic import ValidationError

from backbone.chain import CONTRACT_Q, CONTRACTS, Chain, uploaded
from backbone.test_signing import png
from loanpipe.adapters.aws import EventBridgePublisher
from loanpipe.domain.documents import DocType
from loanpipe.domain.events import EVENT_SOURCE, EVENT_TYPES, ApplicationDecided, ContractReady, parse_event
from loanpipe.domain.lifecycle import AppState
from loanpipe.domain.records import utcnow
from loanpipe.service.access import Caller, Role
from loanpipe.service.dispatch import dispatch
from loanpipe.service.extraction import handle_upload
from loanpipe.service.intake import create_application
from loanpipe.service.messages import ContractRequested, ScoreRequested, parse_stage_message
from loanpipe.service.review import ReviewConfig, ReviewDecision, claim, decide
from loanpipe.service.scoring import handle_scoring
from loanpipe.service.signing import CodeRequest, SignatureUpload, SigningConfig, capture_signature, request_code
from loanpipe.service.validation import handle_validation
from testkit.fakes import InMemorySmsSender
from testkit.scenarios import build_scenario

REVIEWER = Caller("r1", frozenset({Role.REVIEWER}))
REVIEW = ReviewConfig("validate-q", "contract-q")


def _officer_uploads(chain: Chain) -> None:
    """An officer's uploads: one readable, one blurred (retake), one not a document (rejected)."""
    scenario = build_scenario("clean", 7)
    officer = Caller(scenario.case.declared.capture.officer_id, frozenset({Role.FIELD_OFFICER}))
    record = create_application(chain.ports.repo, officer, scenario.case.declared)
    for slot, content in ((DocType.ID_CARD_FRONT, b"ok"), (DocType.ID_CARD_BACK, b"blurred"),
                          (DocType.INCOME_CERTIFICATE, b"junk")):
        _, notification = uploaded(officer, chain.ports.repo, chain.ports.blobs, record.application_id, slot, content)
        handle_upload(notification, chain.extract)


def _reviewer_acts(chain: Chain, application_id: str, decision: ReviewDecision) -> None:
    """A reviewer claims the application and decides; the API sends the outbox as ``dispatch`` does."""
    claim(chain.ports.repo, REVIEWER, application_id)
    _, change = decide(chain.ports.repo, REVIEW, REVIEWER, application_id, decision)
    dispatch(change.outbox, chain.ports.queue, chain.ports.events)
    chain.drain()


@pytest.fixture(scope="module")
def published() -> list[tuple[str, dict]]:
    """What the bus received from a day of work: uploads, machine decisions of every kind, reviewer decisions
    of every kind, contracts."""
    clean = build_scenario("clean", 11)
    chain = Chain(clean.ports)
    _officer_uploads(chain)
    chain.validating(clean.case)  # approved -> contract
    over_value = build_scenario("clean", 12).case
    loan = over_value.declared.loan.model_copy(update={"amount": over_value.declared.loan.vehicle_price * 3})
    chain.validating(over_value.model_copy(update={"declared": over_value.declared.model_copy(
        update={"loan": loan})}))  # declined: loan to value
    reviewed = [chain.validating(build_scenario("clean", seed).case, flagged_by=["LA-ELSEWHERE"])  # review
                for seed in (13, 14, 15)]
    chain.drain()
    approved, declined, retaken = reviewed
    _reviewer_acts(chain, approved, ReviewDecision(action="approve", note="the shared photo is our own retake"))
    _reviewer_acts(chain, declined, ReviewDecision(action="decline", note="the same card in another application",
                                                   reasons=["duplicate_image"]))
    certificate = next(doc.document_id for doc in chain.ports.repo.get(retaken).documents.values()
                       if doc.slot is DocType.INCOME_CERTIFICATE)
    _reviewer_acts(chain, retaken, ReviewDecision(action="request_retake", documents=[certificate],
                                                  reasons=["glare"]))
    assert chain.ports.repo.get(approved).state == AppState.AWAITING_SIGNATURE
    _customer_signs(chain, approved)
    assert chain.ports.repo.get(approved).state == AppState.SIGNED
    return list(chain.ports.events.published)


def _customer_signs(chain: Chain, application_id: str) -> None:
    """The ceremony at the door: a code by SMS, the signature with it, the seal."""
    record = chain.ports.repo.get(application_id)
    officer = Caller(record.officer_id, frozenset({Role.FIELD_OFFICER}))
    sms, config = InMemorySmsSender(), SigningConfig(CONTRACTS, CONTRACT_Q)
    sent, change = request_code(chain.ports.repo, sms, config, officer, application_id,
                                CodeRequest(contract_sha256=record.contract.sha256))
    dispatch(change.outbox, chain.ports.queue, chain.ports.events)
    upload = SignatureUpload(ceremony_id=sent["ceremony_id"], code=sms.last_code(record.declared.applicant.phone),
                             contract_sha256=record.contract.sha256,
                             signer_id_number=record.declared.applicant.id_number,
                             signature_png=base64.b64encode(png()).decode(), signed_at=utcnow(), lat=30.0, lon=120.0)
    _, change = capture_signature(chain.ports.repo, chain.ports.blobs, config, officer, application_id, upload)
    dispatch(change.outbox, chain.ports.queue, chain.ports.events)
    chain.drain()


def test_every_published_event_parses_as_its_model_with_nothing_lost(published):
    # Given everything the stages and the review desk published (as EventBridge carries it)
    assert published
    for detail_type, detail in published:
        # When a listener reads it by its detail type, Then it is that model, field for field, at version 1
        event = parse_event(detail_type, json.dumps(detail, ensure_ascii=False))
        assert event.detail_type == detail_type and event.detail() == detail
        assert detail["schema_version"] == 1


def test_every_event_type_is_published_and_both_senders_fill_the_same_model(published):
    assert {detail_type for detail_type, _ in published} == set(EVENT_TYPES)
    senders = {(detail_type, detail["by"]) for detail_type, detail in published if "by" in detail}
    assert senders == {("ApplicationDecided", "machine"), ("ApplicationDecided", "reviewer"),
                       ("DocumentRetakeRequested", "machine"), ("DocumentRetakeRequested", "reviewer")}
    decisions = {(detail["decision"], detail["by"]) for detail_type, detail in published
                 if detail_type == "ApplicationDecided"}
    assert decisions == {("approve", "machine"), ("decline", "machine"), ("review", "machine"),
                         ("approve", "reviewer"), ("decline", "reviewer")}


def test_a_reviewers_decision_keeps_the_machines_score_and_policy_version(published):
    decided = [ApplicationDecided.model_validate(detail) for detail_type, detail in published
               if detail_type == "ApplicationDecided"]
    by_reviewer = [event for event in decided if event.by == "reviewer"]
    assert by_reviewer and all(event.score is not None and event.policy_version for event in by_reviewer)
    declined = next(event for event in by_reviewer if event.decision == "decline")
    assert declined.reasons == ["duplicate_image"]


def test_a_payload_of_another_shape_or_version_is_refused():
    event = ContractReady(application_id="LA1", officer_id="FO-0012", sha256="a" * 64)
    detail = event.detail()
    with pytest.raises(ValidationError):
        parse_event("ContractReady", {**detail, "documents": ["D1"]})  # a field the model does not publish
    with pytest.raises(ValidationError):
        parse_event("ContractReady", {key: value for key, value in detail.items() if key != "officer_id"})
    with pytest.raises(ValidationError):
        parse_event("ContractReady", {**detail, "schema_version": 2})
    with pytest.raises(KeyError):
        parse_event("ContractSigned", detail)


class _RecordingEventBridge:
    """A stand-in for the boto3 ``events`` client: keeps the entries it is given."""

    def __init__(self) -> None:
        self.entries: list[dict] = []

    def put_events(self, Entries: list[dict]) -> dict:  # noqa: N803 - boto3's parameter name
        self.entries.extend(Entries)
        return {"FailedEntryCount": 0, "Entries": [{"EventId": str(len(self.entries))}]}


def test_the_eventbridge_adapter_puts_the_models_detail_json_on_the_bus():
    # Given the AWS publisher on a recording client
    client = _RecordingEventBridge()
    event = ContractReady(application_id="LA01ABC", officer_id="FO-0012", sha256="0" * 64)
    # When it publishes an event
    EventBridgePublisher(client, "loanpipe-dev").publish(event)
    # Then the entry names the bus, the source and the detail type, and its Detail is the model
    (entry,) = client.entries
    assert (entry["EventBusName"], entry["Source"], entry["DetailType"]) == ("loanpipe-dev", EVENT_SOURCE,
                                                                             "ContractReady")
    assert parse_event(entry["DetailType"], entry["Detail"]) == event



def test_a_score_request_run_again_after_its_approval_was_written_sends_what_the_dying_attempt_may_have_lost():
    # Given a clean application validated and approved by the score stage, whose function then died before the
    # queue and the bus took its contract request and its decision event
    clean = build_scenario("clean", 11)
    chain = Chain(clean.ports)
    app_id = chain.validating(clean.case)
    sent, published = chain.ports.queue.sent, chain.ports.events.published
    handle_validation(parse_stage_message(sent.pop(0)[1]), chain.validate)
    score_request = parse_stage_message(sent.pop(0)[1])
    assert isinstance(score_request, ScoreRequested)
    handle_scoring(score_request, chain.score)
    assert chain.ports.repo.get(app_id).state == AppState.APPROVED
    decided = [event for event in published if event[0] == "ApplicationDecided"]
    sent.clear()
    published.clear()
    # When the score request runs again (its message returned after the visibility timeout)
    outcome = handle_scoring(score_request, chain.score)
    # Then the contract is requested again and the same decision event goes to the bus
    assert outcome == "resent"
    assert [type(parse_stage_message(body)) for _, body in sent] == [ContractRequested]
    assert [event for event in published if event[0] == "ApplicationDecided"] == decided
    # and the contract stage renders one contract from it
    chain.drain()
    assert chain.ports.repo.get(app_id).state == AppState.AWAITING_SIGNATURE
