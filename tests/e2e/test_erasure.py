"""PIPL on the local cloud (issue 12, item 6): a generated application goes through the whole chain as the demo
runs it (real images and PDFs, real OCR), is declined, and is erased with ``loanpipe erase``. Afterwards no API
answer about it and no function log holds its ID number, account number or phone in the clear, nothing of its
uploads or readings can be read back from the buckets, and its audit trail still verifies."""

from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from loanpipe.domain.idnumber import has_valid_check_digit
from loanpipe_infra import cli
from loanpipe_infra.client import ApiClient, ApiError
from loanpipe_infra.demo import DemoRunner, Progress
from testkit.samples import generate_applications

pytestmark = pytest.mark.e2e
CAPTURED_AT = datetime(2026, 11, 20, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")


@pytest.fixture(scope="module")
def declined(local_cloud, tmp_path_factory) -> tuple[str, dict[str, str]]:
    """A declined application (a loan far above the car's value) and its applicant's ID, account and phone."""
    folder = tmp_path_factory.mktemp("erase")
    [sample] = generate_applications(folder, 1, seed=43, tier="clean", defects=["ltv_exceeded"],
                                     captured_at=CAPTURED_AT)
    outcome = DemoRunner(local_cloud, Progress(), replay=True, timeout=300, sign=False).run(sample.folder)
    assert outcome.state == "DECLINED", outcome
    truth = json.loads((sample.folder / "truth.json").read_text(encoding="utf-8"))
    values = {"id_number": sample.declared["applicant"]["id_number"],
              "phone": sample.declared["applicant"]["phone"],
              "account_number": truth["documents"]["bank_statement.pdf"]["fields"]["account_number"]}
    return outcome.application_id, values


def _api(local_cloud, role: str, user: str) -> ApiClient:
    return ApiClient(local_cloud.state.api_url, local_cloud.token(role, user))


def _answers(local_cloud, app_id: str) -> str:
    """Every answer the API gives about the application, to an admin who reveals, a reviewer and its officer."""
    admin, reviewer = _api(local_cloud, "admin", "admin-9"), _api(local_cloud, "reviewer", "reviewer-9")
    view = admin.get(f"/applications/{app_id}", reveal="1")
    officer = _api(local_cloud, "field_officer", view["officer_id"])
    texts = [json.dumps(view, ensure_ascii=False)]
    for api in (admin, reviewer, officer):
        paths = [f"/applications/{app_id}", f"/applications/{app_id}/audit", f"/applications/{app_id}/decision",
                 f"/applications/{app_id}/checks"]
        paths += [f"/applications/{app_id}/documents/{doc['document_id']}" for doc in view["documents"]]
        for path in paths:
            try:
                texts.append(json.dumps(api.get(path, reveal="1"), ensure_ascii=False))
            except ApiError as refused:  # the officer on back-office routes; no decision or contract yet
                assert refused.status in (403, 409), (path, refused)
                texts.append(json.dumps(refused.body, ensure_ascii=False))
    return "\n".join(texts)


def _found(text: str, values: dict[str, str]) -> list[str]:
    return [name for name, value in values.items() if value in text]


def test_after_an_erase_no_answer_no_log_and_no_object_gives_the_applicants_numbers_back(
        local_cloud, declined, monkeypatch, capsys):
    app_id, values = declined
    # Given the application as it was read: its numbers are there to be revealed (the scan below can find them)
    assert _found(_answers(local_cloud, app_id), values) == ["id_number", "phone", "account_number"]
    # When an operator erases it
    monkeypatch.setenv("LOANPIPE_STATE_DIR", str(local_cloud.state_dir))
    assert cli.main(["erase", app_id, "--yes"]) == 0
    erased = json.loads(capsys.readouterr().out)
    assert erased["objects_deleted"] >= 5 and erased["retained"] == []
    # Then no API answer about it carries them, to anyone
    assert _found(_answers(local_cloud, app_id), values) == []
    # And nothing of its uploads or readings is left in the buckets, in any version
    s3 = local_cloud.client("s3")
    for bucket, prefix in (("UploadsBucket", "uploads"), ("ResultsBucket", "extractions")):
        name = local_cloud.stack.resources[bucket]["Ref"]
        listed = s3.list_object_versions(Bucket=name, Prefix=f"{prefix}/{app_id}/")
        assert not listed.get("Versions") and not listed.get("DeleteMarkers")
    # And its audit trail is whole, the erase its last entry
    assert cli.main(["audit", "verify", app_id, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    # And the function logs of the whole run never held its numbers in the clear
    logs = "\n".join(path.read_text(encoding="utf-8", errors="replace")
                     for path in (local_cloud.state_dir / "logs").glob("*.log"))
    assert logs and _found(logs, values) == []


def test_no_function_log_of_a_run_holds_an_unmasked_id_number(local_cloud, declined):
    """Every ID number of the session's runs (any 18-character number with a valid check character)."""
    logs = {path.name: path.read_text(encoding="utf-8", errors="replace")
            for path in (local_cloud.state_dir / "logs").glob("*.log")}
    assert "ExtractFunction.log" in logs and "ApiFunction.log" in logs
    leaks = {name: sorted({m for m in ID_NUMBER.findall(text) if has_valid_check_digit(m.upper())})
             for name, text in logs.items()}
    assert {name: found for name, found in leaks.items() if found} == {}
