"""PIPL erasure (issue 12, item 6) on in-memory fakes, through the API: an admin erases a closed application;
its documents and every object version, its reports, its index entries and its personal fields are gone, the
audit trail keeps every entry with the personal text redacted and still verifies, and the erase is audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from backbone.chain import posted

from api.support import request, sample
from loanpipe.domain.documents import FieldValue
from loanpipe.domain.lifecycle import AppState

OFFICER, ADMIN = ("FO-0012", ("field_officer",)), ("admin-1", ("admin",))
ID_NUMBER, PHONE, ACCOUNT = "110105198803120014", "13800138000", "6222021234567890123"
UPLOADS, RESULTS, CONTRACTS = "uploads-bucket", "results-bucket", "contracts-bucket"


def _personal(text: str) -> list[str]:
    return [value for value in (ID_NUMBER, PHONE, ACCOUNT, "张伟") if value in text]


@pytest.fixture
def cancelled(call, fakes) -> tuple[str, str]:
    """A cancelled application that went some way: an ID card read (its scan posted twice: the second refused),
    a statement read, its reading in the results bucket, its picture in the duplicate index, a report, and a
    cancel note that names the customer's phone."""
    body = json.loads(sample("api_create_application.json")["body"])
    status, created = call(request("POST", "/applications", body, *OFFICER))
    app_id = created["application_id"]
    status, grant = call(request("POST", f"/applications/{app_id}/documents",
                                 {"slot": "id_card_front", "content_type": "image/jpeg"}, *OFFICER))
    doc_id = grant["document_id"]
    posted(fakes.blobs, grant["key"], b"card scan")
    posted(fakes.blobs, grant["key"], b"card scan again")
    record = fakes.repo.get(app_id)
    doc = record.documents[doc_id]
    doc.fields = {"id_number": FieldValue(value=ID_NUMBER, confidence=0.9), "name": FieldValue(value="张伟",
                                                                                                 confidence=0.9)}
    doc.filename = "张伟-身份证.jpg"
    doc.evidence = {"phash": "f" * 16, "gps": [39.9, 116.4]}
    doc.result_key = f"extractions/{app_id}/{doc_id}.json"
    doc.uploaded_at = datetime.now(UTC)
    record.version += 1
    fakes.repo.save(record, record.version - 1, [])
    fakes.blobs.put(RESULTS, f"extractions/{app_id}/{doc_id}.json",
                    json.dumps({"text": f"公民身份号码 {ID_NUMBER} 账号 {ACCOUNT}"}).encode(), "application/json")
    fakes.blobs.put(RESULTS, f"extractions/{app_id}/{doc_id}.page-1.jpg", b"page", "image/jpeg")
    fakes.repo.put_report(app_id, 1, "validation", {"checks": [{"detail": f"declared {ID_NUMBER}"}]})
    fakes.erasure.image_index.record(app_id, doc_id, "f" * 16, OFFICER[0], datetime.now(UTC), {"id": "x"})
    status, _ = call(request("POST", f"/applications/{app_id}/cancel",
                             {"reason": "customer_withdrew", "note": f"customer called from {PHONE}"}, *OFFICER))
    assert status == 200
    return app_id, doc_id


def test_an_admin_erases_a_closed_application_and_the_trail_still_verifies(call, fakes, cancelled):
    app_id, doc_id = cancelled
    trail_before = fakes.repo.audit_trail(app_id)
    assert _personal(json.dumps([e.model_dump(mode="json") for e in trail_before], ensure_ascii=False))
    # When an admin erases it
    status, erased = call(request("POST", f"/applications/{app_id}/erase", {"confirm": app_id}, *ADMIN))
    # Then every object version under the application is gone (the refused re-upload too)
    assert status == 200, erased
    assert erased["objects_deleted"] == 4 and erased["retained"] == []
    assert fakes.blobs.keys(UPLOADS, f"uploads/{app_id}/") == [] and fakes.blobs.keys(RESULTS, "extractions/") == []
    # And its report and its picture in the duplicate index
    assert fakes.repo.get_report(app_id, 1, "validation") is None
    assert fakes.erasure.image_index.find_near("f" * 16, 0) == []
    # And no API answer about it carries a personal value
    for user in (OFFICER, ("reviewer-1", ("reviewer",)), ADMIN):
        for path in (f"/applications/{app_id}", f"/applications/{app_id}/documents/{doc_id}",
                     f"/applications/{app_id}/audit"):
            status, body = call(request("GET", path, None, *user, query={"reveal": "1"}))
            assert status in (200, 403) and not _personal(json.dumps(body, ensure_ascii=False)), (path, user)
            assert "image_url" not in body or body["image_url"] is None
    _, view = call(request("GET", f"/applications/{app_id}", None, *ADMIN))
    assert view["applicant"] is None and view["erased"]["by"] == "admin-1"
    # And the trail keeps every entry, redacted, plus the erase itself, and still verifies
    trail = fakes.repo.audit_trail(app_id)
    assert [e.hash for e in trail[:len(trail_before)]] == [e.hash for e in trail_before]
    [erase] = [e for e in trail if e.action == "application.erased"]
    assert erase.actor == "admin-1" and erase.seq == len(trail_before) + 1 and erase.detail["objects_deleted"] == 4
    status, verified = call(request("GET", f"/applications/{app_id}/audit/verify", None, *ADMIN))
    assert verified["ok"] is True, verified


def test_an_erase_is_for_admins_after_the_application_closed_and_asks_for_confirmation(call, fakes):
    body = json.loads(sample("api_create_application.json")["body"])
    _, created = call(request("POST", "/applications", body, *OFFICER))
    app_id = created["application_id"]
    status, refused = call(request("POST", f"/applications/{app_id}/erase", {"confirm": app_id}, *ADMIN))
    assert status == 409 and refused["error"] == "not_closed"
    call(request("POST", f"/applications/{app_id}/cancel", {"reason": "captured_in_error"}, *OFFICER))
    status, refused = call(request("POST", f"/applications/{app_id}/erase", {"confirm": "LA01OTHER"}, *ADMIN))
    assert status == 400 and refused["error"] == "confirm_mismatch"
    status, _ = call(request("POST", f"/applications/{app_id}/erase", {"confirm": app_id}, "reviewer-1",
                             ("reviewer",)))
    assert status == 403
    assert [call(request("POST", f"/applications/{app_id}/erase", {"confirm": app_id}, *ADMIN))[0]
            for _ in range(2)] == [200, 200]
    erases = [e for e in fakes.repo.audit_trail(app_id) if e.action == "application.erased"]
    assert len(erases) == 1  # a second erase finds it erased and changes nothing


def test_a_signed_contract_is_kept_as_the_loans_legal_record_and_named_as_retained(call, fakes):
    from api.desk import in_review

    app_id = in_review(fakes.repo)
    record = fakes.repo.get(app_id)
    record.state = AppState.SIGNED
    record.version += 1
    fakes.repo.save(record, record.version - 1, [])
    for key in (f"contracts/{app_id}/round-1/contract.pdf", f"contracts/{app_id}/round-1/contract-signed.pdf",
                f"signatures/{app_id}/round-1/sig.png"):
        fakes.blobs.put(CONTRACTS, key, b"%PDF", "application/pdf")
    status, erased = call(request("POST", f"/applications/{app_id}/erase", {"confirm": app_id}, *ADMIN))
    assert status == 200
    assert sorted((r["key"].split("/")[0], r["reason"]) for r in erased["retained"]) == [
        ("contracts", "legal_retention"), ("contracts", "legal_retention"), ("signatures", "legal_retention")]
    assert len(fakes.blobs.keys(CONTRACTS, f"contracts/{app_id}/")) == 2


def test_an_unsigned_contract_under_object_lock_is_named_with_its_date_and_an_operator_can_bypass(fakes):
    from api.desk import in_review
    from loanpipe.service.access import Caller, Role
    from loanpipe.service.erasure import EraseRequest, erase_application

    app_id = in_review(fakes.repo)
    record = fakes.repo.get(app_id)
    record.state = AppState.DECLINED
    record.version += 1
    fakes.repo.save(record, record.version - 1, [])
    key = f"contracts/{app_id}/round-1/contract.pdf"
    fakes.blobs.put(CONTRACTS, key, b"%PDF", "application/pdf")
    fakes.blobs.locked[CONTRACTS] = {key}
    admin = Caller("admin-1", frozenset({Role.ADMIN}))
    erasure = erase_application(fakes.erasure, admin, app_id, EraseRequest(confirm=app_id))
    assert [(r.key, r.reason, r.retain_until is not None) for r in erasure.retained] == [(key, "object_lock", True)]
    assert fakes.blobs.keys(CONTRACTS, key) == [key]
