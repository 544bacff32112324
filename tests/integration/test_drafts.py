"""Drafts that end, on the local cloud: the officer cancels one through the API, and the draft sweep (the
template's scheduled DraftSweepFunction, run by the local cloud's EventBridge stand-in) expires one left open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integration.support import declared
from loanpipe.adapters.dynamo import DynamoApplicationRepository
from loanpipe.service.transitions import Change, apply_change
from loanpipe_infra.client import ApiError

pytestmark = pytest.mark.integration


def test_an_officer_cancels_a_draft_and_cannot_cancel_it_twice(officer_api):
    app_id = officer_api.create_application(declared())["application_id"]
    cancelled = officer_api.post(f"/applications/{app_id}/cancel", {"reason": "captured_in_error"})
    assert cancelled["state"] == "CANCELLED" and cancelled["closed_reason"]["code"] == "captured_in_error"
    with pytest.raises(ApiError) as again:
        officer_api.post(f"/applications/{app_id}/cancel", {"reason": "captured_in_error"})
    assert again.value.status == 409 and again.value.body["error"] == "already_cancelled"
    with pytest.raises(ApiError) as upload:
        officer_api.post(f"/applications/{app_id}/documents", {"slot": "id_card_front", "content_type": "image/jpeg"})
    assert upload.value.status == 409 and upload.value.body["error"] == "slot_closed"


def test_the_scheduled_sweep_expires_a_draft_left_open_and_the_officer_sees_it(local_cloud, officer_api):
    # Given a draft whose time ran out (its expiry moved back in the table, as if three days had passed)
    app_id = officer_api.create_application(declared())["application_id"]
    assert officer_api.get(f"/applications/{app_id}")["capture_expires_at"] is not None
    repo = DynamoApplicationRepository(local_cloud.client("dynamodb"),
                                       local_cloud.stack.resources["ApplicationsTable"]["Ref"])

    def overdue(record):
        record.capture_expires_at = datetime.now(UTC) - timedelta(minutes=1)
        return Change()

    apply_change(repo, app_id, overdue)
    # When the sweep's schedule fires (EventBridge's scheduled event, as on AWS every 15 minutes)
    [timer] = [t for t in local_cloud.schedules if t.source.name == "Every15Minutes"]
    result = timer.fire()
    # Then the draft is EXPIRED, the officer sees why, and the trail has the sweep's entry
    assert result.ok and app_id in result.result["expired"]
    view = officer_api.get(f"/applications/{app_id}")
    assert view["state"] == "EXPIRED" and view["closed_reason"]["code"] == "draft_expired"
    entries = officer_api.get(f"/applications/{app_id}/audit")["entries"]
    assert entries[-1]["action"] == "application.expired" and entries[-1]["actor"] == "system:draft-sweep"


def test_an_admin_erases_a_cancelled_draft_through_the_api_and_its_scan_is_gone(local_cloud, officer_api, tmp_path):
    from integration.support import card_photo, document_settled, write
    from loanpipe_infra.client import ApiClient

    admin = ApiClient(local_cloud.state.api_url, local_cloud.token("admin", "admin-3"))
    app_id = officer_api.create_application(declared())["application_id"]
    grant = officer_api.upload(app_id, write(tmp_path, "id_card_front.jpg", card_photo()))
    document_settled(officer_api, app_id, grant["document_id"])
    with pytest.raises(ApiError) as still_open:
        admin.post(f"/applications/{app_id}/erase", {"confirm": app_id})
    assert still_open.value.status == 409 and still_open.value.body["error"] == "not_closed"
    officer_api.post(f"/applications/{app_id}/cancel", {"reason": "customer_withdrew"})
    erased = admin.post(f"/applications/{app_id}/erase", {"confirm": app_id})
    assert erased["objects_deleted"] >= 2 and erased["by"] == "admin-3"  # the scan, its reading (and page)
    bucket = local_cloud.stack.resources["UploadsBucket"]["Ref"]
    assert not local_cloud.client("s3").list_object_versions(Bucket=bucket, Prefix=grant["key"]).get("Versions")
    view = officer_api.get(f"/applications/{app_id}")
    assert view["applicant"] is None and view["erased"]["objects_deleted"] == erased["objects_deleted"]
    assert admin.get(f"/applications/{app_id}/audit/verify")["ok"] is True


def test_a_planted_draft_is_named_to_the_back_office_only_and_stops_counting_once_cancelled(local_cloud,
                                                                                              reviewer_api):
    from integration.support import wait_for
    from loanpipe_infra.client import ApiClient

    id_number = "44030519900101123X"  # a valid number (check character X)
    planter = ApiClient(local_cloud.state.api_url, local_cloud.token("field_officer", "FO-6099"))
    victim = ApiClient(local_cloud.state.api_url, local_cloud.token("field_officer", "FO-6012"))
    # Given another officer's draft holding the customer's ID number
    planted = planter.create_application(declared("FO-6099", id_number))["application_id"]

    def decided(api: ApiClient, body: dict) -> str:
        app_id = api.create_application(body)["application_id"]
        api.post(f"/applications/{app_id}/submit", {"final": True})
        wait_for(lambda: api.get(f"/applications/{app_id}"), lambda v: v["state"] in ("IN_REVIEW", "DECLINED"))
        return app_id

    # When the customer's own application is decided
    first = decided(victim, declared("FO-6012", id_number))
    # Then the signal reaches review, the back office sees whose draft it is, the victim's officer does not
    codes = [r["code"] for r in victim.get(f"/applications/{first}/decision")["reasons"]]
    assert "concurrent_application" in codes
    assert planted in reviewer_api.get(f"/applications/{first}/decision")["explanation"]
    told = victim.get(f"/applications/{first}/decision")["explanation"]
    assert "concurrent_application" in told and planted not in told and "FO-6099" not in told
    # And once the planted draft is cancelled it counts no more
    planter.post(f"/applications/{planted}/cancel", {"reason": "captured_in_error"})
    second = decided(victim, declared("FO-6012", id_number))
    codes = [r["code"] for r in victim.get(f"/applications/{second}/decision")["reasons"]]
    assert "concurrent_application" not in codes
