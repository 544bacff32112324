"""Malformed requests are refused before any route runs, the same way on every route (the walk over every route
of the template with the DynamoDB adapter is tests/integration/test_malformed_requests.py)."""

from __future__ import annotations

import json

import pytest

from api.support import request, sample


def _with_body(event: dict, body: str, content_type: str | None = "application/json") -> dict:
    event["body"] = body
    event["headers"] = {k: v for k, v in event["headers"].items() if k != "content-type"}
    if content_type is not None:
        event["headers"]["content-type"] = content_type
    return event


@pytest.mark.parametrize("event", [
    sample("api_create_application.json"),
    request("POST", "/review/LA01SAMPLE0000000000000000/claim", {}, "r1", ("reviewer",)),
    request("POST", "/applications/LA01SAMPLE0000000000000000/documents", {}, "FO-0012", ("field_officer",)),
], ids=["create", "claim", "upload slot"])
def test_json_sent_as_octet_stream_is_refused_alike_on_every_route(call, fakes, event):
    status, body = call(_with_body(event, json.dumps({"slot": "id_card_front"}), "application/octet-stream"))
    assert (status, body["error"]) == (415, "unsupported_media_type")


@pytest.mark.parametrize(("text", "why"), [
    ("[" * 100_000 + "]" * 100_000, "nests deeper"),
    ("[" * 40 + "]" * 40, "nests deeper"),
    ('{"note": "\\ud800"}', "not Unicode"),
    ('{"amount": ' + "9" * 5000 + "}", "not valid JSON"),
    ("{not json", "not valid JSON"),
])
def test_a_body_that_is_not_usable_json_is_400_bad_json_with_the_reason(call, fakes, text, why):
    status, body = call(_with_body(sample("api_create_application.json"), text))
    assert (status, body["error"]) == (400, "bad_json") and why in body["message"]
    assert not fakes.repo.list_by_officer("FO-0012").items


@pytest.mark.parametrize("bad", ["x" * 3000, "申请", "LA' OR 1=1"])
def test_a_path_id_that_cannot_be_an_id_is_400_bad_id(call, fakes, bad):
    status, body = call(request("GET", f"/applications/{bad}", None, "r1", ("reviewer",)))
    assert (status, body["error"]) == (400, "bad_id")


@pytest.mark.parametrize("value", ["ten", "-5", "0", "٣", "9" * 5000])
def test_a_page_size_that_is_not_a_whole_number_from_1_is_400(call, fakes, value):
    status, body = call(request("GET", "/applications", None, "FO-0012", ("field_officer",), {"limit": value}))
    assert (status, body["error"]) == (400, "bad_limit")
