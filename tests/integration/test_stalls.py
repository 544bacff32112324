"""Stage failures on the local cloud: a worker killed mid-read does not dead-letter its upload; a stage that gives
up shows on the application with its cause, in ``loanpipe ops stalled``, and clears once redriven."""

from __future__ import annotations

import json

import pytest

from integration.support import card_photo, declared, document_settled, queue_depth, wait_for, write
from integration.test_reliability import _seed_validating_application

pytestmark = pytest.mark.integration


def _extractions(api, application_id, document_id):
    entries = api.get(f"/applications/{application_id}/audit")["entries"]
    return [e for e in entries if e["document_id"] == document_id and e["action"] in
            ("document.extracted", "document.retake_requested", "document.rejected")]


def test_a_worker_killed_mid_read_does_not_dead_letter_its_upload(local_cloud, officer_api, tmp_path):
    # Given the next extract invocation will die 0.15 s into its handler (its idempotency lock then held)
    assert local_cloud.wait_idle(120)
    sqs, extract = local_cloud.client("sqs"), local_cloud.pools["ExtractFunction"]
    dead_before, errors_before = queue_depth(sqs, local_cloud.queue_url("ExtractDLQ")), extract.errors
    local_cloud.kill_once_file.unlink()
    # When an ID card photo is uploaded
    app = officer_api.create_application(declared())
    grant = officer_api.upload(app["application_id"], write(tmp_path, "id_card_front.jpg", card_photo()))
    # Then it is read once the dead invocation's lock has lapsed: settled, once, and nothing dead-lettered
    doc = document_settled(officer_api, app["application_id"], grant["document_id"], timeout=240)
    assert local_cloud.kill_once_file.exists() and extract.errors > errors_before, "the worker was not killed"
    assert doc["state"] in ("EXTRACTED", "RETAKE_REQUESTED")
    assert len(_extractions(officer_api, app["application_id"], grant["document_id"])) == 1
    assert queue_depth(sqs, local_cloud.queue_url("ExtractDLQ")) == dead_before
    view = officer_api.get(f"/applications/{app['application_id']}")
    assert view["stalled"] == [] and not view["next_step"].startswith("stalled")


def test_a_stage_that_died_shows_its_stall_until_redriven(local_cloud, officer_api, reviewer_api):
    from loanpipe_infra.ops import redrive, stalled

    # Given an application waiting for its decision whose validation message was dead-lettered (as when the
    # validate function died on every attempt: nothing could record why)
    app_id = _seed_validating_application(local_cloud)
    body = json.dumps({"schema_version": 1, "application_id": app_id, "round": 1, "kind": "validate"})
    local_cloud.client("sqs").send_message(QueueUrl=local_cloud.queue_url("ValidateDLQ"), MessageBody=body)
    # When the stall recorder runs (every minute; here at once)
    assert local_cloud.schedule("StallFunction").fire().ok
    # Then the application shows the stall and its cause, to the back office and in `ops stalled`
    view = reviewer_api.get(f"/applications/{app_id}")
    assert view["next_step"] == "stalled: validate (operations alerted)"
    assert [(s["stage"], s["cause"]) for s in view["stalled"]] == [("validate", "no_answer")]
    listed = [row for row in stalled(local_cloud.state) if row["application_id"] == app_id]
    assert [(row["stage"], row["cause"]) for row in listed] == [("validate", "no_answer")]
    # When an operator redrives the validate dead letters
    assert redrive(local_cloud.state, "validate") >= 1
    # Then the application is decided and no longer stalled; the trail keeps one stage.stalled entry
    decided = wait_for(lambda: reviewer_api.get(f"/applications/{app_id}"),
                       lambda v: v["state"] in ("IN_REVIEW", "DECLINED"), timeout=120)
    assert decided["stalled"] == [] and not decided["next_step"].startswith("stalled")
    assert not [row for row in stalled(local_cloud.state) if row["application_id"] == app_id]
    audit = reviewer_api.get(f"/applications/{app_id}/audit")["entries"]
    assert [e["detail"]["cause"] for e in audit if e["action"] == "stage.stalled"] == ["no_answer"]


def test_a_stage_that_raises_on_its_last_attempt_records_its_error(local_cloud, reviewer_api):
    from loanpipe.adapters.dynamo import DynamoApplicationRepository
    from loanpipe.domain.lifecycle import AppState

    # Given an application in SCORING whose validation report is missing (scoring raises: a platform fault)
    app_id = _seed_validating_application(local_cloud)
    repo = DynamoApplicationRepository(local_cloud.client("dynamodb"),
                                       local_cloud.stack.resources["ApplicationsTable"]["Ref"])
    record = repo.get(app_id)
    moved = record.model_copy(update={"state": AppState.SCORING, "version": record.version + 1})
    repo.save(moved, record.version, [])
    sqs = local_cloud.client("sqs")
    # When its score request fails on every attempt
    sqs.send_message(QueueUrl=local_cloud.queue_url("ScoreQueue"),
                     MessageBody=json.dumps({"schema_version": 1, "application_id": app_id, "round": 1,
                                             "kind": "score"}))
    # Then the last attempt records the error's class on the application, which shows it
    view = wait_for(lambda: reviewer_api.get(f"/applications/{app_id}"), lambda v: v["stalled"], timeout=180)
    assert [(s["stage"], s["cause"], s["error"]) for s in view["stalled"]] == [("score", "stage_error",
                                                                               "RuntimeError")]
    assert view["next_step"] == "stalled: score (operations alerted)"
