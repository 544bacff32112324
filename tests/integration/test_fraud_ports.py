"""The fraud ports on the local cloud: the by-id-number index and the officer directory in Cognito."""

from __future__ import annotations

from datetime import date

import pytest

from integration.support import declared, wait_for
from loanpipe_infra.client import ApiClient
from testkit.samples.persona import make_id_number

pytestmark = pytest.mark.integration
DONE = ("IN_REVIEW", "DECLINED", "AWAITING_SIGNATURE")


def _submit_without_documents(api: ApiClient, body: dict) -> str:
    app = api.create_application(body)
    api.post(f"/applications/{app['application_id']}/submit", {"final": True})
    return app["application_id"]


def _reasons(api: ApiClient, application_id: str) -> list[str]:
    view = wait_for(lambda: api.get(f"/applications/{application_id}"), lambda v: v["state"] in DONE, timeout=120)
    return [reason["code"] for reason in view["decision"]["reasons"]]


def test_the_same_id_number_in_open_applications_of_two_officers_is_flagged(local_cloud, reviewer_api):
    # a number no other test of this session's cloud uses: open captures of other tests count as applications
    id_number = make_id_number("440305", date(1990, 1, 1), 457)
    first_officer = ApiClient(local_cloud.state.api_url, local_cloud.token("field_officer", "FO-2001"))
    second_officer = ApiClient(local_cloud.state.api_url, local_cloud.token("field_officer", "FO-2002"))
    first = _submit_without_documents(first_officer, declared("FO-2001", id_number))
    assert "concurrent_application" not in _reasons(reviewer_api, first)
    second = _submit_without_documents(second_officer, declared("FO-2002", id_number))
    assert "concurrent_application" in _reasons(reviewer_api, second)


def test_an_applicant_phone_that_is_an_officers_phone_is_flagged(local_cloud, reviewer_api):
    officer = ApiClient(local_cloud.state.api_url, local_cloud.token("field_officer", "FO-3001"))
    local_cloud.state.token("field_officer", "FO-3002", phone="13912345678")  # a colleague's registered phone
    body = declared("FO-3001", "310115198512123450")
    body["applicant"]["phone"] = "13912345678"
    application_id = _submit_without_documents(officer, body)
    assert "phone_matches_officer" in _reasons(reviewer_api, application_id)
