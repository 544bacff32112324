"""Fraud signals across applications on the local cloud: a reused picture flags both applications."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from integration.support import wait_for
from loanpipe_infra.demo import DemoRunner, Progress
from testkit.samples import generate_applications

pytestmark = pytest.mark.e2e


def test_a_picture_reused_in_a_later_application_flags_both_whichever_was_decided_first(
        local_cloud, reviewer_api, tmp_path):
    # Given two applications where the second carries the first one's ID card back (a reused photo)
    first, second = generate_applications(tmp_path, 2, seed=77, tier="clean", defects=["clean", "duplicate_image"],
                                          captured_at=datetime(2026, 11, 21, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert second.defects == ["duplicate_image"]
    runner = DemoRunner(local_cloud, Progress(), replay=True, timeout=300, sign=False)  # before any signature
    # When the first is decided before the second arrives, then the second is decided
    earlier = runner.run(first.folder)
    later = runner.run(second.folder)
    # Then the later one goes to a reviewer with duplicate_image ...
    assert later.decision == "review" and "duplicate_image" in later.reasons, later.reasons
    # ... and the earlier one, whatever it was decided, is flagged too and held for a human unless declined
    view = wait_for(lambda: reviewer_api.get(f"/applications/{earlier.application_id}"),
                    lambda v: "duplicate_image" in [f["code"] for f in v["flags"]], timeout=60)
    assert view["state"] in ("IN_REVIEW", "DECLINED")
    if earlier.state == "AWAITING_SIGNATURE":  # it had been approved: pulled back before the customer signs
        actions = [e["action"] for e in reviewer_api.get(f"/applications/{earlier.application_id}/audit")["entries"]]
        assert actions[-1] == "fraud.pulled_back"
