"""The chain with Tesseract as its OCR engine (template parameter OcrEngine=tesseract): the second engine
stays usable end to end, as the Lambda OCR layer ships it."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from integration.support import document_settled
from loanpipe_infra.client import ApiClient
from loanpipe_infra.localcloud.cloud import LocalCloud
from testkit.samples import generate_applications

pytestmark = pytest.mark.integration


def test_an_upload_is_read_by_tesseract_when_the_stack_says_so(project_root, tmp_path):
    sample, = generate_applications(tmp_path / "apps", 1, seed=3, tier="clean",
                                    captured_at=datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    # moto keeps one set of backends per process: the session's local cloud is running beside this one,
    # so this stack gets a stage and a stack name of its own (key alias, buckets, tables, queues differ).
    overrides = {"OcrEngine": "tesseract", "Stage": "tess"}
    with LocalCloud(project_root, parameter_overrides=overrides, state_dir=tmp_path / "state",
                    stack_name="loanpipe-tess",
                    warm=False) as cloud:
        assert cloud.pools["ExtractFunction"]._env["LOANPIPE_OCR_ENGINE"] == "tesseract"
        officer = ApiClient(cloud.state.api_url, cloud.back_test_token(sample.declared["capture"]["officer_id"]))
        app = officer.create_application(sample.declared, replay=True)
        card_back = next(sample.folder.glob("id_card_back.*"))
        grant = officer.upload(app["application_id"], card_back)
        doc = document_settled(officer, app["application_id"], grant["document_id"], timeout=180)
    assert doc["engine"] == "tesseract" and doc["state"] == "EXTRACTED", doc["reasons"]
    expected = json.loads((sample.folder / "truth.json").read_text(encoding="utf-8"))["documents"][card_back.name]
    assert doc["fields"]["valid_until"]["value"] == expected["fields"]["valid_until"]
