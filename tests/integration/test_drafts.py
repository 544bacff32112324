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
