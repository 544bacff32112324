"""Who may do what, over the whole API: every route of template.yaml x {anonymous, the field officer who owns the
application, another field officer, a reviewer, an admin}, with the status each gets.

The table below IS the access policy; read it row by row. Each cell runs on fresh in-memory fakes, with the
application in the state the route is for (a draft for uploads, an application in review claimed by the
reviewer for the review actions, a contract waiting for signature for the ceremony), so a 2xx means the user may
do it, 403 that their role or relation to the application forbids it, 409 that they may but the state or someone
else's claim stands in the way, and 401 that nobody signed in.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from backbone.test_signing import png

from api.desk import OFFICER, add_document, in_review
from api.support import request, sample
from loanpipe.domain.documents import DocType, FieldValue
from loanpipe.domain.lifecycle import AppState
from loanpipe.domain.records import ContractRef, new_id, utcnow
from loanpipe.domain.signing import SigningCeremony

PERSONAS = {  # name -> (user, groups); anonymous is a request without a user
    "anonymous": (None, ()),
    "owner": (OFFICER, ("field_officer",)),
    "other officer": ("FO-0099", ("field_officer",)),
    "reviewer": ("reviewer-1", ("reviewer",)),
    "admin": ("admin-1", ("admin",)),
}
SHOWN = "ab" * 32

# route                                                     world      anon owner other reviewer admin
MATRIX: list[tuple[str, str, tuple[int, int, int, int, int]]] = [
    ("POST /applications",                                   "none",    (401, 201, 201, 403, 403)),
    ("GET /applications",                                    "draft",   (401, 200, 200, 200, 200)),
    ("GET /applications/{application_id}",                   "review",  (401, 200, 403, 200, 200)),
    ("POST /applications/{application_id}/documents",        "draft",   (401, 201, 403, 403, 403)),
    ("GET /applications/{application_id}/documents/{document_id}", "review", (401, 200, 403, 200, 200)),
    ("PATCH /applications/{application_id}/documents/{document_id}", "review", (401, 403, 403, 200, 409)),
    ("POST /applications/{application_id}/submit",           "draft",   (401, 202, 403, 403, 403)),
    ("POST /applications/{application_id}/cancel",           "draft",   (401, 200, 403, 403, 403)),
    ("POST /applications/{application_id}/erase",            "declined", (401, 403, 403, 403, 200)),
    ("GET /applications/{application_id}/audit",             "review",  (401, 200, 403, 200, 200)),
    ("GET /applications/{application_id}/audit/verify",      "review",  (401, 403, 403, 403, 200)),
    ("GET /applications/{application_id}/checks",            "review",  (401, 403, 403, 200, 200)),
    ("GET /applications/{application_id}/decision",          "review",  (401, 200, 403, 200, 200)),
    ("GET /applications/{application_id}/contract",          "signing", (401, 200, 403, 200, 200)),
    ("POST /applications/{application_id}/signing/code",     "signing", (401, 202, 403, 403, 403)),
    ("POST /applications/{application_id}/signing/signature", "coded",  (401, 202, 403, 403, 403)),
    ("GET /review",                                          "review",  (401, 403, 403, 200, 200)),
    ("POST /review/{application_id}/claim",                  "queued",  (401, 403, 403, 200, 200)),
    ("POST /review/{application_id}/release",                "review",  (401, 403, 403, 200, 409)),
    ("POST /review/{application_id}/reassign",               "review",  (401, 403, 403, 403, 200)),
    ("POST /review/{application_id}/decision",               "review",  (401, 403, 403, 200, 409)),
    ("POST /review/{application_id}/signing/unlock",         "locked",  (401, 403, 403, 200, 200)),
]


@dataclass
class World:
    application_id: str = "LA01NOAPPLICATION0000000000"
    document_id: str = "D01NODOCUMENT000000000000"
    ceremony_id: str = ""
    code: str = ""


def _draft(call, fakes) -> World:
    status, created = call(request("POST", "/applications", json.loads(sample("api_create_application.json")["body"]),
                                   OFFICER, ("field_officer",)))
    assert status == 201
    return World(created["application_id"])


def _in_review(call, fakes, claimed: bool = True) -> World:
    app_id = in_review(fakes.repo)
    doc = add_document(fakes, app_id, DocType.ID_CARD_FRONT, {"name": FieldValue(value="张伟", confidence=0.7)},
                       {"transactions": [], "text": "姓名 张伟"})
    if claimed:
        assert call(request("POST", f"/review/{app_id}/claim", {}, "reviewer-1", ("reviewer",)))[0] == 200
    return World(app_id, doc)


def _awaiting_signature(call, fakes, locked: bool = False) -> World:
    world = _draft(call, fakes)
    record = fakes.repo.get(world.application_id)
    record.state = AppState.AWAITING_SIGNATURE
    record.contract = ContractRef(key="contracts/x/round-1/contract.pdf", sha256=SHOWN, rendered_at=utcnow(), pages=3,
                                  number="LP20261130-X-1")
    if locked:
        record.signing = SigningCeremony(ceremony_id=new_id("SG"), contract_sha256=SHOWN, wrong_codes=5,
                                         locked_at=utcnow())
    record.version += 1
    fakes.repo.save(record, record.version - 1, [])
    return world


def _coded(call, fakes) -> World:
    world = _awaiting_signature(call, fakes)
    status, sent = call(request("POST", f"/applications/{world.application_id}/signing/code",
                                {"contract_sha256": SHOWN}, OFFICER, ("field_officer",)))
    assert status == 202
    world.ceremony_id = sent["ceremony_id"]
    world.code = fakes.sms.last_code(fakes.repo.get(world.application_id).declared.applicant.phone)
    return world


def _declined(call, fakes) -> World:
    world = _draft(call, fakes)
    record = fakes.repo.get(world.application_id)
    record.state = AppState.DECLINED
    record.version += 1
    fakes.repo.save(record, record.version - 1, [])
    return world


WORLDS: dict[str, Callable] = {
    "none": lambda call, fakes: World(),
    "draft": _draft,
    "review": _in_review,
    "queued": lambda call, fakes: _in_review(call, fakes, claimed=False),
    "signing": _awaiting_signature,
    "locked": lambda call, fakes: _awaiting_signature(call, fakes, locked=True),
    "coded": _coded,
    "declined": lambda call, fakes: _declined(call, fakes),
}


def _body(route: str, world: World, user: str | None, fakes) -> dict | None:
    """A request body a user would send on the route (valid, so only who sends it decides)."""
    method, path = route.split(" ", 1)
    if route == "POST /applications":
        declared = json.loads(sample("api_create_application.json")["body"])
        declared["capture"]["officer_id"] = user or OFFICER
        return declared
    bodies = {
        "/applications/{application_id}/documents": {"slot": "id_card_front", "content_type": "image/jpeg"},
        "/applications/{application_id}/documents/{document_id}": {"fields": {"name": "张伟"}, "note": "fixed"},
        "/applications/{application_id}/cancel": {"reason": "customer_withdrew"},
        "/applications/{application_id}/erase": {"confirm": world.application_id},
        "/applications/{application_id}/signing/code": {"contract_sha256": SHOWN},
        "/applications/{application_id}/signing/signature": {
            "ceremony_id": world.ceremony_id, "code": world.code or "000000", "contract_sha256": SHOWN,
            "signer_id_number": "110105198803120014", "signature_png": base64.b64encode(png()).decode(),
            "signed_at": "2026-11-30T10:00:00+08:00", "lat": 31.2, "lon": 121.5},
        "/review/{application_id}/reassign": {"to": "reviewer-2"},
        "/review/{application_id}/decision": {"action": "approve", "note": "all documents agree"},
        "/review/{application_id}/signing/unlock": {"note": "called the customer"},
    }
    return bodies.get(path, {} if method in ("POST", "PATCH") else None)


CELLS = [(route, world, persona, expected[index])
         for route, world, expected in MATRIX for index, persona in enumerate(PERSONAS)]


@pytest.mark.parametrize(("route", "world", "persona", "expected"), CELLS,
                         ids=[f"{route} x {persona}" for route, _, persona, _ in CELLS])
def test_each_user_gets_the_status_the_access_policy_says(call, fakes, route, world, persona, expected):
    user, groups = PERSONAS[persona]
    given = WORLDS[world](call, fakes)
    method, path = route.split(" ", 1)
    concrete = path.replace("{application_id}", given.application_id).replace("{document_id}", given.document_id)
    status, body = call(request(method, concrete, _body(route, given, user, fakes), user, groups))
    assert status == expected, body


def test_the_table_covers_every_route_of_the_template_once(template):
    events = template["Resources"]["ApiFunction"]["Properties"]["Events"].values()
    routes = sorted(f"{e['Properties']['Method']} {e['Properties']['Path']}" for e in events if e["Type"] == "HttpApi")
    assert sorted(route for route, _, _ in MATRIX) == routes
