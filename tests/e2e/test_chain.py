"""The whole chain through the HTTP API, as the field app and the back office use it.

Generated applications (real images and PDFs, real OCR) are uploaded by presigned POST, submitted, read,
checked, scored and decided; a reviewer takes one from the review queue and approves it; the contract PDF
comes out under object lock with the hash the application records. Every domain event the chain puts on its
bus is copied to a queue of the tests' own (an EventBridge rule on the bus) and read as its published model.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from integration.support import wait_for
from loanpipe.domain.events import EVENT_SOURCE, ApplicationDecided, parse_event
from loanpipe_infra.demo import DemoRunner, Progress
from testkit.samples import generate_applications

pytestmark = pytest.mark.e2e
CAPTURED_AT = datetime(2026, 11, 20, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def bus_tap(local_cloud) -> str:
    """A queue that receives a copy of every event on the domain bus (a rule on source ``loanpipe``)."""
    sqs, events = local_cloud.client("sqs"), local_cloud.client("events")
    bus = local_cloud.stack.resources["DomainEventBus"]["Ref"]
    url = sqs.create_queue(QueueName="e2e-domain-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="e2e-domain-events", EventBusName=bus, EventPattern=json.dumps({"source": [EVENT_SOURCE]}))
    events.put_targets(Rule="e2e-domain-events", EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])
    return url


@pytest.fixture(scope="module")
def outcomes(local_cloud, tmp_path_factory, bus_tap):
    folder = tmp_path_factory.mktemp("applications")
    samples = generate_applications(folder, 3, seed=41, tier="clean",
                                    defects=["clean", "ltv_exceeded", "name_mismatch"], captured_at=CAPTURED_AT)
    runner = DemoRunner(local_cloud, Progress(), replay=True, timeout=300, sign=False)  # signed below, by hand
    results = [runner.run(sample.folder) for sample in samples]
    return {sample.defects[0] if sample.defects else "clean": result for sample, result in zip(samples, results,
                                                                                              strict=True)}


def test_every_application_ends_with_a_decision_a_policy_version_and_reasons(outcomes):
    for outcome in outcomes.values():
        assert outcome.application_id and outcome.decision in ("approve", "review", "decline")
        assert outcome.policy_version
        assert outcome.state in ("AWAITING_SIGNATURE", "IN_REVIEW", "DECLINED")


def test_a_loan_above_the_loan_to_value_limit_is_declined_with_its_reason(outcomes):
    outcome = outcomes["ltv_exceeded"]
    assert (outcome.state, outcome.decision) == ("DECLINED", "decline")
    assert "ltv_exceeded" in outcome.reasons


def test_documents_in_another_persons_name_go_to_a_reviewer_with_the_reason(outcomes):
    outcome = outcomes["name_mismatch"]
    assert outcome.decision == "review" and "name_mismatch" in outcome.reasons


def test_a_clean_affordable_application_is_approved_straight_through_with_its_contract(outcomes, officer_api,
                                                                                          local_cloud):
    outcome = outcomes["clean"]
    assert (outcome.decision, outcome.state) == ("approve", "AWAITING_SIGNATURE"), outcome.reasons
    _assert_contract(local_cloud, outcome.application_id)


def _assert_contract(local_cloud, application_id: str) -> None:
    from loanpipe_infra.client import ApiClient

    admin = ApiClient(local_cloud.state.api_url, local_cloud.token("admin", "ops-1"))
    contract = admin.get(f"/applications/{application_id}/contract")
    pdf = requests.get(contract["url"], timeout=30).content
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == contract["sha256"]
    s3 = local_cloud.client("s3")
    bucket = local_cloud.stack.resources["ContractsBucket"]["Ref"]
    key = f"contracts/{application_id}/round-1/contract.pdf"
    stored = s3.head_object(Bucket=bucket, Key=key)
    assert stored["ObjectLockMode"] == "GOVERNANCE"
    assert stored["ObjectLockRetainUntilDate"].year >= datetime.now().year + 9


def test_a_reviewer_approves_from_the_queue_and_the_contract_follows_with_an_audit_trail(
        outcomes, local_cloud, reviewer_api):
    application_id = outcomes["name_mismatch"].application_id
    queue = reviewer_api.get("/review")["items"]
    assert application_id in [item["application_id"] for item in queue]
    reviewer_api.post(f"/review/{application_id}/claim")
    reviewer_api.post(f"/review/{application_id}/decision",
                      {"action": "approve", "note": "name differs by a typo on the certificate; HR confirmed"})
    final = wait_for(lambda: reviewer_api.get(f"/applications/{application_id}"),
                     lambda view: view["state"] == "AWAITING_SIGNATURE", timeout=120)
    assert final["decision"]["decided_by"] == "reviewer-1"
    _assert_contract(local_cloud, application_id)
    actions = [entry["action"] for entry in reviewer_api.get(f"/applications/{application_id}/audit")["entries"]]
    expected_order = ["application.created", "document.upload_requested", "document.extracted",
                      "application.validation_started", "application.validated", "decision.review", "review.claimed",
                      "review.approved", "contract.rendered"]
    positions = [actions.index(action) for action in expected_order]
    assert positions == sorted(positions), actions


def test_loanpipe_explain_prints_why_in_both_languages(outcomes, local_cloud):
    import os
    import subprocess
    import sys
    from pathlib import Path

    outcome = outcomes["ltv_exceeded"]
    loanpipe = Path(sys.executable).parent / "loanpipe"
    env = {**os.environ, "LOANPIPE_STATE_DIR": str(local_cloud.state_dir)}
    printed = subprocess.run([str(loanpipe), "explain", outcome.application_id], capture_output=True, text=True,
                             env=env, timeout=60, check=True).stdout
    assert "ltv_exceeded" in printed and "贷款价值比" in printed and outcome.policy_version in printed


def test_every_event_on_the_bus_is_its_published_model_and_every_decision_is_announced(outcomes, bus_tap,
                                                                                       local_cloud):
    # Given the events the chain published while it decided the applications above
    entries = _drain(local_cloud, bus_tap)
    # Then each is the model its detail type names, from our source
    events = [parse_event(entry["detail-type"], entry["detail"]) for entry in entries]
    assert {entry["source"] for entry in entries} == {EVENT_SOURCE}
    # ... and every machine decision was announced with the decision the application shows
    announced = {(event.application_id, event.decision) for event in events
                 if isinstance(event, ApplicationDecided) and event.by == "machine"}
    assert {(outcome.application_id, outcome.decision) for outcome in outcomes.values()} <= announced
    assert "ContractReady" in {event.detail_type for event in events}


def _drain(local_cloud, bus_tap) -> list[dict]:
    """Every bus entry the tap queue holds, as EventBridge delivered it; the queue is left empty."""
    sqs = local_cloud.client("sqs")
    entries = []
    while batch := sqs.receive_message(QueueUrl=bus_tap, MaxNumberOfMessages=10).get("Messages", []):
        entries += [json.loads(message["Body"]) for message in batch]
        sqs.delete_message_batch(QueueUrl=bus_tap, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                            for i, m in enumerate(batch)])
    return entries


def _tapped(local_cloud, bus_tap) -> list:
    return [parse_event(entry["detail-type"], entry["detail"]) for entry in _drain(local_cloud, bus_tap)]


def test_the_customer_signs_at_the_door_and_the_sealed_contract_verifies_and_is_paid_out_once(
        outcomes, local_cloud, bus_tap, tmp_path):
    from loanpipe_infra.client import ApiClient
    from loanpipe_infra.customer import sign_at_the_door

    # Given the approved application waiting for its signature, on the officer's tablet
    outcome = outcomes["clean"]
    app_id = outcome.application_id
    officer = ApiClient(local_cloud.state.api_url, local_cloud.token("field_officer", "FO-0001"))
    admin = ApiClient(local_cloud.state.api_url, local_cloud.token("admin", "ops-1"))
    record = admin.get(f"/applications/{app_id}?reveal=true")
    officer = ApiClient(local_cloud.state.api_url, local_cloud.token("field_officer", record["officer_id"]))
    applicant = {**record["applicant"], "phone": record["applicant"]["phone"]}
    # When the customer reads the contract, takes the code from their phone and signs
    signed = sign_at_the_door(officer, app_id, applicant, {"lat": 31.23, "lon": 121.47}, local_cloud.sms_outbox,
                              tmp_path)
    # Then the application is SIGNED and the sealed PDF verifies against the lender's (development) CA
    assert signed.state == "SIGNED", signed.note
    pdf = signed.contract_path.read_bytes()
    assert local_cloud.verify_contract(pdf).ok
    # ... a changed byte is detected, in words
    tampered = bytearray(pdf)
    position = len(pdf) // 3  # inside the contract as it was signed
    tampered[position] = tampered[position] ^ 0x01
    report = local_cloud.verify_contract(bytes(tampered))
    assert not report.ok and report.findings
    # ... and the bus carried one LoanContractSigned and one disbursement instruction, for the signed PDF
    events = [event for event in _tapped(local_cloud, bus_tap) if event.application_id == app_id]
    kinds = [event.detail_type for event in events]
    assert kinds.count("LoanContractSigned") == 1 and kinds.count("DisbursementInstructed") == 1
    instruction = next(event for event in events if event.detail_type == "DisbursementInstructed")
    assert instruction.signed_sha256 == hashlib.sha256(pdf).hexdigest() == signed.signed_sha256
    # ... and disbursement's own queue (a rule of the template) received that instruction and nothing else
    inbox = local_cloud.stack.resources["DisbursementQueue"]["Ref"]
    delivered = wait_for(lambda: local_cloud.client("sqs").receive_message(QueueUrl=inbox, MaxNumberOfMessages=10,
                                                                           WaitTimeSeconds=1).get("Messages", []),
                         lambda messages: bool(messages), timeout=30)
    bodies = [json.loads(message["Body"]) for message in delivered]
    assert {body["detail-type"] for body in bodies} == {"DisbursementInstructed"}
    assert [body["detail"]["instruction_id"] for body in bodies] == [instruction.instruction_id]
    actions = [entry["action"] for entry in admin.get(f"/applications/{app_id}/audit")["entries"]]
    assert actions[-4:] == ["signing.code_sent", "signing.signature_captured", "contract.signed",
                            "contract.announced"]
