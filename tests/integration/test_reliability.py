"""Reliability on the local cloud: exactly-once effects, duplicates, poison messages, bad uploads."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests

from integration.support import (
    card_photo,
    dead_letter_bodies,
    declared,
    document_settled,
    queue_depth,
    wait_for,
    write,
)
from loanpipe.adapters.dynamo import DynamoApplicationRepository
from loanpipe.domain.application import DeclaredApplication
from loanpipe.domain.audit import AuditEntry
from loanpipe.domain.lifecycle import AppState
from loanpipe.domain.records import ApplicationRecord, new_id
from loanpipe_infra.client import ApiError

pytestmark = pytest.mark.integration


def _audit(api, application_id):
    return api.get(f"/applications/{application_id}/audit")["entries"]


def _extractions(entries, document_id):
    return [e for e in entries if e["document_id"] == document_id and e["action"] in
            ("document.extracted", "document.retake_requested", "document.rejected")]


def test_one_upload_gives_exactly_one_extraction(local_cloud, officer_api, tmp_path):
    app = officer_api.create_application(declared())
    grant = officer_api.upload(app["application_id"], write(tmp_path, "id_card_front.jpg", card_photo()))
    doc = document_settled(officer_api, app["application_id"], grant["document_id"])
    assert doc["state"] in ("EXTRACTED", "RETAKE_REQUESTED")
    local_cloud.wait_idle(60)
    assert len(_extractions(_audit(officer_api, app["application_id"]), grant["document_id"])) == 1


def test_the_same_s3_event_delivered_twice_gives_one_result(local_cloud, officer_api, tmp_path):
    app = officer_api.create_application(declared())
    grant = officer_api.upload(app["application_id"], write(tmp_path, "id_card_front.jpg", card_photo()))
    first = document_settled(officer_api, app["application_id"], grant["document_id"])
    s3 = local_cloud.client("s3")
    bucket = local_cloud.stack.resources["UploadsBucket"]["Ref"]
    head = s3.head_object(Bucket=bucket, Key=grant["key"])
    event = {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Post",
                          "s3": {"bucket": {"name": bucket}, "object": {
                              "key": grant["key"], "size": head["ContentLength"], "eTag": head["ETag"].strip('"')}}}]}
    sqs = local_cloud.client("sqs")
    for _ in range(2):
        sqs.send_message(QueueUrl=local_cloud.queue_url("ExtractQueue"), MessageBody=json.dumps(event))
    assert local_cloud.wait_idle(90)
    view = officer_api.get(f"/applications/{app['application_id']}")
    again = next(d for d in view["documents"] if d["document_id"] == grant["document_id"])
    assert again["state"] == first["state"] and again["fields"] == first["fields"]
    assert len(_extractions(_audit(officer_api, app["application_id"]), grant["document_id"])) == 1


def _seed_validating_application(local_cloud) -> str:
    """An application whose capture is complete as far as the state machine knows (no documents)."""
    repo = DynamoApplicationRepository(local_cloud.client("dynamodb"),
                                       local_cloud.stack.resources["ApplicationsTable"]["Ref"])
    now = datetime.now(UTC)
    record = ApplicationRecord(application_id=new_id("LA"), state=AppState.VALIDATING, officer_id="FO-0012",
                               created_at=now, updated_at=now, submitted_at=now, final_submission=True,
                               declared=DeclaredApplication.model_validate(declared()))
    repo.create(record, AuditEntry(at=now, actor="test", action="application.seeded"))
    return record.application_id


def test_a_poison_message_reaches_the_dlq_after_max_receive_count_and_the_rest_of_its_batch_is_processed(
        local_cloud, reviewer_api):
    sqs = local_cloud.client("sqs")
    app_id = _seed_validating_application(local_cloud)
    valid = json.dumps({"schema_version": 1, "application_id": app_id, "round": 1, "kind": "validate"})
    poison = "{this is not a validation request"
    sqs.send_message_batch(QueueUrl=local_cloud.queue_url("ValidateQueue"), Entries=[
        {"Id": "poison", "MessageBody": poison}, {"Id": "valid", "MessageBody": valid}])
    decided = wait_for(lambda: reviewer_api.get(f"/applications/{app_id}"),
                       lambda v: v["state"] in ("IN_REVIEW", "DECLINED"), timeout=120)
    assert "document_missing" in [r["code"] for r in decided["decision"]["reasons"]]
    dlq = local_cloud.queue_url("ValidateDLQ")
    wait_for(lambda: queue_depth(sqs, dlq), lambda depth: depth == 1, timeout=120)
    assert dead_letter_bodies(sqs, dlq) == [poison]
    assert queue_depth(sqs, local_cloud.queue_url("ValidateQueue")) == 0


def test_a_malformed_upload_event_goes_to_the_dead_letter_queue_without_stopping_extraction(
        local_cloud, officer_api, tmp_path):
    sqs = local_cloud.client("sqs")
    sqs.send_message(QueueUrl=local_cloud.queue_url("ExtractQueue"), MessageBody='{"Records": "nonsense"}')
    app = officer_api.create_application(declared())
    grant = officer_api.upload(app["application_id"], write(tmp_path, "id_card_front.jpg", card_photo()))
    assert document_settled(officer_api, app["application_id"], grant["document_id"])["state"] != "EXTRACTING"
    dlq = local_cloud.queue_url("ExtractDLQ")
    wait_for(lambda: dead_letter_bodies(sqs, dlq), lambda bodies: '{"Records": "nonsense"}' in bodies, timeout=120)


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("id_card_front.jpg", b"", "empty_file"),
    ("id_card_front.jpg", b"%PDF-1.7\n" + b"0" * 2000, "type_mismatch"),
    ("id_card_front.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "corrupt_file"),
])
def test_unusable_uploads_end_as_rejected_input_with_a_reason(local_cloud, officer_api, tmp_path, name, content,
                                                              reason):
    app = officer_api.create_application(declared())
    grant = officer_api.upload(app["application_id"], write(tmp_path, name, content))
    doc = document_settled(officer_api, app["application_id"], grant["document_id"])
    assert doc["state"] == "REJECTED_INPUT"
    assert [r["code"] for r in doc["reasons"]] == [reason]
    assert doc["reasons"][0]["zh"] and doc["reasons"][0]["en"]


def test_an_oversize_upload_is_rejected_although_the_local_s3_does_not_enforce_the_post_condition(
        local_cloud, officer_api, tmp_path):
    from loanpipe.extraction.sniff import MAX_FILE_BYTES

    app = officer_api.create_application(declared())
    big = card_photo() + b"\x00" * (MAX_FILE_BYTES + 1)
    grant = officer_api.upload(app["application_id"], write(tmp_path, "id_card_front.jpg", big))
    doc = document_settled(officer_api, app["application_id"], grant["document_id"])
    assert doc["state"] == "REJECTED_INPUT" and [r["code"] for r in doc["reasons"]] == ["file_too_large"]


def test_objects_outside_an_applications_prefix_are_ignored_and_nothing_is_lost(local_cloud):
    s3, sqs = local_cloud.client("s3"), local_cloud.client("sqs")
    bucket = local_cloud.stack.resources["UploadsBucket"]["Ref"]
    s3.put_object(Bucket=bucket, Key="uploads/stray.jpg", Body=card_photo())
    s3.put_object(Bucket=bucket, Key="uploads/LA0NOTANAPPLICATION00000/D0NOTADOCUMENT/id_card_front.jpg",
                  Body=card_photo())
    assert local_cloud.wait_idle(60)
    assert "uploads/stray.jpg" not in " ".join(dead_letter_bodies(sqs, local_cloud.queue_url("ExtractDLQ")))


def test_an_upload_slot_for_an_unknown_application_is_refused(officer_api):
    with pytest.raises(ApiError) as refused:
        officer_api.post("/applications/LA0000000000NOTHERE000000/documents",
                         {"slot": "id_card_front", "content_type": "image/jpeg"})
    assert refused.value.status == 404


def test_another_officer_cannot_see_or_upload_to_an_application(local_cloud, officer_api):
    from loanpipe_infra.client import ApiClient

    app = officer_api.create_application(declared())
    intruder = ApiClient(local_cloud.state.api_url, local_cloud.token("field_officer", "FO-0666"))
    for call in (lambda: intruder.get(f"/applications/{app['application_id']}"),
                 lambda: intruder.post(f"/applications/{app['application_id']}/documents",
                                       {"slot": "id_card_front", "content_type": "image/jpeg"})):
        with pytest.raises(ApiError) as refused:
            call()
        assert refused.value.status == 403


def test_presigned_posts_carry_the_size_type_and_key_conditions(officer_api):
    app = officer_api.create_application(declared())
    grant = officer_api.post(f"/applications/{app['application_id']}/documents",
                             {"slot": "bank_statement", "content_type": "application/pdf"})
    import base64

    policy = json.loads(base64.b64decode(grant["upload"]["fields"]["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1, grant["max_bytes"]] in conditions
    assert {"Content-Type": "application/pdf"} in conditions and {"key": grant["key"]} in conditions
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert 14 * 60 <= (expires - datetime.now(UTC)).total_seconds() <= 15 * 60
    assert requests.head(grant["upload"]["url"], timeout=10).status_code < 500


def test_operators_see_dead_letters_and_redrive_them_once_the_cause_is_fixed(local_cloud):
    from loanpipe_infra.ops import queue_depths, redrive

    sqs = local_cloud.client("sqs")
    sqs.send_message(QueueUrl=local_cloud.queue_url("ContractQueue"), MessageBody="not a contract request")
    dlq = local_cloud.queue_url("ContractDLQ")
    wait_for(lambda: queue_depth(sqs, dlq), lambda depth: depth >= 1, timeout=120)
    depths = {row["queue"]: row for row in queue_depths(local_cloud.state)}
    assert depths["contract"]["dead_letters"] >= 1 and set(depths) == {"extract", "validate", "score", "contract"}
    moved = redrive(local_cloud.state, "contract")
    assert moved >= 1 and queue_depth(sqs, dlq) == 0
    # still malformed: it fails again and comes back to the dead-letter queue, nothing is lost
    wait_for(lambda: queue_depth(sqs, dlq), lambda depth: depth >= 1, timeout=120)
