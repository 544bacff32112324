"""Every AWS call the local cloud serves, counted by caller, service and operation (the cost benchmark's source).

A WSGI middleware in front of the moto server. It reads what AWS would bill by:

- the service from the SigV4 credential scope (``Credential=<key>/<date>/<region>/<service>/aws4_request``, in the
  ``Authorization`` header or, for a presigned URL, the query string); a request that is not signed this way (the
  tablet's presigned POST upload carries its signature in the form) is S3, as moto itself decides;
- the operation from ``X-Amz-Target`` (JSON protocols: DynamoDB, SQS, KMS, EventBridge, Cognito, Secrets Manager),
  the ``Action`` parameter (query protocols: SNS, STS), or, for S3, the request class AWS prices (PUT/COPY/POST/LIST
  one price, GET/HEAD another);
- the caller from the User-Agent: a function's SDK carries ``app/<LogicalId>`` (the runtime sets
  ``AWS_SDK_UA_APP_ID``), the event-source pollers ``app/EventSourceMapping``, other SDK clients (provisioning, a
  harness without an app id) ``sdk``, and anything else (the field app's upload with ``requests``) ``client``;
- for DynamoDB, the table(s) and the number of items a call writes or reads (a transaction's items, a batch's
  requests) and whether a read was strongly consistent, parsed from the JSON body.

Only the counters are kept (a few hundred keys), so it runs in every local cloud.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

CREDENTIAL = re.compile(r"Credential=[^/,&\s]+/\d{8}/[^/]+/([a-z0-9-]+)/aws4_request")
QUERY_CREDENTIAL = re.compile(r"X-Amz-Credential=[^&]*?%2F\d{8}%2F[^%]+%2F([a-z0-9-]+)%2Faws4_request", re.I)
APP_ID = re.compile(r"\bapp/([A-Za-z0-9._-]+)")
BODY_LIMIT = 1 << 20  # JSON and form bodies read to find the operation and the tables; uploads are never read
DYNAMODB_WRITES = {"PutItem": "Item", "UpdateItem": None, "DeleteItem": None}


@dataclass
class Tally:
    calls: int = 0
    items: int = 0  # DynamoDB: items written or read by the calls (a transaction of 3 writes counts 3)
    consistent: int = 0  # DynamoDB reads with ConsistentRead (or in a transaction: always)
    request_bytes: int = 0
    response_bytes: int = 0


def caller_of(user_agent: str) -> str:
    match = APP_ID.search(user_agent or "")
    if match:
        return match.group(1)
    return "sdk" if "botocore" in (user_agent or "").lower() else "client"


def s3_operation(method: str, path: str, query: str) -> str:
    """S3's price classes: a bucket-level GET is a LIST (priced with PUT/COPY/POST), an object GET or HEAD a GET."""
    parts = [p for p in path.split("/") if p]
    on_object = len(parts) >= 2
    if method in ("PUT", "POST"):
        return "PutObject" if on_object or method == "POST" else f"{method}Bucket"
    if method == "GET":
        return "GetObject" if on_object else ("ListObjects" if "list-type" in query or not query else "GetBucket")
    if method == "HEAD":
        return "HeadObject" if on_object else "HeadBucket"
    if method == "DELETE":
        return "DeleteObject" if on_object else "DeleteBucket"
    return method


def dynamodb_items(operation: str, body: dict) -> list[tuple[str, int, bool]]:
    """(table, items, strongly consistent) touched by one DynamoDB call."""
    if operation in ("TransactWriteItems", "TransactGetItems"):
        per_table: dict[str, int] = {}
        for item in body.get("TransactItems", []):
            for action in item.values():
                table = action.get("TableName", "?")
                per_table[table] = per_table.get(table, 0) + 1
        return [(table, count, True) for table, count in per_table.items()]
    if operation in ("BatchWriteItem", "BatchGetItem"):
        return [(table, len(requests) if isinstance(requests, list) else len(requests.get("Keys", [])),
                 isinstance(requests, dict) and bool(requests.get("ConsistentRead")))
                for table, requests in body.get("RequestItems", {}).items()]
    return [(body.get("TableName", "?"), 1, bool(body.get("ConsistentRead")))]


class TrafficMeter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tallies: dict[tuple[str, str, str, str], Tally] = {}

    def wrap(self, app: Callable) -> Callable:
        def metered(environ: dict, start_response: Callable) -> Iterable[bytes]:
            service, operation, tables = self.classify(environ)
            caller = caller_of(environ.get("HTTP_USER_AGENT", ""))
            sent = int(environ.get("CONTENT_LENGTH") or 0)
            body = app(environ, start_response)
            return self._counted(body, caller, service, operation, tables, sent)

        return metered

    def _counted(self, body: Iterable[bytes], caller: str, service: str, operation: str,
                 tables: list[tuple[str, int, bool]], sent: int) -> Iterable[bytes]:
        size = 0
        try:
            for chunk in body:
                size += len(chunk)
                yield chunk
        finally:
            close = getattr(body, "close", None)
            if close:
                close()
            with self._lock:
                for index, (table, items, consistent) in enumerate(tables or [("", 0, False)]):
                    tally = self._tallies.setdefault((caller, service, operation, table), Tally())
                    tally.calls += 1 if index == 0 else 0
                    tally.items += items
                    tally.consistent += items if consistent else 0
                    tally.request_bytes += sent if index == 0 else 0
                    tally.response_bytes += size if index == 0 else 0

    @staticmethod
    def classify(environ: dict) -> tuple[str, str, list[tuple[str, int, bool]]]:
        query = environ.get("QUERY_STRING", "")
        scope = CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", "")) or QUERY_CREDENTIAL.search(query)
        service = scope.group(1) if scope else "s3"
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        content_type = environ.get("CONTENT_TYPE", "")
        body = _peek(environ) if ("json" in content_type or "x-www-form-urlencoded" in content_type) else b""
        if target:
            operation = target.rsplit(".", 1)[-1]
        elif service == "s3":
            operation = s3_operation(environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", ""), query)
        else:
            form = parse_qs(query) or parse_qs(body.decode("utf-8", "replace"))
            operation = (form.get("Action") or [environ.get("REQUEST_METHOD", "?")])[0]
        tables: list[tuple[str, int, bool]] = []
        if service == "dynamodb" and body:
            try:
                tables = dynamodb_items(operation, json.loads(body))
            except (ValueError, AttributeError):
                tables = []
        return service, operation, tables

    def snapshot(self) -> dict[tuple[str, str, str, str], Tally]:
        with self._lock:
            return {key: Tally(**vars(tally)) for key, tally in self._tallies.items()}

    @staticmethod
    def difference(after: dict, before: dict) -> list[dict[str, Any]]:
        """The calls between two snapshots, one row per (caller, service, operation, table)."""
        rows = []
        for key, tally in sorted(after.items()):
            base = before.get(key, Tally())
            delta = {name: getattr(tally, name) - getattr(base, name) for name in vars(tally)}
            if delta["calls"] or delta["items"]:
                rows.append({"caller": key[0], "service": key[1], "operation": key[2], "table": key[3], **delta})
        return rows


def _peek(environ: dict) -> bytes:
    """Read a small body and put it back for moto."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if not length or length > BODY_LIMIT:
        return b""
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body
