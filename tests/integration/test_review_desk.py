"""The review desk on the local cloud (real DynamoDB conditional writes, the HTTP API behind its Cognito JWT
authorizer): leases that lapse, a double claim, four eyes, separation of duties, and an audit trail whose
tampering in the table is caught by ``loanpipe audit verify``."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from integration.support import declared, wait_for
from loanpipe.adapters.dynamo import DynamoApplicationRepository
from loanpipe.domain.application import DeclaredApplication
from loanpipe.domain.audit import AuditEntry
from loanpipe.domain.lifecycle import AppState
from loanpipe.domain.records import ApplicationRecord, RecordedDecision, ReviewState, new_id
from loanpipe_infra import cli
from loanpipe_infra.client import ApiClient, ApiError

pytestmark = pytest.mark.integration
NOTE = {"note": "every document checked against the declaration"}


def _table(local_cloud) -> str:
    return local_cloud.stack.resources["ApplicationsTable"]["Ref"]


def _in_review(local_cloud, *, amount: str = "120000.00", officer: str = "FO-0012") -> str:
    """An application waiting in the review queue, as the score stage leaves one (written to the table)."""
    repo = DynamoApplicationRepository(local_cloud.client("dynamodb"), _table(local_cloud))
    now = datetime.now(UTC)
    body = declared(officer=officer)
    body["loan"]["amount"] = amount
    record = ApplicationRecord(application_id=new_id("LA"), state=AppState.IN_REVIEW, officer_id=officer,
                               created_at=now, updated_at=now, submitted_at=now,
                               declared=DeclaredApplication.model_validate(body),
                               decision=RecordedDecision(decision="review", reasons=["low_confidence"], score=590,
                                                         decided_at=now),
                               review=ReviewState(queued_at=now, reasons=["low_confidence"]))
    repo.create(record, AuditEntry(at=now, actor="system:score", action="decision.review", to_state="IN_REVIEW"))
    return record.application_id


def _api(local_cloud, role: str, user: str) -> ApiClient:
    return ApiClient(local_cloud.state.api_url, local_cloud.token(role, user))


def _refused(call) -> ApiError:
    with pytest.raises(ApiError) as refused:
        call()
    return refused.value


def _edit_item(local_cloud, key: dict, edit) -> None:
    """Change an item's JSON body in the table directly (what someone with table access could do)."""
    db = local_cloud.client("dynamodb")
    item = db.get_item(TableName=_table(local_cloud), Key=key, ConsistentRead=True)["Item"]
    body = json.loads(item["body"]["S"])
    edit(body)
    db.update_item(TableName=_table(local_cloud), Key=key, UpdateExpression="SET body = :b",
                   ExpressionAttributeValues={":b": {"S": json.dumps(body, ensure_ascii=False)}})


def test_a_lapsed_lease_goes_to_the_next_reviewer_and_a_live_one_is_a_409(local_cloud, reviewer_api):
    app_id = _in_review(local_cloud)
    other = _api(local_cloud, "reviewer", "reviewer-2")
    # Given reviewer-1 claimed the application
    assert reviewer_api.post(f"/review/{app_id}/claim")["review"]["claimed_by"] == "reviewer-1"
    # When reviewer-2 claims it while the lease runs: 409 claimed
    refused = _refused(lambda: other.post(f"/review/{app_id}/claim"))
    assert (refused.status, refused.body["error"]) == (409, "claimed")
    # When the lease lapses (the claim is 31 minutes old)
    def lapse(body: dict) -> None:
        body["review"]["claimed_at"] = (datetime.now(UTC) - timedelta(minutes=31)).isoformat()

    _edit_item(local_cloud, {"pk": {"S": f"APP#{app_id}"}, "sk": {"S": "APP"}}, lapse)
    # Then reviewer-2 gets it, and reviewer-1 can no longer decide
    assert other.post(f"/review/{app_id}/claim")["review"]["claimed_by"] == "reviewer-2"
    refused = _refused(lambda: reviewer_api.post(f"/review/{app_id}/decision", {"action": "approve", **NOTE}))
    assert (refused.status, refused.body["error"]) == (409, "not_claimed")


def test_two_reviewers_claiming_at_once_get_one_claim_and_a_409(local_cloud):
    app_id = _in_review(local_cloud)
    reviewers = [_api(local_cloud, "reviewer", "reviewer-3"), _api(local_cloud, "reviewer", "reviewer-4")]

    def claim(api: ApiClient) -> str | int:
        try:
            return api.post(f"/review/{app_id}/claim")["review"]["claimed_by"]
        except ApiError as exc:
            return exc.status

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(claim, reviewers))
    holders = [outcome for outcome in outcomes if outcome != 409]
    assert outcomes.count(409) == 1 and len(holders) == 1 and holders[0] in ("reviewer-3", "reviewer-4")
    holder = holders[0]
    assert reviewers[0].get(f"/applications/{app_id}")["review"]["claimed_by"] == holder


def test_above_the_four_eyes_amount_two_different_reviewers_approve_and_the_contract_follows(
        local_cloud, reviewer_api):
    app_id = _in_review(local_cloud, amount="250000.00")
    second = _api(local_cloud, "reviewer", "reviewer-5")
    reviewer_api.post(f"/review/{app_id}/claim")
    first_approval = reviewer_api.post(f"/review/{app_id}/decision", {"action": "approve", **NOTE})
    assert first_approval["state"] == "IN_REVIEW" and first_approval["review"]["first_approved_by"] == "reviewer-1"
    queued = next(i for i in reviewer_api.get("/review", limit="200")["items"] if i["application_id"] == app_id)
    assert (queued["first_approved_by"], queued["claimed_by"]) == ("reviewer-1", None)
    reviewer_api.post(f"/review/{app_id}/claim")
    refused = _refused(lambda: reviewer_api.post(f"/review/{app_id}/decision", {"action": "approve", **NOTE}))
    assert (refused.status, refused.body["error"]) == (409, "second_reviewer")
    reviewer_api.post(f"/review/{app_id}/release")
    second.post(f"/review/{app_id}/claim")
    approved = second.post(f"/review/{app_id}/decision", {"action": "approve", **NOTE})
    assert approved["state"] == "APPROVED" and approved["decision"]["decided_by"] == "reviewer-5"
    waiting = wait_for(lambda: second.get(f"/applications/{app_id}"),
                       lambda view: view["state"] == "AWAITING_SIGNATURE", timeout=120)
    assert waiting["contract"]["sha256"]


def test_the_officer_who_captured_an_application_cannot_review_it(local_cloud):
    app_id = _in_review(local_cloud, officer="FO-0031")
    local_cloud.token("field_officer", "FO-0031")
    both = _api(local_cloud, "reviewer", "FO-0031")  # an officer also in the reviewer group
    refused = _refused(lambda: both.post(f"/review/{app_id}/claim"))
    assert (refused.status, refused.body["error"]) == (403, "forbidden")


def _verify(local_cloud, app_id: str, monkeypatch, capsys) -> tuple[int, dict]:
    monkeypatch.setenv("LOANPIPE_STATE_DIR", str(local_cloud.state_dir))
    code = cli.main(["audit", "verify", app_id, "--json"])
    return code, json.loads(capsys.readouterr().out)


def _audited(local_cloud, reviewer_api) -> str:
    """An application with five audit entries: queued, claimed, released, claimed, released."""
    app_id = _in_review(local_cloud)
    for _ in range(2):
        reviewer_api.post(f"/review/{app_id}/claim")
        reviewer_api.post(f"/review/{app_id}/release")
    return app_id


def _entry_key(app_id: str, seq: int) -> dict:
    return {"pk": {"S": f"APP#{app_id}"}, "sk": {"S": f"AUDIT#{seq:010d}"}}


def test_audit_verify_catches_an_edited_entry_in_the_table_and_names_it(local_cloud, reviewer_api, monkeypatch,
                                                                         capsys):
    app_id = _audited(local_cloud, reviewer_api)
    code, report = _verify(local_cloud, app_id, monkeypatch, capsys)
    assert (code, report["ok"], report["entries"], report["problems"]) == (0, True, 5, [])
    # When someone rewrites who claimed it in entry 2
    _edit_item(local_cloud, _entry_key(app_id, 2), lambda body: body.update(actor="reviewer-9"))
    code, report = _verify(local_cloud, app_id, monkeypatch, capsys)
    assert code == 1 and [(p["seq"], p["what"]) for p in report["problems"]] == [(2, "edited")]


def test_audit_verify_catches_a_removed_entry(local_cloud, reviewer_api, monkeypatch, capsys):
    app_id = _audited(local_cloud, reviewer_api)
    local_cloud.client("dynamodb").delete_item(TableName=_table(local_cloud), Key=_entry_key(app_id, 3))
    code, report = _verify(local_cloud, app_id, monkeypatch, capsys)
    assert code == 1 and [(p["seq"], p["what"]) for p in report["problems"]] == [(3, "removed")]


def test_audit_verify_catches_reordered_entries(local_cloud, reviewer_api, monkeypatch, capsys):
    app_id = _audited(local_cloud, reviewer_api)
    db = local_cloud.client("dynamodb")
    bodies = {seq: db.get_item(TableName=_table(local_cloud), Key=_entry_key(app_id, seq))["Item"]["body"]
              for seq in (2, 3)}
    for seq, other in ((2, 3), (3, 2)):  # entries 2 and 3 swap places
        db.update_item(TableName=_table(local_cloud), Key=_entry_key(app_id, seq), UpdateExpression="SET body = :b",
                       ExpressionAttributeValues={":b": bodies[other]})
    code, report = _verify(local_cloud, app_id, monkeypatch, capsys)
    assert code == 1 and {p["what"] for p in report["problems"]} == {"reordered"}
    assert {p["seq"] for p in report["problems"]} == {2, 3}
    # And the admins' API route says the same
    admin = _api(local_cloud, "admin", "admin-1")
    assert admin.get(f"/applications/{app_id}/audit/verify")["problems"] == report["problems"]
