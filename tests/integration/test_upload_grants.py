"""The evidence swap of issue 12 (item 2) on the local cloud: a presigned POST posted again after the application
left DRAFT. Before: it replaced the ID photo of an application in review with no state change and no audit entry,
and the reviewer's link served the new file. Now the uploads bucket keeps both versions, the document keeps the
one that was read, the reviewer's link serves that one, and the second file is recorded and audited as refused."""

from __future__ import annotations

import pytest
import requests

from integration.support import card_photo, declared, document_settled, wait_for, write
from loanpipe_infra.client import ApiClient

pytestmark = pytest.mark.integration


def _uploads_bucket(local_cloud) -> str:
    return local_cloud.stack.resources["UploadsBucket"]["Ref"]


def _post(grant: dict, data: bytes) -> int:
    upload = grant["upload"]
    response = requests.post(upload["url"], data=upload["fields"],
                             files={"file": ("id_card_front.jpg", data, "image/jpeg")}, timeout=60)
    return response.status_code


def test_the_local_uploads_bucket_is_versioned_and_expires_old_versions_as_the_template_says(local_cloud):
    s3, bucket = local_cloud.client("s3"), _uploads_bucket(local_cloud)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = {rule["ID"]: rule for rule in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert rules["ExpireRawScans"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 90
    assert rules["RemoveExpiredDeleteMarkers"]["Expiration"] == {"ExpiredObjectDeleteMarker": True}


def test_a_grant_posted_again_after_the_application_left_draft_swaps_no_evidence(local_cloud, officer_api, tmp_path):
    reviewer = ApiClient(local_cloud.state.api_url, local_cloud.token("reviewer", "reviewer-2"))
    genuine, forged = card_photo("姓名 张伟"), card_photo("姓名 李四")
    # Given an ID photo uploaded and read, and the capture submitted as final: the application goes to review
    app_id = officer_api.create_application(declared())["application_id"]
    grant = officer_api.upload(app_id, write(tmp_path, "id_card_front.jpg", genuine))
    doc_id = grant["document_id"]
    read = document_settled(officer_api, app_id, doc_id)
    officer_api.post(f"/applications/{app_id}/submit", {"final": True})
    in_review = wait_for(lambda: officer_api.get(f"/applications/{app_id}"), lambda v: v["state"] == "IN_REVIEW")
    audit_before = len(officer_api.get(f"/applications/{app_id}/audit")["entries"])
    # When the same presigned POST is used again with another picture (S3 takes it: the grant has not expired)
    assert _post(grant, forged) == 204
    # Then the extract function refuses it, audited, naming the refused version
    refused = wait_for(lambda: officer_api.get(f"/applications/{app_id}/audit")["entries"],
                       lambda entries: any(e["action"] == "document.upload_refused" for e in entries))
    [entry] = [e for e in refused if e["action"] == "document.upload_refused"]
    versions = local_cloud.client("s3").list_object_versions(Bucket=_uploads_bucket(local_cloud),
                                                             Prefix=grant["key"])["Versions"]
    newest = next(v for v in versions if v["IsLatest"])
    assert len(versions) == 2 and entry["detail"]["version_id"] == newest["VersionId"]
    assert entry["document_id"] == doc_id and entry["detail"]["reason"] == "upload_grant_used"
    assert len(refused) == audit_before + 1  # the refusal, and nothing else happened
    # And the application and the document are as they were
    after = officer_api.get(f"/applications/{app_id}")
    doc = next(d for d in after["documents"] if d["document_id"] == doc_id)
    assert after["state"] == "IN_REVIEW" and after["version"] == in_review["version"] + 1
    assert doc["state"] == read["state"] and doc["fields"] == read["fields"]
    assert [r["reason"]["code"] for r in doc["refused_uploads"]] == ["upload_grant_used"]
    # And the reviewer's link serves the photo that was read, not the one posted later
    view = reviewer.get(f"/applications/{app_id}/documents/{doc_id}")
    served = requests.get(view["image_url"], timeout=60)
    assert served.status_code == 200 and served.content == genuine
    # And the audit trail still verifies
    admin = ApiClient(local_cloud.state.api_url, local_cloud.token("admin", "admin-1"))
    assert admin.get(f"/applications/{app_id}/audit/verify")["ok"] is True
