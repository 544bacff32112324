"""The console's browser tests: one headless Chromium for the module, the local cloud of the session, and
three applications sent to review through the whole chain (generated documents, real OCR, the API)."""

from __future__ import annotations

import json
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from loanpipe_infra.demo import DemoRunner, Progress
from testkit.console import launch_chromium
from testkit.samples import generate_applications

# Above the default policy's four-eyes amount (review.four_eyes_above: 200000.00), and affordable for the
# sample's applicant (certified 16000 a month: about 4060 a month over 60 months, LTV 0.70).
FOUR_EYES_LOAN = {"amount": "210000.00", "term_months": 60, "vehicle_price": "300000.00", "vehicle_type": "new"}


@dataclass
class ReviewItems:
    correct: str  # to correct a field of and approve
    four_eyes: str  # above the four-eyes amount
    retake: str  # to send back to the officer
    officers: dict[str, str]  # application -> the officer who captured it


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def review_items(local_cloud, tmp_path_factory) -> ReviewItems:
    """Three applications in another person's name (name_mismatch: a reviewer decides), one above the limit,
    captured live (now) by plain field officers, as the demo sends them."""
    folder = tmp_path_factory.mktemp("console-applications")
    captured_at = datetime.now(ZoneInfo("Asia/Shanghai")).replace(microsecond=0)
    samples = generate_applications(folder, 3, seed=61, tier="clean", defects=["name_mismatch"],
                                    captured_at=captured_at)
    declared = json.loads((samples[2].folder / "application.json").read_text(encoding="utf-8"))
    declared["loan"].update(FOUR_EYES_LOAN)
    (samples[2].folder / "application.json").write_text(json.dumps(declared, ensure_ascii=False), encoding="utf-8")
    runner = DemoRunner(local_cloud, Progress(), replay=False, timeout=600, sign=False)
    with ThreadPoolExecutor(max_workers=2) as pool:  # the extract function runs two at a time anyway
        outcomes = list(pool.map(runner.run, [sample.folder for sample in samples]))
    assert [o.state for o in outcomes] == ["IN_REVIEW"] * 3, [(o.state, o.reasons) for o in outcomes]
    officers = {o.application_id: json.loads((s.folder / "application.json").read_text())["capture"]["officer_id"]
                for o, s in zip(outcomes, samples, strict=True)}
    return ReviewItems(correct=outcomes[0].application_id, four_eyes=outcomes[2].application_id,
                       retake=outcomes[1].application_id, officers=officers)


@pytest.fixture(scope="module")
def staff(local_cloud) -> dict[str, tuple[str, str]]:
    """Console users with passwords (names of their own: `loanpipe token` gives other users new passwords)."""
    users = {"reviewer": "console-reviewer-1", "second_reviewer": "console-reviewer-2"}
    return {key: (user, local_cloud.staff_user("reviewer", user, "Console-" + secrets.token_hex(6) + "aA9"))
            for key, user in users.items()}
