"""Each stage's output parses as the next stage's input; business keys, never message ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from loanpipe.decision.decide import decide
from loanpipe.policy.model import default_policy
from loanpipe.service.messages import (
    ContractRequested,
    S3Notification,
    ScoreRequested,
    ValidateRequested,
    parse_stage_message,
)
from loanpipe.validation.report import ValidationReport
from loanpipe.validation.validate import validate
from testkit.fakes import in_memory_fraud_ports
from testkit.scenarios import build_scenario

EVENTS = Path(__file__).resolve().parents[3] / "events"


def test_the_fan_in_message_is_what_the_validate_stage_reads():
    sent = ValidateRequested(application_id="LA01ABC", round=2, trigger="final_submission").model_dump_json()
    received = parse_stage_message(sent)
    assert isinstance(received, ValidateRequested) and received.round == 2
    assert received.idempotency_key() == "LA01ABC:validate:2"


def test_validate_output_is_what_score_reads_and_score_output_is_what_contract_reads():
    score = parse_stage_message(ScoreRequested(application_id="LA01ABC", round=1).model_dump_json())
    assert isinstance(score, ScoreRequested) and score.idempotency_key() == "LA01ABC:score:1"
    contract = parse_stage_message(ContractRequested(application_id="LA01ABC", round=1,
                                                     approved_by="machine").model_dump_json())
    assert isinstance(contract, ContractRequested) and contract.approved_by == "machine"


def test_the_stored_validation_report_reads_back_for_the_score_stage():
    scenario = build_scenario("clean", 3)
    policy = default_policy()
    report = validate(scenario.case, policy, in_memory_fraud_ports())
    stored = json.loads(json.dumps(report.model_dump(mode="json")))  # through DynamoDB as JSON
    again = ValidationReport.model_validate(stored)
    assert decide(scenario.case, again, policy) == decide(scenario.case, report, policy)


def test_messages_of_an_unknown_version_or_shape_are_refused():
    with pytest.raises(ValidationError):
        parse_stage_message(json.dumps({"schema_version": 2, "application_id": "A", "round": 1, "kind": "score"}))
    with pytest.raises(ValidationError):
        parse_stage_message(json.dumps({"application_id": "A; DROP", "round": 1, "kind": "score"}))
    with pytest.raises(ValidationError):
        parse_stage_message(json.dumps({"application_id": "A", "round": 0, "kind": "validate"}))


def test_s3_notifications_give_the_upload_business_key_with_the_key_decoded():
    body = json.loads(json.loads((EVENTS / "extract_upload.json").read_text())["Records"][0]["body"])
    body["Records"][0]["s3"]["object"]["key"] = "uploads/LA1/D1/bank+statement%281%29.pdf"
    record = S3Notification.model_validate(body).Records[0]
    assert record.key == "uploads/LA1/D1/bank statement(1).pdf"
    assert record.idempotency_key() == ("loanpipe-dev-uploads-123456789012/uploads/LA1/D1/bank statement(1).pdf"
                                        "@9b2cf535f27731c974343645a3985328")


def test_the_s3_test_event_is_recognised():
    test_event = json.loads(json.loads((EVENTS / "extract_upload.json").read_text())["Records"][1]["body"])
    assert S3Notification.model_validate(test_event).is_test_event
