"""Stage outcomes are metric names and log values: they keep their spelling."""

from __future__ import annotations

import json

from loanpipe.service.extraction import UploadOutcome
from loanpipe.service.outcomes import ContractOutcome, ExtractOutcome, ScoreOutcome, ValidateOutcome


def test_the_outcome_values_the_dashboards_count_are_unchanged():
    assert {o.value for o in ExtractOutcome} == {"extracted", "retake_requested", "rejected_input", "ignored",
                                                 "duplicate", "superseded", "refused"}
    assert {o.value for o in ValidateOutcome} == {"validated", "resent", "stale", "superseded",
                                                  "unknown_application"}
    assert {o.value for o in ScoreOutcome} == {"approve", "review", "decline", "resent", "stale", "superseded",
                                               "unknown_application"}
    assert {o.value for o in ContractOutcome} == {"rendered", "duplicate", "not_approved", "stale", "superseded",
                                                  "unknown_application"}


def test_an_upload_outcome_is_logged_and_stored_as_plain_json():
    # Given the extract stage's outcome, When the runner keeps it (idempotency record) and counts it
    outcome = UploadOutcome(ExtractOutcome.RETAKE_REQUESTED, "LA1", "D1", ["blurry"]).as_dict()
    # Then it is plain JSON with the outcome's value, and the metric name reads as before
    assert json.loads(json.dumps(outcome)) == {"outcome": "retake_requested", "application_id": "LA1",
                                               "document_id": "D1", "reasons": ["blurry"]}
    assert type(outcome["outcome"]) is str and f"Upload_{outcome['outcome']}" == "Upload_retake_requested"
    assert f"Decision_{ScoreOutcome.APPROVE}" == "Decision_approve"
