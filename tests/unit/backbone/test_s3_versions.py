"""S3 versions against moto in memory (no socket opened): the local cloud's notifications of a versioned bucket
carry the version id as AWS's do (moto 5.2.5 leaves it out; the extract stage uses it to tell the file a grant
brought from a later one), and the S3 blob store erases every version under a prefix and names what object lock
holds."""

from __future__ import annotations

import json

import boto3
from moto import mock_aws

from loanpipe_infra.localcloud.s3events import add_version_ids


@mock_aws
def test_the_local_clouds_notifications_of_a_versioned_bucket_name_the_version_as_aws_does():
    # Given moto's notification builder as the local cloud installs it, and a versioned bucket notifying a queue
    add_version_ids()
    s3 = boto3.client("s3", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue_url = sqs.create_queue(QueueName="uploads-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.create_bucket(Bucket="uploads")
    s3.put_bucket_versioning(Bucket="uploads", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(Bucket="uploads", NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}]})
    # When the same key is written twice
    written = [s3.put_object(Bucket="uploads", Key="uploads/LA1/D1/id_card_front.jpg", Body=body)["VersionId"]
               for body in (b"one", b"two")]
    # Then each notification names the version it created
    bodies = [json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
              .get("Messages", [])]
    named = [r["s3"]["object"].get("versionId") for body in bodies for r in body.get("Records", [])]
    assert named == written and len(set(written)) == 2


@mock_aws
def test_the_s3_store_erases_every_version_under_a_prefix_and_names_what_object_lock_holds():
    # Given a versioned uploads bucket with two versions of a scan, and a contracts bucket under object lock
    from loanpipe.adapters.aws import S3BlobStore

    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="uploads")
    s3.put_bucket_versioning(Bucket="uploads", VersioningConfiguration={"Status": "Enabled"})
    for body in (b"one", b"two"):
        s3.put_object(Bucket="uploads", Key="uploads/LA1/D1/id_card_front.jpg", Body=body)
    s3.put_object(Bucket="uploads", Key="uploads/LA2/D9/id_card_front.jpg", Body=b"another application")
    s3.create_bucket(Bucket="contracts", ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(Bucket="contracts", ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Years": 10}}})
    s3.put_object(Bucket="contracts", Key="contracts/LA1/round-1/contract.pdf", Body=b"%PDF")
    store = S3BlobStore(s3)
    # When the application's prefixes are erased
    uploads = store.erase_prefix("uploads", "uploads/LA1/")
    contracts = store.erase_prefix("contracts", "contracts/LA1/")
    # Then no version of its scan is left, the other application's is, and the locked contract is named
    assert uploads.deleted == 2 and uploads.held == []
    assert store.keys("uploads", "uploads/") == ["uploads/LA2/D9/id_card_front.jpg"]
    assert contracts.deleted == 0 and [h.key for h in contracts.held] == ["contracts/LA1/round-1/contract.pdf"]
    assert contracts.held[0].retain_until is not None
    # And with the right to bypass governance it goes too
    assert store.erase_prefix("contracts", "contracts/LA1/", bypass_governance=True).deleted == 1


@mock_aws
def test_listing_the_versions_under_a_prefix_pages_through_those_keys_alone_newest_first():
    # Given the local cloud's moto (its version listing reads the keys under the prefix only) and a versioned bucket
    # with two versions of one upload, one of another, and uploads of other applications
    from loanpipe_infra.localcloud.motofix import fix_moto

    fix_moto()
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="uploads")
    s3.put_bucket_versioning(Bucket="uploads", VersioningConfiguration={"Status": "Enabled"})
    front = [s3.put_object(Bucket="uploads", Key="uploads/LA1/D1/front.jpg", Body=body)["VersionId"]
             for body in (b"first", b"second")]
    back = s3.put_object(Bucket="uploads", Key="uploads/LA1/D2/back.jpg", Body=b"back")["VersionId"]
    for index in range(5):
        s3.put_object(Bucket="uploads", Key=f"uploads/LA2/D{index}/front.jpg", Body=b"other")
    # When the versions under the first application are listed two to a page
    pages = list(s3.get_paginator("list_object_versions").paginate(
        Bucket="uploads", Prefix="uploads/LA1/", PaginationConfig={"PageSize": 2}))
    listed = [(v["Key"], v["VersionId"], v["IsLatest"]) for page in pages for v in page.get("Versions", [])]
    # Then they are that application's, by key, newest first, each once, across the pages
    assert listed == [("uploads/LA1/D1/front.jpg", front[1], True), ("uploads/LA1/D1/front.jpg", front[0], False),
                      ("uploads/LA1/D2/back.jpg", back, True)]
    assert len(pages) == 2
    # And the blob store's versions of one key name that key's alone, oldest first
    from loanpipe.adapters.aws import S3BlobStore

    assert [v.version_id for v in S3BlobStore(s3).versions("uploads", "uploads/LA1/D1/front.jpg")] == front
