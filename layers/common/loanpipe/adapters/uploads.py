"""Presigned POST per document slot: the server chooses the key; size and type are conditions."""

from __future__ import annotations

from typing import Any


class S3UploadSigner:
    def __init__(self, client: Any):
        self._s3 = client

    def presigned_post(self, bucket: str, key: str, content_type: str, max_bytes: int, expires_in: int) -> dict:
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
