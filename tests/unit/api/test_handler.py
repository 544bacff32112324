"""The API function answers what a field officer or a reviewer sees: statuses and JSON bodies.

Each test sends the handler an API Gateway payload 2.0 event from ``events/`` (edited where the case needs it)
with a fake Lambda context; the routes run on the in-memory fakes.
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest

from api.support import for_application, sample, signed_in_as
from loanpipe.domain.records import utcnow


def _create(call) -> dict:
    status, body = call(sample("api_create_application.json"))
    assert status == 201, body
    return body


def test_an_officer_creates_an_application_and_sees_it_in_draft_with_the_id_number_masked(call, fakes):
    # Given the field app's create request of officer FO-0012
    event = sample("api_create_application.json")
    # When the API function handles it
    status, body = call(event)
    # Then the application exists in DRAFT, owned by the officer, with the ID number masked in the answer
    assert status == 201
    assert body["state"] == "DRAFT" and body["officer_id"] == "FO-0012"
    assert body["applicant"]["id_number"] == "1101**********0014"
    assert fakes.repo.get(body["application_id"]).declared.loan.amount == Decimal("120000.00")


def test_amounts_sent_as_json_numbers_are_read_as_decimals_never_through_float(call, fakes):
    # Given a create request whose amount is a JSON number (0.1 + 0.2 is not 0.3 in binary floating point)
    event = sample("api_create_application.json")
    assert '"amount": "120000.00"' in event["body"]
    event["body"] = event["body"].replace('"amount": "120000.00"', '"amount": 120000.30')
    # When the API function handles it
    status, body = call(event)
    # Then the amount is the decimal written, to the fen
    assert status == 201
    amount = fakes.repo.get(body["application_id"]).declared.loan.amount
    assert isinstance(amount, Decimal) and amount == Decimal("120000.30") and str(amount) == "120000.30"


@pytest.mark.parametrize(("field", "value"), [
    ("amount", "1234567890123456.78"), ("amount", "1E+9999"), ("amount", "120000.001"), ("amount", "true"),
    ("term_months", "true"), ("term_months", '"36"'), ("phone", '"1٣٩12345678"'), ("id_number", '"110105198803120018"'),
    ("name", '"张\\u0000伟"'), ("name", '"张\\u202e伟"'), ("name", '"张\\u200d伟"'), ("name", '"张\\n伟"'),
])
def test_a_declared_application_with_a_field_no_officer_could_mean_is_refused_and_names_it(call, fakes, field, value):
    # Given a create request with one field an attacker or a broken app would send
    event = sample("api_create_application.json")
    body = json.loads(event["body"])
    section = "loan" if field in ("amount", "term_months") else "applicant"
    body[section][field] = json.loads(value)
    event["body"] = json.dumps(body, ensure_ascii=False)
    # When the API function handles it, Then it is refused with the field named and nothing is created
    status, answer = call(event)
    assert status == 422, answer
    assert f"{section}.{field}" in {detail["field"] for detail in answer["details"]}
    assert not fakes.repo.list_by_officer("FO-0012").items


def test_a_base64_body_is_read_like_a_plain_one(call):
    # Given the create request as API Gateway passes a body it did not take for text
    event = sample("api_create_application.json")
    event["body"] = base64.b64encode(event["body"].encode()).decode()
    event["isBase64Encoded"] = True
    # When / Then the application is created
    status, body = call(event)
    assert status == 201 and body["state"] == "DRAFT"


def test_a_token_without_a_user_is_refused_with_401_and_nothing_is_created(call, fakes):
    # Given a create request whose event carries no authorizer claims
    event = sample("api_create_application.json")
    event["requestContext"]["authorizer"] = None
    # When the API function handles it
    status, body = call(event)
    # Then 401, and no application was written
    assert (status, body["error"]) == (401, "unauthorized")
    assert fakes.repo.list_by_officer("FO-0012").items == []


def test_a_field_officer_may_not_read_the_review_queue(call):
    # Given the review queue request sent by a field officer
    event = signed_in_as(sample("api_review_queue.json"), "FO-0012", "field_officer")
    # When / Then 403
    status, body = call(event)
    assert (status, body["error"]) == (403, "forbidden")


def test_a_reviewer_may_not_create_an_application(call, fakes):
    # Given a create request from a reviewer (not a field officer)
    event = signed_in_as(sample("api_create_application.json"), "FO-0012", "reviewer")
    # When / Then 403, nothing written
    status, body = call(event)
    assert (status, body["error"]) == (403, "forbidden")
    assert fakes.repo.list_by_officer("FO-0012").items == []


def test_a_reviewer_reads_the_review_queue(call):
    status, body = call(sample("api_review_queue.json"))
    assert status == 200 and body == {"items": [], "cursor": None, "stats": {
        "depth": 0, "oldest_seconds": 0, "sla_breaches": 0, "sla_seconds": 120 * 60}}


@pytest.mark.parametrize("sample_name", ["api_create_application.json", "api_request_upload.json"])
def test_a_body_that_is_not_json_is_refused_with_400(call, sample_name):
    # Given a request whose body is cut off mid-JSON
    event = sample(sample_name)
    event["body"] = event["body"][:20]
    # When / Then 400 bad_json
    status, body = call(event)
    assert (status, body["error"]) == (400, "bad_json")


def test_invalid_fields_are_named_with_422_and_their_values_never_echoed(call):
    # Given a create request with a zero amount and a phone number that is not one
    event = sample("api_create_application.json")
    declared = json.loads(event["body"])
    declared["loan"]["amount"] = "0"
    declared["applicant"]["phone"] = "12345"
    event["body"] = json.dumps(declared)
    # When the API function handles it
    status, body = call(event)
    # Then 422 names the two fields and does not repeat what was sent
    assert (status, body["error"]) == (422, "invalid_request")
    assert {detail["field"] for detail in body["details"]} == {"loan.amount", "applicant.phone"}
    assert "12345" not in json.dumps(body)


def test_an_unknown_application_is_404(call):
    # Given a reviewer asking for an application id that does not exist (the sample's id)
    status, body = call(sample("api_get_application.json"))
    # Then 404 not_found
    assert (status, body["error"]) == (404, "not_found")


def test_an_unknown_document_of_a_known_application_is_404(call):
    # Given an existing application
    created = _create(call)
    # When a reviewer asks for a document id it does not have
    event = for_application(sample("api_get_application.json"), created["application_id"])
    event["rawPath"] += "/documents/D0NOTHERE"
    event["requestContext"]["http"]["path"] = event["rawPath"]
    event["pathParameters"]["document_id"] = "D0NOTHERE"
    # Then 404 not_found
    status, body = call(event)
    assert (status, body["error"], body["message"]) == (404, "not_found", "document not found")


def test_an_event_of_no_route_is_404(call):
    # Given an event for a path the API does not serve (API Gateway would not send it; a direct invoke can)
    event = sample("api_review_queue.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/dev/nothing-here"
    event["requestContext"]["authorizer"] = None
    # When / Then 404 no such route (before any question of who asks)
    status, body = call(event)
    assert (status, body) == (404, {"error": "not_found", "message": "no such route"})


def test_an_officer_gets_an_upload_grant_for_a_slot_of_their_application(call, fakes):
    # Given an application of officer FO-0012
    created = _create(call)
    application_id = created["application_id"]
    # When the officer asks to upload the ID card's front as a JPEG
    status, grant = call(for_application(sample("api_request_upload.json"), application_id))
    # Then a grant for a server-chosen key in the uploads bucket, with the size limit and an expiry
    assert status == 201
    key = f"uploads/{application_id}/{grant['document_id']}/id_card_front.jpg"
    assert grant["slot"] == "id_card_front" and grant["key"] == key
    assert grant["upload"] == {"url": "memory://uploads-bucket/",
                               "fields": {"key": key, "Content-Type": "image/jpeg"}}
    assert grant["max_bytes"] > 0 and grant["expires_at"]
    # And the application now shows the document waiting for its upload
    document = fakes.repo.get(application_id).documents[grant["document_id"]]
    assert document.state == "PENDING_UPLOAD"


def test_another_officer_gets_no_upload_grant(call):
    created = _create(call)
    event = signed_in_as(for_application(sample("api_request_upload.json"), created["application_id"]),
                         "FO-0099", "field_officer")
    status, body = call(event)
    assert (status, body["error"]) == (403, "forbidden")


def test_an_upload_grant_for_an_unknown_application_is_404(call):
    status, body = call(sample("api_request_upload.json"))
    assert (status, body["error"]) == (404, "not_found")


def _arrived_and_read(fakes, application_id: str, document_id: str, result: dict) -> None:
    """What the extract stage leaves behind: the upload's arrival and the reading in the results bucket."""
    record = fakes.repo.get(application_id)
    document = record.documents[document_id]
    document.uploaded_at = utcnow()
    document.result_key = f"results/{application_id}/{document_id}.json"
    fakes.blobs.put("results-bucket", document.result_key, json.dumps(result).encode(), "application/json")
    record.version += 1
    fakes.repo.save(record, record.version - 1, [])


def test_a_reviewer_sees_a_document_with_a_short_lived_image_url_and_what_was_read(call, fakes):
    # Given an uploaded ID card whose reading is in the results bucket
    application_id = _create(call)["application_id"]
    _, grant = call(for_application(sample("api_request_upload.json"), application_id))
    _arrived_and_read(fakes, application_id, grant["document_id"], {"text": "公民身份号码", "transactions": []})
    document_event = for_application(sample("api_get_application.json"), application_id)
    document_event["rawPath"] += f"/documents/{grant['document_id']}"
    document_event["requestContext"]["http"]["path"] = document_event["rawPath"]
    document_event["pathParameters"]["document_id"] = grant["document_id"]
    # When a reviewer opens it
    status, view = call(document_event)
    # Then the image URL is a presigned GET of the upload (5 minutes) and the text read is beside it
    assert status == 200
    assert view["image_url"] == f"memory://uploads-bucket/{grant['key']}?expires_in=300"
    assert (view["text"], view["transactions"]) == ("公民身份号码", [])
    # And the officer who owns it sees the document without either
    status, own_view = call(signed_in_as(document_event, "FO-0012", "field_officer"))
    assert status == 200 and "image_url" not in own_view and "text" not in own_view


def test_a_field_officer_cannot_backdate_an_application_by_replaying_it(call, fakes):
    # Given an officer's create request asking to be judged as of its declared capture time
    event = sample("api_create_application.json")
    event["queryStringParameters"] = {"replay": "1"}
    event["rawQueryString"] = "replay=1"
    # When a live officer sends it, Then it is refused and nothing is created
    status, body = call(event)
    assert (status, body["error"]) == (403, "forbidden") and "back-testing" in body["message"]
    assert not fakes.repo.list_by_officer("FO-0012").items
    # ... while the same officer acting as an admin (back-testing) may
    status, body = call(signed_in_as(event, "FO-0012", "field_officer", "admin"))
    assert status == 201 and fakes.repo.get(body["application_id"]).replay


@pytest.mark.parametrize(("lat", "status"), [("31.2304", 201), (31.2304, 201), (True, 422), ("north", 422)])
def test_coordinates_are_numbers_or_decimal_strings_never_booleans(call, lat, status):
    event = sample("api_create_application.json")
    body = json.loads(event["body"])
    body["capture"]["lat"] = lat
    event["body"] = json.dumps(body, ensure_ascii=False)
    assert call(event)[0] == status
