"""The S3 blob store signs what the API hands out: upload grants with their conditions, short-lived reads.

Presigning is computed locally by botocore (no request is sent), so these run with sockets blocked.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.config import Config

from loanpipe.adapters.aws import S3BlobStore

KEY = "uploads/LA01/D01/id_card_front.jpg"


@pytest.fixture
def store() -> S3BlobStore:
    client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing", config=Config(signature_version="s3v4"))
    return S3BlobStore(client)


def test_an_upload_grant_allows_only_the_chosen_key_type_and_size(store):
    grant = store.presigned_post("uploads-bucket", KEY, "image/jpeg", max_bytes=20_000_000, expires_in=900)
    assert grant["fields"]["key"] == KEY and grant["fields"]["Content-Type"] == "image/jpeg"
    policy = json.loads(base64.b64decode(grant["fields"]["policy"]))
    assert ["content-length-range", 1, 20_000_000] in policy["conditions"]
    assert {"Content-Type": "image/jpeg"} in policy["conditions"] and {"key": KEY} in policy["conditions"]
    assert set(grant) == {"url", "fields"}


def test_a_download_url_reads_one_object_for_the_given_seconds(store):
    url = urlsplit(store.presigned_get("contracts-bucket", "contracts/LA01/contract.pdf", expires_in=300))
    assert url.path.endswith("/contracts/LA01/contract.pdf") and "contracts-bucket" in url.netloc + url.path
    assert parse_qs(url.query)["X-Amz-Expires"] == ["300"]
