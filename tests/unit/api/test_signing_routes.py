"""The signing routes answer what the officer's tablet shows: 202 with where the code went, typed refusals."""

from __future__ import annotations

import base64
import json
import re

from backbone.test_signing import png

from api.support import sample, signed_in_as
from loanpipe.domain.lifecycle import AppState
from loanpipe.domain.records import ContractRef, utcnow

SHOWN = "ab" * 32


def _request(method: str, path: str, body: dict | None, user: str, *groups: str) -> dict:
    event = signed_in_as(sample("api_review_queue.json"), user, *groups)
    parameters = {"application_id": path.split("/")[2]}
    event["routeKey"] = event["requestContext"]["routeKey"] = method + " " + re.sub(
        r"^/(applications|review)/[^/]+", r"/\1/{application_id}", path)
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/dev" + path
    event["requestContext"]["http"]["method"] = method
    event["pathParameters"] = parameters
    event["body"] = json.dumps(body) if body is not None else None
    event["isBase64Encoded"] = False
    return event


def _awaiting_signature(call, fakes) -> tuple[str, str]:
    status, created = call(sample("api_create_application.json"))
    assert status == 201
    record = fakes.repo.get(created["application_id"])
    stored_version = record.version
    record.state = AppState.AWAITING_SIGNATURE
    record.contract = ContractRef(key="contracts/x/round-1/contract.pdf", sha256=SHOWN, rendered_at=utcnow(), pages=3,
                                  number="LP20261130-X-1")
    record.version = stored_version + 1
    fakes.repo.save(record, stored_version, [])
    return record.application_id, record.declared.applicant.phone


def test_the_tablet_asks_for_a_code_and_uploads_the_signature_with_it(call, fakes):
    app_id, phone = _awaiting_signature(call, fakes)
    status, sent = call(_request("POST", f"/applications/{app_id}/signing/code", {"contract_sha256": SHOWN},
                                 "FO-0012", "field_officer"))
    assert status == 202 and sent["sent_to"] == phone[:3] + "****" + phone[-4:]
    [(to, text)] = fakes.sms.sent
    assert to == phone and sent["ceremony_id"] and fakes.sms.last_code(phone) not in json.dumps(sent)
    upload = {"ceremony_id": sent["ceremony_id"], "code": fakes.sms.last_code(phone), "contract_sha256": SHOWN,
              "signer_id_number": fakes.repo.get(app_id).declared.applicant.id_number,
              "signature_png": base64.b64encode(png()).decode(), "signed_at": "2026-11-30T10:00:00+08:00",
              "lat": 31.2, "lon": 121.5}
    status, accepted = call(_request("POST", f"/applications/{app_id}/signing/signature", upload,
                                     "FO-0012", "field_officer"))
    assert (status, accepted["status"]) == (202, "sealing")
    assert [json.loads(body)["kind"] for url, body in fakes.queue.sent if url == "contract-q"] == ["seal"]


def test_a_wrong_code_is_a_400_that_says_how_many_tries_are_left(call, fakes):
    app_id, phone = _awaiting_signature(call, fakes)
    _, sent = call(_request("POST", f"/applications/{app_id}/signing/code", {"contract_sha256": SHOWN},
                            "FO-0012", "field_officer"))
    code = fakes.sms.last_code(phone)
    upload = {"ceremony_id": sent["ceremony_id"], "code": f"{(int(code) + 1) % 10**6:06d}", "contract_sha256": SHOWN,
              "signer_id_number": fakes.repo.get(app_id).declared.applicant.id_number,
              "signature_png": base64.b64encode(png()).decode(), "signed_at": "2026-11-30T10:00:00+08:00",
              "lat": 31.2, "lon": 121.5}
    status, body = call(_request("POST", f"/applications/{app_id}/signing/signature", upload,
                                 "FO-0012", "field_officer"))
    assert (status, body["error"], body["message"]) == (400, "code_wrong", "the code is wrong (4 tries left)")


def test_a_code_for_a_contract_the_customer_was_not_shown_is_a_409(call, fakes):
    app_id, _ = _awaiting_signature(call, fakes)
    status, body = call(_request("POST", f"/applications/{app_id}/signing/code", {"contract_sha256": "cd" * 32},
                                 "FO-0012", "field_officer"))
    assert (status, body["error"]) == (409, "stale_contract") and not fakes.sms.sent


def test_only_the_back_office_unlocks_a_signing(call, fakes):
    app_id, _ = _awaiting_signature(call, fakes)
    status, body = call(_request("POST", f"/review/{app_id}/signing/unlock", {"note": "x"}, "FO-0012", "field_officer"))
    assert (status, body["error"]) == (403, "forbidden")
    status, body = call(_request("POST", f"/review/{app_id}/signing/unlock", {"note": "called"}, "r1", "reviewer"))
    assert (status, body["error"]) == (409, "not_locked")
