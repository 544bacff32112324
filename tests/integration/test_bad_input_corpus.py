"""The bad-input corpus through the local cloud: every hostile or broken file an officer's tablet can upload, and every
hostile request issue 12 found, each ending in its clear error or terminal state, within the run's time budget, with
nothing else changed (other applications untouched, no document replaced, the audit trail whole).

The files go into a few applications (the statement slot takes many files), one local cloud for all. The time budget
is an upper bound of the run (``LOANPIPE_CORPUS_BUDGET`` seconds for each file to settle: a read that hangs fails
it), not an assertion on speed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import requests

from integration.support import card_photo, declared, document_settled, write
from loanpipe.domain.reasons import ReasonKind, kind_of
from loanpipe_infra.client import ApiClient, ApiError
from testkit.bad_inputs import CORPUS

pytestmark = pytest.mark.integration

BUDGET_SECONDS = float(os.environ.get("LOANPIPE_CORPUS_BUDGET", "240"))
FILES_PER_APPLICATION = 10
_CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".pdf": "application/pdf"}
TERMINAL_ACTIONS = ("document.extracted", "document.retake_requested", "document.rejected")


@pytest.fixture(scope="module")
def admin_api(local_cloud) -> ApiClient:
    return ApiClient(local_cloud.state.api_url, local_cloud.token("admin", "admin-1"))


@pytest.fixture(scope="module")
def bystander(officer_api, tmp_path_factory) -> dict:
    """Another application of the same officer, read before the corpus arrives: it must not change."""
    app = officer_api.create_application(declared())
    grant = officer_api.upload(app["application_id"], write(tmp_path_factory.mktemp("bystander"),
                                                            "id_card_front.jpg", card_photo()))
    document_settled(officer_api, app["application_id"], grant["document_id"], timeout=BUDGET_SECONDS)
    return _snapshot(officer_api, app["application_id"])


def _snapshot(api: ApiClient, application_id: str) -> dict:
    return {"view": api.get(f"/applications/{application_id}"),
            "audit": api.get(f"/applications/{application_id}/audit")["entries"]}


def _upload(api: ApiClient, application_id: str, item, data: bytes) -> str:
    """The file into the statement slot as the tablet uploads it (its name; its declared type, if it has one)."""
    content_type = item.content_type or _CONTENT_TYPES.get(Path(item.filename).suffix, "image/jpeg")
    grant = api.post(f"/applications/{application_id}/documents",
                     {"slot": "bank_statement", "content_type": content_type, "filename": item.filename})
    upload = grant["upload"]
    response = requests.post(upload["url"], data=upload["fields"], files={"file": (item.filename, data, content_type)},
                             timeout=120)
    assert response.status_code in (200, 201, 204), response.text[:200]
    return grant["document_id"]


def test_every_bad_file_ends_in_its_state_with_its_reason_and_nothing_else_changes(
        local_cloud, officer_api, reviewer_api, admin_api, bystander):
    corpus = CORPUS
    # Given the corpus uploaded into a few applications, ten files each
    uploaded: list[tuple[str, str, object]] = []
    for start in range(0, len(corpus), FILES_PER_APPLICATION):
        application_id = officer_api.create_application(declared())["application_id"]
        for item in corpus[start:start + FILES_PER_APPLICATION]:
            uploaded.append((application_id, _upload(officer_api, application_id, item, item.build()), item))
    # When the extract stage has read them, Then each ends in its state with its reason, within the budget
    wrong = []
    for application_id, document_id, item in uploaded:
        doc = document_settled(officer_api, application_id, document_id, timeout=BUDGET_SECONDS)
        codes = [reason["code"] for reason in doc["reasons"]]
        expected = ("REJECTED_INPUT", [item.rejected]) if item.rejected else ("RETAKE_REQUESTED", item.retake)
        if item.rejected and (doc["state"], codes) != expected:
            wrong.append(f"{item.name}: {doc['state']} {codes}")
        if item.retake and (doc["state"] != "RETAKE_REQUESTED" or item.retake not in codes):
            wrong.append(f"{item.name}: {doc['state']} {codes}")
        if not all(reason["zh"] and reason["en"] and kind_of(reason["code"]) in (ReasonKind.INPUT, ReasonKind.RETAKE)
                   for reason in doc["reasons"]):
            wrong.append(f"{item.name}: a reason without its text: {doc['reasons']}")
    assert not wrong, "\n".join(wrong)
    # And a refused file is never handed to the staff: the reviewer reads the reason, gets no link to the file
    for application_id, document_id, item in uploaded:
        if item.rejected:
            view = reviewer_api.get(f"/applications/{application_id}/documents/{document_id}")
            assert view["state"] == "REJECTED_INPUT" and not view.get("image_url"), item.name
    # And nothing else changed: no document replaced, one settling entry per upload, every audit trail whole
    for application_id in dict.fromkeys(app for app, _, _ in uploaded):
        ours = {doc for app, doc, _ in uploaded if app == application_id}
        view = officer_api.get(f"/applications/{application_id}")
        assert view["state"] == "DRAFT" and {d["document_id"] for d in view["documents"]} == ours
        assert not [d for d in view["documents"] if d["state"] == "SUPERSEDED"]
        entries = officer_api.get(f"/applications/{application_id}/audit")["entries"]
        settled = [e["document_id"] for e in entries if e["action"] in TERMINAL_ACTIONS]
        assert sorted(settled) == sorted(ours)
        assert admin_api.get(f"/applications/{application_id}/audit/verify")["ok"] is True
    assert _snapshot(officer_api, bystander["view"]["application_id"]) == bystander


def _create_status(api: ApiClient, body: dict | str, *, replay: bool = False,
                   content_type: str = "application/json") -> tuple[int, dict]:
    data = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    response = requests.post(api.base_url + "/applications", data=data.encode(), timeout=60,
                             params={"replay": "1"} if replay else None,
                             headers={"authorization": api._session.headers["authorization"],
                                      "content-type": content_type})
    return response.status_code, response.json()


def _with(section: str, field: str, value: object) -> dict:
    body = declared()
    body[section][field] = value
    return body


REQUEST_ATTACKS = [
    # (name, request body or text, status, error code, extra: replay / content type)
    ("backdating: a live officer's replay", declared(), 403, "forbidden", {"replay": True}),
    ("ID number with a wrong check digit", _with("applicant", "id_number", "110105198803120018"), 422,
     "invalid_request", {}),
    ("name with NUL", _with("applicant", "name", "张\x00伟"), 422, "invalid_request", {}),
    ("name with CR/LF", _with("applicant", "name", "张\r\n伟"), 422, "invalid_request", {}),
    ("name with a bidi override", _with("applicant", "name", "张\u202e伟"), 422, "invalid_request", {}),
    ("name with a zero-width joiner", _with("applicant", "name", "张\u200d伟"), 422, "invalid_request", {}),
    ("amount 1E+9999", json.dumps(declared()).replace('"120000.00"', "1E+9999"), 422, "invalid_request", {}),
    ("amount with three decimals", _with("loan", "amount", "120000.001"), 422, "invalid_request", {}),
    ("term_months: true", _with("loan", "term_months", True), 422, "invalid_request", {}),
    ("phone in Arabic-Indic digits", _with("applicant", "phone", "١٣٨٠٠١٣٨٠٠٠"), 422, "invalid_request", {}),
    ("deeply nested JSON", "[" * 100_000 + "]" * 100_000, 400, "bad_json", {}),
    ("JSON sent as application/octet-stream", declared(), 415, "unsupported_media_type",
     {"content_type": "application/octet-stream"}),
    ("body that is not JSON", "{applicant: 张伟", 400, "bad_json", {}),
]


@pytest.mark.parametrize(("name", "body", "status", "error", "extra"), REQUEST_ATTACKS,
                         ids=[attack[0] for attack in REQUEST_ATTACKS])
def test_a_hostile_create_request_is_refused_with_its_typed_error_and_creates_nothing(
        officer_api, bystander, name, body, status, error, extra):
    before = officer_api.get("/applications", limit="200")["items"]
    code, answer = _create_status(officer_api, body, **extra)
    assert (code, answer["error"]) == (status, error), answer
    assert officer_api.get("/applications", limit="200")["items"] == before
    assert _snapshot(officer_api, bystander["view"]["application_id"]) == bystander


BAD_CURSORS = ["!!", "WzEsIDIsIDNd", "eyJwayI6ICJBUFAjeCJ9", "9" * 3000]


@pytest.mark.parametrize("cursor", BAD_CURSORS, ids=["not base64", "a JSON list", "a key of the wrong shape",
                                                      "3000 digits"])
def test_a_malformed_list_cursor_is_400_bad_cursor(officer_api, reviewer_api, cursor):
    for api, path, params in ((officer_api, "/applications", {}), (reviewer_api, "/applications", {"state": "DRAFT"}),
                              (reviewer_api, "/review", {})):
        with pytest.raises(ApiError) as refused:
            api.get(path, cursor=cursor, **params)
        assert (refused.value.status, refused.value.body["error"]) == (400, "bad_cursor")


def test_the_masked_document_view_shows_no_id_number_unless_revealed_and_the_reveal_is_audited(
        officer_api, reviewer_api, bystander):
    application_id = bystander["view"]["application_id"]
    document_id = bystander["view"]["documents"][0]["document_id"]
    masked = reviewer_api.get(f"/applications/{application_id}/documents/{document_id}")
    assert "110105198803120014" not in json.dumps(masked, ensure_ascii=False)
    audit_before = len(officer_api.get(f"/applications/{application_id}/audit")["entries"])
    reviewer_api.get(f"/applications/{application_id}/documents/{document_id}", reveal="1")
    entries = officer_api.get(f"/applications/{application_id}/audit")["entries"]
    assert len(entries) == audit_before + 1 and entries[-1]["action"] == "personal_data.revealed"


def test_the_corpus_holds_at_least_forty_files_and_requests():
    assert len(CORPUS) + len(REQUEST_ATTACKS) + len(BAD_CURSORS) >= 40
