"""The back-office console in headless Chromium, served by the local cloud, against the real API.

Given three applications a reviewer must decide (documents in another person's name), reviewers sign in with
their passwords (Cognito on the local cloud), work the queue with the keyboard and see the outcome in the
console and in the API. These tests need the server side of console-contract.md (priority, stats, boxes,
four eyes): where it is missing they fail, they never skip.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loanpipe_infra.client import ApiClient
from testkit.console import ConsolePage

# The first test also waits for the module's three applications to go through the chain (real OCR): minutes
# on a busy machine.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(1200)]
BOX_TOLERANCE_PX = 2.0
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"  # git-ignored: the screenshot changes every run


@pytest.fixture
def reviewer_page(chromium, local_cloud, staff):
    context = chromium.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    console = ConsolePage(context.new_page(), local_cloud.state.console_url)
    console.sign_in(*staff["reviewer"])
    yield console
    context.close()


@pytest.fixture(scope="module")
def back_office(local_cloud) -> ApiClient:
    return ApiClient(local_cloud.state.api_url, local_cloud.token("admin", "console-test-admin"))


def test_a_reviewer_signs_in_and_sees_the_queue_in_the_order_and_with_the_figures_the_api_gives(
        reviewer_page, review_items, back_office):
    # The queue is ordered by age against the SLA, then amount: two items may trade places while the test runs,
    # so the page, drawn afresh, shows the order the API gave just before or just after it
    before = back_office.get("/review", limit=200)
    reviewer_page.page.reload()
    reviewer_page.wait_queue()
    shown = reviewer_page.queue_ids()
    queue = back_office.get("/review", limit=200)
    assert shown in ([item["application_id"] for item in before["items"]],
                     [item["application_id"] for item in queue["items"]])
    assert {review_items.correct, review_items.four_eyes, review_items.retake} <= set(shown)
    priorities = [item["priority"] for item in queue["items"]]
    assert priorities == sorted(priorities, reverse=True), "the API's items are not in priority order"
    assert reviewer_page.stat("depth") == str(queue["stats"]["depth"])
    row = reviewer_page.page.inner_text(f'#queue tr[data-id="{review_items.correct}"]')
    assert "各材料姓名不一致" in row and "Name differs across documents" in row  # the reason in both languages
    assert review_items.officers[review_items.correct] in row


def test_the_item_page_draws_each_field_box_the_api_gives_on_the_document_image(reviewer_page, review_items,
                                                                                back_office):
    reviewer_page.select_with_keys(review_items.correct)
    reviewer_page.page.keyboard.press("Enter")
    reviewer_page.wait_item()
    view = back_office.get(f"/applications/{review_items.correct}")
    drawn_total = 0
    for summary in view["documents"]:
        detail = back_office.get(f"/applications/{review_items.correct}/documents/{summary['document_id']}")
        on_picture = "pdf" not in detail["content_type"] or detail.get("page_image_url")
        expected = {name: field["box"] for name, field in detail["fields"].items()
                    if field.get("box") and on_picture}
        drawn = {box["field"]: box for box in reviewer_page.boxes(detail["document_id"])}
        assert set(drawn) == set(expected), detail["slot"]
        for name, (x0, y0, x1, y1) in expected.items():
            box = drawn[name]
            assert abs(box["x"] - x0 * box["fw"]) <= BOX_TOLERANCE_PX, name
            assert abs(box["y"] - y0 * box["fh"]) <= BOX_TOLERANCE_PX, name
            assert abs(box["w"] - (x1 - x0) * box["fw"]) <= BOX_TOLERANCE_PX, name
            assert abs(box["h"] - (y1 - y0) * box["fh"]) <= BOX_TOLERANCE_PX, name
        drawn_total += len(drawn)
    assert drawn_total > 0, "no field box on any document image (the API gives no boxes)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    reviewer_page.page.screenshot(path=str(ARTIFACTS / "console-item.png"), full_page=True)


def test_a_reviewer_corrects_a_field_approves_and_the_item_leaves_the_queue(reviewer_page, review_items,
                                                                            back_office):
    app_id = review_items.correct
    declared_name = back_office.get(f"/applications/{app_id}")["applicant"]["name"]
    page, keyboard = reviewer_page.page, reviewer_page.page.keyboard
    reviewer_page.select_with_keys(app_id)
    keyboard.press("Enter")
    reviewer_page.wait_item()
    keyboard.press("c")
    reviewer_page.wait_claimed()
    keyboard.press("j")  # the first field: the name on the ID card's front
    assert page.get_attribute("tr.field.selected", "data-field") == "name"
    keyboard.press("e")
    reviewer_page.confirm_dialog(note="姓名按身份证原件更正", value=declared_name)
    page.wait_for_selector('tr.field.selected .badge.corrected')
    front = next(d for d in back_office.get(f"/applications/{app_id}")["documents"] if d["slot"] == "id_card_front")
    assert front["fields"]["name"] == {**front["fields"]["name"], "value": declared_name, "corrected": True}
    keyboard.press("a")
    reviewer_page.confirm_dialog(note="核对原件无误，批准")
    reviewer_page.wait_gone(app_id)
    assert app_id not in reviewer_page.queue_ids()
    assert back_office.get(f"/applications/{app_id}")["state"] != "IN_REVIEW"


def test_above_the_four_eyes_amount_a_second_reviewer_must_approve(reviewer_page, chromium, local_cloud, staff,
                                                                   review_items, back_office):
    app_id = review_items.four_eyes
    keyboard = reviewer_page.page.keyboard
    reviewer_page.select_with_keys(app_id)
    keyboard.press("Enter")
    reviewer_page.wait_item()
    keyboard.press("c")
    reviewer_page.wait_claimed()
    keyboard.press("a")
    reviewer_page.confirm_dialog(note="一审：收入与流水相符")
    reviewer_page.wait_queue()
    view = back_office.get(f"/applications/{app_id}")
    assert view["state"] == "IN_REVIEW" and view["review"]["first_approved_by"] == staff["reviewer"][0]
    reviewer_page.page.wait_for_selector(f'#queue tr[data-id="{app_id}"] .four-eyes')
    reviewer_page.open_item(app_id)
    keyboard.press("c")
    reviewer_page.wait_claimed()
    assert reviewer_page.page.is_disabled("#do-approve")  # never the second approval of the first reviewer ...
    assert reviewer_page.api_status("POST", f"/review/{app_id}/decision",
                                    {"action": "approve", "note": "再批一次"}) == (409, "second_reviewer")  # ... nor
    keyboard.press("u")  # released for the second reviewer
    reviewer_page.page.wait_for_selector("#claim-state.free")

    context = chromium.new_context(viewport={"width": 1440, "height": 1000})
    second = ConsolePage(context.new_page(), local_cloud.state.console_url)
    try:
        second.sign_in(*staff["second_reviewer"])
        second.select_with_keys(app_id)
        second.page.keyboard.press("Enter")
        second.wait_item()
        second.page.wait_for_selector("#first-approval")
        second.page.keyboard.press("c")
        second.wait_claimed()
        second.page.keyboard.press("a")
        second.confirm_dialog(note="二审：同意")
        second.wait_gone(app_id)
    finally:
        context.close()
    assert back_office.get(f"/applications/{app_id}")["state"] != "IN_REVIEW"


def test_a_retake_goes_back_to_the_officer_with_a_message(reviewer_page, review_items, back_office):
    app_id = review_items.retake
    page, keyboard = reviewer_page.page, reviewer_page.page.keyboard
    reviewer_page.select_with_keys(app_id)
    keyboard.press("Enter")
    reviewer_page.wait_item()
    keyboard.press("c")
    reviewer_page.wait_claimed()
    keyboard.press("j")
    document_id = page.get_attribute("tr.field.selected", "data-doc")
    keyboard.press("r")
    assert page.is_checked(f'input[name=document][value="{document_id}"]')  # the selected field's document
    reviewer_page.confirm_dialog(note="证件反光", message="请在无反光处重拍身份证人像面")
    reviewer_page.wait_gone(app_id)
    view = back_office.get(f"/applications/{app_id}")
    retaken = next(d for d in view["documents"] if d["document_id"] == document_id)
    assert (view["state"], retaken["state"]) == ("SUBMITTED", "RETAKE_REQUESTED")


def test_a_field_officer_cannot_use_the_review_actions(chromium, local_cloud, review_items):
    app_id = review_items.retake
    officer = review_items.officers[app_id]
    password = local_cloud.staff_user("field_officer", officer, "Officer-Console-2026a")
    context = chromium.new_context()
    console = ConsolePage(context.new_page(), local_cloud.state.console_url)
    try:
        console.sign_in(officer, password)
        assert console.page.is_visible("#not-staff") and not console.page.query_selector("#queue")
        console.open_item(app_id)  # their own application: they may read it, not review it
        assert console.page.query_selector("#actions") is None
        console.page.keyboard.press("c")
        console.page.wait_for_selector("#toast.shown.error")
        status, _ = console.api_status("POST", f"/review/{review_items.four_eyes}/claim", {})
        assert status == 403
    finally:
        context.close()
