"""Thin AWS adapters for blobs (S3, presigned upload grants and download URLs included), stage queues (SQS)
and domain events (EventBridge)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from loanpipe.domain.errors import RejectedInput
from loanpipe.domain.events import EVENT_SOURCE, DomainEvent
from loanpipe.service.ports import HeldObject, ObjectVersion, PrefixErased


class S3BlobStore:
    def __init__(self, client: Any):
        self._s3 = client

    def get(self, bucket: str, key: str, max_bytes: int | None = None, version_id: str | None = None) -> bytes:
        extra = {"VersionId": version_id} if version_id else {}
        response = self._s3.get_object(Bucket=bucket, Key=key, **extra)
        body = response["Body"]
        if max_bytes is None:
            return body.read()
        data = body.read(max_bytes + 1)
        body.close()
        if len(data) > max_bytes:
            raise RejectedInput("file_too_large", f"the file is larger than {max_bytes // (1024 * 1024)} MB")
        return data

    def versions(self, bucket: str, key: str) -> list[ObjectVersion]:
        found: list[ObjectVersion] = []
        for page in self._s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key):
            # S3 lists the versions of a key newest first; the prefix may match longer keys too.
            found.extend(ObjectVersion(v["VersionId"], v["ETag"].strip('"'), int(v["Size"]))
                         for v in page.get("Versions", []) if v["Key"] == key)
        return found[::-1]

    def keys(self, bucket: str, prefix: str) -> list[str]:
        found: dict[str, None] = {}
        for page in self._s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
            found.update((v["Key"], None) for v in page.get("Versions", []))
        return list(found)

    def erase_prefix(self, bucket: str, prefix: str, *, bypass_governance: bool = False) -> PrefixErased:
        deleted, held = 0, []
        extra = {"BypassGovernanceRetention": True} if bypass_governance else {}
        for page in self._s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
            versions = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                        for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
            if not versions:
                continue
            answer = self._s3.delete_objects(Bucket=bucket, Delete={"Objects": versions, "Quiet": True}, **extra)
            refused = answer.get("Errors", [])
            deleted += len(versions) - len(refused)
            held += [HeldObject(e["Key"], e.get("VersionId", ""), self._retain_until(bucket, e)) for e in refused]
        return PrefixErased(deleted, held)

    def _retain_until(self, bucket: str, refused: dict) -> str | None:
        try:
            version = {"VersionId": refused["VersionId"]} if refused.get("VersionId") else {}
            head = self._s3.head_object(Bucket=bucket, Key=refused["Key"], **version)
        except ClientError:
            return None
        until = head.get("ObjectLockRetainUntilDate")
        return until.isoformat() if until is not None else None

    def head(self, bucket: str, key: str) -> dict | None:
        try:
            return self._s3.head_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def put(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        self._s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)

    def presigned_post(self, bucket: str, key: str, content_type: str, max_bytes: int, expires_in: int) -> dict:
        # The client must sign with SigV4 (``adapters.clients.client("s3")`` does).
        post = self._s3.generate_presigned_post(
            Bucket=bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", 1, max_bytes],
                {"key": key},
            ],
            ExpiresIn=expires_in,
        )
        return {"url": post["url"], "fields": post["fields"]}

    def presigned_get(self, bucket: str, key: str, expires_in: int, version_id: str | None = None) -> str:
        params = {"Bucket": bucket, "Key": key} | ({"VersionId": version_id} if version_id else {})
        return self._s3.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)


class SqsStageQueue:
    def __init__(self, client: Any):
        self._sqs = client

    def send(self, queue_url: str, body: str) -> None:
        self._sqs.send_message(QueueUrl=queue_url, MessageBody=body)


class EventBridgePublisher:
    def __init__(self, client: Any, bus_name: str):
        self._events = client
        self._bus = bus_name

    def publish(self, event: DomainEvent) -> None:
        response = self._events.put_events(
            Entries=[
                {
                    "Source": EVENT_SOURCE,
                    "DetailType": event.detail_type,
                    "Detail": event.detail_json(),
                    "EventBusName": self._bus,
                }
            ]
        )
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"EventBridge refused {event.detail_type}: {response['Entries']}")


class SnsSmsSender:
    """One-time codes by SNS SMS (transactional: delivered even to numbers that opted out of promotions).

    On AWS the account must be out of the SMS sandbox (or the number verified) and have a sender ID or an
    origination number registered for mainland China; on the local cloud moto keeps the message."""

    def __init__(self, client: Any, sender_id: str | None = None):
        self._sns = client
        self._sender_id = sender_id

    def send(self, phone: str, text: str) -> None:
        attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
        if self._sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": self._sender_id}
        self._sns.publish(PhoneNumber=f"+86{phone}", Message=text, MessageAttributes=attributes)
