"""boto3 clients, created on first use and cached per process (never at import time).

On the local cloud ``AWS_ENDPOINT_URL`` points every client at the moto server; on AWS it is unset. boto3 itself
is imported with the first client: a function pays for it when it first talks to AWS, not when it starts.
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30)
    if service == "s3":
        # Presigned POST URLs must carry SigV4 and path-style addressing works on AWS and the local cloud.
        return boto3.client("s3", config=config.merge(Config(signature_version="s3v4")))
    return boto3.client(service, config=config)
