"""boto3 clients, created on first use and cached per process (never at import time).

On the local cloud ``AWS_ENDPOINT_URL`` points every client at the moto server; on AWS it is unset. boto3 itself
is imported with the first client: a function pays for it when it first talks to AWS, not when it starts.
``deferred_client`` goes one step further for the services a request may not need: the client is made when the
adapter first uses it (the API's first request, creating an application, talks to DynamoDB only).
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


class _DeferredClient:
    """Stands for ``client(service)`` and makes it when first asked for anything (a method, ``exceptions``)."""

    def __init__(self, service: str):
        self._service = service

    def __getattr__(self, name: str) -> Any:
        return getattr(client(self._service), name)

    def __repr__(self) -> str:
        return f"deferred_client({self._service!r})"


def deferred_client(service: str) -> Any:
    """``client(service)``, made on first use (about 0.01-0.07 s of CPU each on a cold start; S3's is the dearest)."""
    return _DeferredClient(service)
