"""The local cloud's S3 notifications carry what AWS's carry from a versioned bucket (moto 5.2.5 leaves out the
version id, which the extract stage uses to tell the file a grant brought from a later one). moto runs in memory
here: no socket is opened."""

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
