"""Drafts that end (issue 12, item 8): a planted draft with someone else's ID number sent that customer's clean
application to review as ``concurrent_application``, named the planter to the victim's officer, and could be
neither cancelled nor left to expire. Now a capture is cancelled by its officer or expires (both terminal,
audited), the officer's account of a fraud signal names no other application or officer, and a planted draft
with a wrong check character is refused when it is created."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from backbone.chain import INTAKE, Chain, FakeSigner, in_memory_ports, posted

from api.support import request, sample
from loanpipe.domain.application import read_declared
from loanpipe.domain.documents import DocType
from loanpipe.domain.errors import Conflict, Forbidden
from loanpipe.domain.lifecycle import OPEN_APP_STATES, TERMINAL_APP_STATES, AppState
from loanpipe.domain.records import utcnow
from loanpipe.entry.bootstrap import extract_deps
from loanpipe.service.access import Caller, Role
from loanpipe.service.drafts import CancelRequest, cancel_application, expire_drafts
from loanpipe.service.extraction import handle_upload
from loanpipe.service.intake import UploadRequest, create_application, request_upload
from loanpipe.service.views import application_view
from testkit.scenarios import build_scenario

OFFICER = Caller("FO-0012", frozenset({Role.FIELD_OFFICER}))
PLANTER = Caller("FO-0099", frozenset({Role.FIELD_OFFICER}))
DECLARED = json.dumps({
    "applicant": {"name": "张伟", "id_number": "110105198803120014", "phone": "13800138000", "address": "北京市朝阳区"},
    "loan": {"amount": "120000.00", "term_months": 36, "vehicle_price": "180000.00", "vehicle_type": "new"},
    "capture": {"officer_id": "FO-0012", "lat": 39.91, "lon": 116.46, "captured_at": "2026-11-20T10:31:00+08:00"},
})


def _draft(repo, open_for: timedelta = timedelta(hours=72)) -> str:
    return create_application(repo, OFFICER, read_declared(DECLARED), open_for=open_for).application_id


def _actions(repo, app_id: str) -> list[str]:
    return [entry.action for entry in repo.audit_trail(app_id)]


# ------------------------------------------------------------------ cancelling
def test_the_officer_cancels_a_draft_with_a_reason_and_it_is_terminal_and_audited():
    ports = in_memory_ports()
    app_id = _draft(ports.repo)
    grant = request_upload(ports.repo, FakeSigner(), INTAKE, OFFICER, app_id,
                           UploadRequest(slot=DocType.ID_CARD_FRONT, content_type="image/jpeg"))
    # When the officer cancels it
    record = cancel_application(ports.repo, OFFICER, app_id, CancelRequest(reason="customer_withdrew", note="no car"))
    # Then it is CANCELLED, says why, and the audit trail has it
    assert record.state == AppState.CANCELLED and AppState.CANCELLED in TERMINAL_APP_STATES
    view = application_view(record, OFFICER)
    assert view["closed_reason"]["code"] == "customer_withdrew" and view["next_step"] == "none: cancelled"
    [entry] = [e for e in ports.repo.audit_trail(app_id) if e.action == "application.cancelled"]
    assert entry.actor == OFFICER.user and entry.to_state == "CANCELLED"
    assert entry.detail["reason"] == "customer_withdrew"
    # And a file posted afterwards under a grant it handed out is refused, not read
    outcome = handle_upload(posted(ports.blobs, grant["key"], b"ok late"), extract_deps_for(ports))
    assert outcome.reasons == ["slot_closed"]
    # And it cannot be cancelled twice
    with pytest.raises(Conflict) as again:
        cancel_application(ports.repo, OFFICER, app_id, CancelRequest(reason="customer_withdrew"))
    assert again.value.code == "already_cancelled"


def extract_deps_for(ports):
    from backbone.chain import EXTRACT, FakeReader

    return extract_deps(EXTRACT, ports, read_document=FakeReader())


def test_only_the_owning_officer_cancels_and_only_an_open_capture():
    ports = in_memory_ports()
    app_id = _draft(ports.repo)
    with pytest.raises(Forbidden):
        cancel_application(ports.repo, PLANTER, app_id, CancelRequest(reason="captured_in_error"))
    record = ports.repo.get(app_id)
    record.state = AppState.IN_REVIEW
    record.version += 1
    ports.repo.save(record, record.version - 1, [])
    with pytest.raises(Conflict) as refused:
        cancel_application(ports.repo, OFFICER, app_id, CancelRequest(reason="captured_in_error"))
    assert refused.value.code == "not_cancellable"


def test_a_cancel_request_needs_a_known_reason(call, fakes):
    status, created = call(request("POST", "/applications", json.loads(sample("api_create_application.json")["body"]),
                                   "FO-0012", ("field_officer",)))
    app_id = created["application_id"]
    status, body = call(request("POST", f"/applications/{app_id}/cancel", {"reason": "bored"}, "FO-0012",
                                ("field_officer",)))
    assert status == 422 and body["details"][0]["field"] == "reason"
    status, body = call(request("POST", f"/applications/{app_id}/cancel", {"reason": "duplicate_capture"},
                                "FO-0012", ("field_officer",)))
    assert status == 200 and body["state"] == "CANCELLED"


# ------------------------------------------------------------------ expiry
def test_a_draft_left_open_past_its_time_expires_audited_and_a_younger_one_stays():
    ports = in_memory_ports()
    old = _draft(ports.repo, open_for=timedelta(hours=1))
    young = _draft(ports.repo, open_for=timedelta(hours=5))
    # When the sweep runs two hours later
    result = expire_drafts(ports.repo, now=utcnow() + timedelta(hours=2))
    # Then the old one is EXPIRED, with its reason and an audit entry, and the young one is still a draft
    assert result.expired == [old] and result.still_open == 1
    expired = ports.repo.get(old)
    assert expired.state == AppState.EXPIRED and AppState.EXPIRED in TERMINAL_APP_STATES
    assert application_view(expired, OFFICER)["closed_reason"]["code"] == "draft_expired"
    assert _actions(ports.repo, old)[-1] == "application.expired"
    assert ports.repo.get(young).state == AppState.DRAFT
    # And a second sweep changes nothing
    assert expire_drafts(ports.repo, now=utcnow() + timedelta(hours=2)).expired == []
    assert _actions(ports.repo, old).count("application.expired") == 1


def test_a_submitted_capture_waiting_for_a_document_expires_too_and_expired_ones_are_no_open_applications():
    ports = in_memory_ports()
    app_id = _draft(ports.repo, open_for=timedelta(hours=1))
    record = ports.repo.get(app_id)
    record.state = AppState.SUBMITTED
    record.version += 1
    ports.repo.save(record, record.version - 1, [])
    assert expire_drafts(ports.repo, now=utcnow() + timedelta(hours=2)).expired == [app_id]
    assert AppState.EXPIRED not in OPEN_APP_STATES and AppState.CANCELLED not in OPEN_APP_STATES


def test_a_draft_written_before_captures_carried_their_expiry_expires_after_the_default_time():
    ports = in_memory_ports()
    app_id = _draft(ports.repo)
    record = ports.repo.get(app_id)
    record.capture_expires_at = None
    record.version += 1
    ports.repo.save(record, record.version - 1, [])
    assert expire_drafts(ports.repo, timedelta(hours=10), now=utcnow() + timedelta(hours=9)).expired == []
    assert expire_drafts(ports.repo, timedelta(hours=10), now=utcnow() + timedelta(hours=11)).expired == [app_id]


# ------------------------------------------------------------------ planted drafts
def test_a_planted_draft_with_a_wrong_check_character_is_refused_at_creation(call, fakes):
    planted = json.loads(sample("api_create_application.json")["body"])
    planted["applicant"]["id_number"] = planted["applicant"]["id_number"][:-1] + (
        "0" if planted["applicant"]["id_number"][-1] != "0" else "1")
    planted["capture"]["officer_id"] = "FO-0099"
    status, body = call(request("POST", "/applications", planted, "FO-0099", ("field_officer",)))
    assert status == 422 and [d["field"] for d in body["details"]] == ["applicant.id_number"]
    assert fakes.repo.list_by_officer("FO-0099").items == []


def test_the_victims_officer_is_told_the_signal_without_the_planters_application_or_name():
    # Given a clean application whose customer's ID number is in another officer's open draft
    scenario = build_scenario("clean", 21)
    case = scenario.case
    scenario.ports.open_applications.add(case.declared.applicant.id_number, "LA01PLANTED0000000000000000", "FO-0099")
    chain = Chain(scenario.ports)
    app_id = chain.validating(case)
    chain.drain()
    # When the decision is read
    report = chain.ports.repo.get_report(app_id, 1, "decision")
    assert "concurrent_application" in [reason["code"] for reason in report["reasons"]]
    # Then the back office's account names the other application and its officer, the officer's names neither
    assert "FO-0099" in report["explanation"] and "LA01PLANTED" in report["explanation"]
    officer_text = report["officer_explanation"]
    assert "concurrent_application" in officer_text
    assert "FO-0099" not in officer_text and "LA01PLANTED" not in officer_text


def test_the_decision_route_gives_the_officer_the_officers_account_and_the_back_office_the_full_one(call, fakes):
    from api.desk import in_review

    app_id = in_review(fakes.repo, reasons=("concurrent_application",))
    fakes.repo.put_report(app_id, 1, "decision", {"explanation": "full: LA01OTHER (officer FO-0099)",
                                                  "officer_explanation": "concurrent_application", "terms": None})
    status, own = call(request("GET", f"/applications/{app_id}/decision", None, "FO-0012", ("field_officer",)))
    assert status == 200 and own["explanation"] == "concurrent_application"
    status, staff = call(request("GET", f"/applications/{app_id}/decision", None, "reviewer-1", ("reviewer",)))
    assert status == 200 and "FO-0099" in staff["explanation"]
