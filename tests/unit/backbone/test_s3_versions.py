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
