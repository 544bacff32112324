"""The review desk through the API function: the queue in priority order with its figures, claims as leases,
release and reassignment, four eyes above the policy amount, the officer never reviewing their own capture, and a
retake request that tells the officer why."""

from __future__ import annotations

import json

from api.desk import OFFICER, in_review, lapse_lease, staff
from loanpipe.domain.documents import DocType, FieldValue

NOTE = {"note": "checked against the images"}


def _approve(user, app_id: str) -> tuple[int, dict]:
    return user.post(f"/review/{app_id}/decision", {"action": "approve", **NOTE})


def test_the_queue_is_ordered_by_age_against_the_sla_then_amount_then_risk(call, fakes):
    # Given three applications in review: one waiting 100 of its 120 minutes, and two waiting 10 minutes,
    # one of them for a larger loan, the other for a fraud signal
    old = in_review(fakes.repo, waited_minutes=100)
    large = in_review(fakes.repo, amount="190000.00", waited_minutes=10)
    risky = in_review(fakes.repo, reasons=("duplicate_image",), waited_minutes=10)
    overdue = in_review(fakes.repo, waited_minutes=150)
    # When a reviewer reads the queue
    status, queue = staff(call, "r1", "reviewer").get("/review")
    # Then the overdue item comes first, then the one near its SLA, then the larger loan, then the risky one
    assert status == 200
    assert [item["application_id"] for item in queue["items"]] == [overdue, old, large, risky]
    first = queue["items"][0]
    assert first["overdue"] is True and first["sla_seconds"] == 7200 and first["waited_seconds"] >= 150 * 60 - 5
    assert first["reasons"] == [{"code": "low_confidence", "zh": "关键信息识别置信度低",
                                 "en": "A decisive field was read with low confidence"}]
    assert (first["amount"], first["officer_id"], first["claimed_by"], first["lease_until"]) == \
        ("120000.00", OFFICER, None, None)
    # And the header figures count the whole queue
    assert queue["stats"]["depth"] == 4 and queue["stats"]["sla_breaches"] == 1
    assert 150 * 60 - 5 <= queue["stats"]["oldest_seconds"] <= 150 * 60 + 5


def test_the_queue_is_paged_in_priority_order(call, fakes):
    ids = [in_review(fakes.repo, waited_minutes=minutes) for minutes in (50, 40, 30)]
    reviewer = staff(call, "r1", "reviewer")
    _, first = reviewer.get("/review", limit="2")
    _, rest = reviewer.get("/review", limit="2", cursor=first["cursor"])
    assert [i["application_id"] for i in first["items"] + rest["items"]] == ids and rest["cursor"] is None


def test_a_claim_is_a_lease_another_reviewer_gets_once_it_lapses(call, fakes):
    app_id = in_review(fakes.repo)
    first, second = staff(call, "r1", "reviewer"), staff(call, "r2", "reviewer")
    # Given r1 claimed the application
    status, view = first.post(f"/review/{app_id}/claim")
    assert status == 200 and view["review"]["claimed_by"] == "r1" and view["review"]["lease_until"]
    # When r2 claims it while the lease runs: 409 claimed
    status, body = second.post(f"/review/{app_id}/claim")
    assert (status, body["error"]) == (409, "claimed")
    # And once the lease lapsed, r2 gets it, and the queue shows who holds it
    lapse_lease(fakes.repo, app_id)
    _, queue = first.get("/review")
    assert queue["items"][0]["claimed_by"] is None
    status, view = second.post(f"/review/{app_id}/claim")
    assert status == 200 and view["review"]["claimed_by"] == "r2"
    _, queue = first.get("/review")
    assert queue["items"][0]["claimed_by"] == "r2"
    # And the take-over is in the audit trail; r1 can no longer decide
    taken = [e for e in fakes.repo.audit_trail(app_id) if e.action == "review.claimed"][-1]
    assert (taken.actor, taken.detail["taken_over_from"]) == ("r2", "r1")
    status, body = _approve(first, app_id)
    assert (status, body["error"]) == (409, "not_claimed")


def test_the_holder_releases_a_claim_and_nobody_else_can(call, fakes):
    app_id = in_review(fakes.repo)
    holder, other = staff(call, "r1", "reviewer"), staff(call, "r2", "reviewer")
    holder.post(f"/review/{app_id}/claim")
    status, body = other.post(f"/review/{app_id}/release")
    assert (status, body["error"]) == (409, "not_claimed")
    status, view = holder.post(f"/review/{app_id}/release")
    assert status == 200 and view["review"]["claimed_by"] is None
    assert other.post(f"/review/{app_id}/claim")[0] == 200


def test_an_admin_reassigns_a_claim_but_never_to_the_officer_who_captured_it(call, fakes):
    app_id = in_review(fakes.repo)
    staff(call, "r1", "reviewer").post(f"/review/{app_id}/claim")
    admin, reviewer = staff(call, "admin-1", "admin"), staff(call, "r2", "reviewer")
    assert reviewer.post(f"/review/{app_id}/reassign", {"to": "r2"})[0] == 403
    status, body = admin.post(f"/review/{app_id}/reassign", {"to": OFFICER})
    assert (status, body["error"]) == (409, "captured_by_assignee")
    status, view = admin.post(f"/review/{app_id}/reassign", {"to": "r2", "note": "r1 is on leave"})
    assert status == 200 and view["review"]["claimed_by"] == "r2"
    entry = fakes.repo.audit_trail(app_id)[-1]
    assert (entry.action, entry.actor, entry.detail["from"], entry.detail["to"]) == \
        ("review.reassigned", "admin-1", "r1", "r2")
    assert _approve(reviewer, app_id)[0] == 200


def test_above_the_four_eyes_amount_a_second_different_reviewer_approves(call, fakes):
    # Given an application for 250,000 (the default policy asks for four eyes above 200,000)
    app_id = in_review(fakes.repo, amount="250000.00")
    first, second = staff(call, "r1", "reviewer"), staff(call, "r2", "reviewer")
    # When r1 claims and approves it
    first.post(f"/review/{app_id}/claim")
    status, view = _approve(first, app_id)
    # Then it stays in review with r1's approval recorded, back in the queue, and no contract is asked for
    assert status == 200 and view["state"] == "IN_REVIEW"
    assert view["review"]["first_approved_by"] == "r1" and view["review"]["claimed_by"] is None
    assert not [url for url, _ in fakes.queue.sent if url == "contract-q"]
    _, queue = second.get("/review")
    assert queue["items"][0]["first_approved_by"] == "r1"
    # And r1 cannot be the second approver
    first.post(f"/review/{app_id}/claim")
    status, body = _approve(first, app_id)
    assert (status, body["error"]) == (409, "second_reviewer")
    first.post(f"/review/{app_id}/release")
    # When r2 claims and approves it, the application is approved and the contract is asked for
    second.post(f"/review/{app_id}/claim")
    status, view = _approve(second, app_id)
    assert status == 200 and view["state"] == "APPROVED" and view["decision"]["decided_by"] == "r2"
    assert [json.loads(body)["approved_by"] for url, body in fakes.queue.sent if url == "contract-q"] == ["r2"]
    approved = fakes.repo.audit_trail(app_id)[-1]
    assert (approved.action, approved.detail["first_approved_by"]) == ("review.approved", "r1")


def test_at_or_below_the_four_eyes_amount_one_approval_decides(call, fakes):
    app_id = in_review(fakes.repo, amount="200000.00")
    reviewer = staff(call, "r1", "reviewer")
    reviewer.post(f"/review/{app_id}/claim")
    status, view = _approve(reviewer, app_id)
    assert status == 200 and view["state"] == "APPROVED"


def test_a_correction_after_the_first_approval_voids_it(call, fakes):
    from api.desk import add_document

    app_id = in_review(fakes.repo, amount="250000.00")
    doc = add_document(fakes, app_id, DocType.ID_CARD_FRONT, {"name": FieldValue(value="张伟", confidence=0.7)})
    first, second = staff(call, "r1", "reviewer"), staff(call, "r2", "reviewer")
    first.post(f"/review/{app_id}/claim")
    _approve(first, app_id)
    second.post(f"/review/{app_id}/claim")
    status, view = second.send("PATCH", f"/applications/{app_id}/documents/{doc}", {"fields": {"name": "张玮"}})
    assert status == 200 and view["review"]["first_approved_by"] is None
    status, view = _approve(second, app_id)
    assert view["state"] == "IN_REVIEW" and view["review"]["first_approved_by"] == "r2"


def test_the_officer_who_captured_an_application_never_reviews_it(call, fakes):
    # Given an application captured by FO-0012, who is also in the reviewer group
    app_id = in_review(fakes.repo)
    both = staff(call, OFFICER, "field_officer", "reviewer")
    # When they try to claim it: 403, and nothing was written
    status, body = both.post(f"/review/{app_id}/claim")
    assert (status, body["error"]) == (403, "forbidden")
    assert fakes.repo.get(app_id).review.claimed_by is None


def test_a_retake_request_tells_the_officer_why_with_numbers_masked(call, fakes, ):
    from api.desk import add_document

    app_id = in_review(fakes.repo)
    doc = add_document(fakes, app_id, DocType.BANK_STATEMENT, {})
    reviewer = staff(call, "r1", "reviewer")
    reviewer.post(f"/review/{app_id}/claim")
    message = "流水第2页被手指挡住，请重新拍摄账号6222021234567890123那一页"
    status, view = reviewer.post(f"/review/{app_id}/decision", {
        "action": "request_retake", "documents": [doc], "note": "page 2 covered", "message": message})
    assert status == 200 and view["state"] == "SUBMITTED"
    [(detail_type, detail)] = [e for e in fakes.events.published if e[0] == "DocumentRetakeRequested"]
    assert detail["message"] == "流水第2页被手指挡住，请重新拍摄账号6222***********0123那一页"
    status, own = staff(call, OFFICER, "field_officer").get(f"/applications/{app_id}")
    assert [d["message"] for d in own["documents"]] == [detail["message"]]


def test_a_retake_message_longer_than_500_characters_is_refused(call, fakes):
    app_id = in_review(fakes.repo)
    reviewer = staff(call, "r1", "reviewer")
    reviewer.post(f"/review/{app_id}/claim")
    status, body = reviewer.post(f"/review/{app_id}/decision",
                                 {"action": "request_retake", "documents": ["D1"], "message": "请" * 501})
    assert (status, body["error"]) == (422, "invalid_request")


def test_reading_the_queue_puts_its_figures_out_as_metrics(call, fakes):
    from loanpipe.entry.backoffice import metrics

    in_review(fakes.repo, waited_minutes=130)
    in_review(fakes.repo, waited_minutes=5)
    metrics.clear_metrics()
    staff(call, "r1", "reviewer").get("/review")
    emitted = {name: (entry["Unit"], entry["Value"]) for name, entry in metrics.metric_set.items()}
    assert emitted["ReviewQueueDepth"] == ("Count", [2.0])
    assert emitted["ReviewSlaBreaches"] == ("Count", [1.0])
    assert emitted["ReviewQueueOldestSeconds"][0] == "Seconds" and emitted["ReviewQueueOldestSeconds"][1][0] >= 7795
