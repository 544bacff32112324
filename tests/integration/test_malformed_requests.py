"""Every route of template.yaml, sent malformed requests through the local HTTP API (real JWTs, the DynamoDB
adapter on the local cloud): each is refused with a 4xx and a typed error body, never a 500."""

from __future__ import annotations

import base64
import json
import re
from collections import Counter

import pytest
import requests

from integration.support import declared

pytestmark = pytest.mark.integration

ROLES = {"officer": ("field_officer", "FO-0012"), "reviewer": ("reviewer", "reviewer-1"), "admin": ("admin", "admin-1")}


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


BAD_CURSORS = [
    "!!not-base64!!", "e30", base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(), _cursor([1, 2, 3]), _cursor("x"),
    _cursor({"pk": "APP#x"}), _cursor({"pk": {"N": "1"}, "sk": {"S": "APP"}}),
    _cursor({"pk": {"S": "APP#LA1"}, "sk": {"S": "APP"}, "officer_id": {"S": "FO-0666"},
             "created_at": {"S": "2026-01-01T00:00:00+00:00"}}),
    _cursor({"pk": {"S": "APP#LA1"}, "sk": {"S": "APP"}, "state": {"S": "DRAFT"}, "updated_at": {"S": "x" * 5000}}),
    "9" * 5000, "-1", "1" * 7,
]
BAD_QUERIES = [{"cursor": cursor} for cursor in BAD_CURSORS] + [
    {"limit": "ten"}, {"limit": "9" * 5000}, {"limit": "-5"}, {"limit": "٣"}, {"state": "NOT_A_STATE"},
]
LIST_ROUTES = {("GET", "/applications"), ("GET", "/review")}
DEEP = "[" * 100_000 + "]" * 100_000
# Malformed whatever the route: refused with a 4xx on every route, whether or not it reads a body.
BAD_BODIES: list[tuple[str, bytes]] = [
    ("application/json", b"{not json"),
    ("application/json", DEEP.encode()),
    ("application/json", ('{"a":' * 50_000 + "1" + "}" * 50_000).encode()),
    ("application/json", ("[" * 40 + "1" + "]" * 40).encode()),  # within the parser's reach, past MAX_JSON_DEPTH
    ("application/json", b'{"note": "\\ud800", "slot": "\\udfff"}'),
    ("application/json", b'{"amount": ' + b"9" * 5000 + b"}"),
    ("application/json", b"\xff\xfe\xfd"),
    ("application/octet-stream", json.dumps(declared()).encode()),
    ("text/plain", json.dumps({"slot": "id_card_front", "content_type": "image/jpeg"}).encode()),
    ("application/x-www-form-urlencoded", b"slot=id_card_front&content_type=image%2Fjpeg"),
    ("", json.dumps({"note": "no content type"}).encode()),
]
# Well-formed JSON of the wrong shape: refused (422) by the routes that read a body, ignored by the others;
# never a 500 on any.
ODD_BODIES: list[tuple[str, bytes]] = [
    ("application/json", b"[1, 2, 3]"), ("application/json", b'"a string"'), ("application/json", b"null"),
    ("application/json", b'{"x": NaN, "y": Infinity, "amount": -Infinity}'),
]
# Query parameters the list routes read: refused there; the other routes ignore them (never a 500).
BAD_IDS = ["x" * 3000, "申请", "LA' OR 1=1 --", "..%2F..%2Fetc", "%00", "la01sample0000000000000000"]


@pytest.fixture(scope="module")
def routes(template) -> list[tuple[str, str]]:
    events = template["Resources"]["ApiFunction"]["Properties"]["Events"].values()
    return sorted((e["Properties"]["Method"], e["Properties"]["Path"]) for e in events if e["Type"] == "HttpApi")


@pytest.fixture(scope="module")
def tokens(local_cloud) -> dict[str, str]:
    return {name: local_cloud.token(role, user) for name, (role, user) in ROLES.items()}


@pytest.fixture(scope="module")
def known(officer_api) -> dict[str, str]:
    """Real ids, so that a request reaches the parsing of its body and its query."""
    app = officer_api.create_application(declared())
    grant = officer_api.post(f"/applications/{app['application_id']}/documents",
                             {"slot": "id_card_front", "content_type": "image/jpeg"})
    return {"application_id": app["application_id"], "document_id": grant["document_id"]}


def _path(template_path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template_path)


def _send(local_cloud, token: str, method: str, path: str, *, params=None, body: bytes | None = None,
          content_type: str | None = None) -> requests.Response:
    headers = {"authorization": f"Bearer {token}"}
    if content_type:
        headers["content-type"] = content_type
    return requests.request(method, local_cloud.state.api_url.rstrip("/") + path, params=params, data=body,
                            headers=headers, timeout=60)


def _typed(response: requests.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("error"), str) and isinstance(body.get("message"), str)


def _cases(method: str, template_path: str, known: dict[str, str]) -> list[tuple[str, bool, dict]]:
    """(what, must be refused, request) for one route."""
    if method == "GET":
        reads = (method, template_path) in LIST_ROUTES
        cases = [("query", reads and not (template_path == "/review" and "state" in query), {"params": query})
                 for query in BAD_QUERIES]
    else:
        cases = [("body", True, {"body": body, "content_type": kind}) for kind, body in BAD_BODIES]
        cases += [("odd body", False, {"body": body, "content_type": kind}) for kind, body in ODD_BODIES]
    cases += [("id", True, {"path": _path(template_path, dict.fromkeys(known, bad))})
              for bad in BAD_IDS if "{" in template_path]
    return cases


def test_every_route_refuses_malformed_requests_with_a_typed_4xx_never_a_500(local_cloud, routes, tokens, known):
    # Given every route of the template, called by each role with real ids
    wrong: list[str] = []
    sent = Counter()
    for method, template_path in routes:
        path = _path(template_path, known)
        for role, token in tokens.items():
            for what, must_refuse, case in _cases(method, template_path, known):
                # When the malformed request is sent
                response = _send(local_cloud, token, method, case.pop("path", path), **case)
                sent[what] += 1
                # Then it is never a 500; a refusal is a 4xx with a typed body; what is malformed is refused
                refused = 400 <= response.status_code < 500
                if response.status_code >= 500 or (refused and not _typed(response)) or (must_refuse and not refused):
                    wrong.append(f"{role} {method} {template_path} {what} {str(case)[:80]!r}: "
                                 f"{response.status_code} {response.text[:120]!r}")
    assert not wrong, f"{len(wrong)} of {sum(sent.values())} malformed requests not refused cleanly:\n" + "\n".join(
        wrong[:40])
    assert sum(sent.values()) > 500


def test_json_declared_as_octet_stream_gets_the_same_refusal_on_every_route_that_takes_a_body(
        local_cloud, routes, tokens, known):
    statuses = {}
    for method, template_path in routes:
        if method == "GET":
            continue
        response = _send(local_cloud, tokens["admin"], method, _path(template_path, known),
                         body=json.dumps({"note": "x"}).encode(), content_type="application/octet-stream")
        statuses[f"{method} {template_path}"] = (response.status_code, response.json().get("error"))
    assert set(statuses.values()) == {(415, "unsupported_media_type")}, statuses
