"""What one application costs on AWS, from what the local cloud counted while it carried the saturation run.

``usage_per_application`` turns the run's records (benchmarks/load.py: each invocation's duration and CPU, every
AWS call by caller, service, operation and table, the pollers' batches) into billable quantities per application;
``cost_per_application`` prices them with benchmarks/prices.json. benchmarks.report and benchmarks.capacity use both.

How each quantity is counted (the report repeats it):

- Lambda: each function's invocations, and GB-seconds = duration x MemorySize of template.yaml. Two durations: as
  measured here (wall, under this machine's contention) and CPU-bound (the invocation's CPU seconds stretched by
  the share of a vCPU Lambda gives below 1,769 MB); neither is Lambda's own measurement.
- HTTP API: the API function's invocations (the harness read the table for its waiting, so these are the field
  app's own calls: create, one grant per document, submit).
- SQS: the functions' sends, one S3 notification per upload, and for each batch the event-source mapping took one
  receive and one delete (its empty long polls are a fixed cost per queue, not per application).
- DynamoDB: per call, the items it wrote or read and their size from the request (writes) or the answer (reads),
  1 KB per WRU and 4 KB per RRU, transactions twice, eventually consistent reads half; each write of the
  application item also writes the by-officer and by-state indexes (projection ALL: the item's size) and the
  by-id-number index (a few attributes: 1 WRU).
- S3: requests by price class (the tablet's upload is a POST); storage of the raw scans for their retention.
- KMS: the functions' calls (Sign with the ECC contract key priced as asymmetric). The buckets use S3 Bucket Keys
  and DynamoDB caches its table key, so their KMS traffic is not per request; moto does not show it either.
- EventBridge: one custom event per PutEvents entry (the publisher sends one entry a call).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

PRICES = Path(__file__).resolve().parent / "prices.json"
NOT_BILLED_CALLERS = {"BenchHarness", "sdk", "EventSourceMapping"}  # the harness, provisioning, the pollers' own
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}
FULL_VCPU_MB = 1769  # Lambda gives one full vCPU at 1,769 MB, a proportional share below
RAW_SCAN_MONTHS = 90 / 30  # the template's RawScanRetentionDays default, in months


def load_prices(path: Path = PRICES) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _units(total_bytes: float, count: float, unit: int) -> float:
    """Request units of ``count`` items whose sizes add up to ``total_bytes`` (each rounded up to the unit)."""
    if count <= 0:
        return 0.0
    return count * math.ceil(max(1.0, total_bytes / count) / unit)


def dynamodb_units(calls: list[dict], applications_table: str) -> dict:
    """WRU and RRU of the billed calls, with the application item's index writes."""
    wru = rru = 0.0
    app_reads = [c for c in calls if c["table"] == applications_table and c["operation"] == "GetItem"]
    item_kb = math.ceil(max(1.0, sum(c["response_bytes"] for c in app_reads) /
                            max(1, sum(c["calls"] for c in app_reads))) / 1024)
    item_writes = 0
    for call in calls:
        transactional = call["operation"].startswith("Transact")
        if call["operation"] in WRITES:
            wru += _units(call["request_bytes"], call["items"], 1024) * (2 if transactional else 1)
            if call["table"] == applications_table and call["operation"] == "TransactWriteItems":
                item_writes += call["calls"]  # each transaction writes the application item once
        elif call["operation"] in READS:
            units = _units(call["response_bytes"], call["calls"], 4096)
            consistent_share = call["consistent"] / call["items"] if call["items"] else 1.0
            factor = 2.0 if transactional else 0.5 + 0.5 * consistent_share
            rru += units * factor
    index_wru = item_writes * (2 * item_kb + 1)
    return {"wru": wru + index_wru, "index_wru": index_wru, "rru": rru, "application_item_kb": item_kb}


def usage_per_application(saturation: dict, applications_table: str) -> dict:
    """Billable quantities per application of the saturation run."""
    apps = len(saturation["applications"])
    calls = [c for c in saturation["calls"] if c["caller"] not in NOT_BILLED_CALLERS]

    def count(service: str, operations: set[str] | None = None, caller: str | None = None, key="calls") -> float:
        return sum(c[key] for c in calls if c["service"] == service and (operations is None or c["operation"] in
                   operations) and (caller is None or c["caller"] == caller)) / apps

    functions = {}
    for name, invocations in saturation["invocations"].items():
        memory_gb = saturation["memory_mb"][name] / 1024
        stretch = max(1.0, FULL_VCPU_MB / saturation["memory_mb"][name])
        functions[name] = {
            "invocations": len(invocations) / apps,
            "gb_seconds": sum(i["duration_ms"] for i in invocations) / 1000 * memory_gb / apps,
            "gb_seconds_cpu_bound": sum(i["cpu_s"] for i in invocations) * stretch * memory_gb / apps,
            "cpu_s": sum(i["cpu_s"] for i in invocations) / apps,
            "memory_mb": saturation["memory_mb"][name],
        }
    uploads = count("s3", {"PutObject"}, caller="client")
    upload_bytes = sum(c["request_bytes"] for c in calls if c["caller"] == "client" and c["service"] == "s3") / apps
    batches = sum(saturation["batches"].values()) / apps
    sqs = {"sends": count("sqs", {"SendMessage", "SendMessageBatch"}), "s3_notifications": uploads,
           "event_source_receive_delete": 2 * batches}
    units = dynamodb_units(calls, applications_table)
    return {
        "applications": apps,
        "lambda": functions,
        "http_api_requests": functions.get("ApiFunction", {}).get("invocations", 0.0),
        "sqs": sqs,
        "sqs_requests": sum(sqs.values()),
        "dynamodb": {name: value / apps if name.endswith("ru") else value for name, value in units.items()},
        "s3_put_requests": count("s3", {"PutObject", "ListObjects", "PostObject", "CopyObject"}),
        "s3_get_requests": count("s3", {"GetObject", "HeadObject", "GetBucket", "HeadBucket"}),
        "raw_scan_gb_months": upload_bytes / 1e9 * RAW_SCAN_MONTHS,
        "kms_symmetric_requests": count("kms") - count("kms", {"Sign"}),
        "kms_asymmetric_requests": count("kms", {"Sign"}),
        "eventbridge_events": count("events", {"PutEvents"}),
        "log_gb": saturation.get("log_bytes", 0) / 1e9 / apps,
    }


def cost_per_application(usage: dict, prices: dict, cpu_bound: bool = False) -> dict[str, float]:
    """USD per application by service (``cpu_bound``: Lambda at the CPU-bound durations)."""
    p = {name: entry["usd"] for name, entry in prices["prices"].items()}
    gb_s = sum(f["gb_seconds_cpu_bound" if cpu_bound else "gb_seconds"] for f in usage["lambda"].values())
    lines = {
        "Lambda compute": gb_s * p["lambda_gb_second"],
        "Lambda requests": sum(f["invocations"] for f in usage["lambda"].values()) * p["lambda_request"],
        "HTTP API": usage["http_api_requests"] * p["http_api_request"],
        "SQS": usage["sqs_requests"] * p["sqs_request"],
        "DynamoDB writes": usage["dynamodb"]["wru"] * p["dynamodb_write_request_unit"],
        "DynamoDB reads": usage["dynamodb"]["rru"] * p["dynamodb_read_request_unit"],
        "S3 requests": usage["s3_put_requests"] * p["s3_put_request"] + usage["s3_get_requests"] * p["s3_get_request"],
        "S3 raw scans stored": usage["raw_scan_gb_months"] * p["s3_storage_gb_month"],
        "KMS": usage["kms_symmetric_requests"] * p["kms_request"]
        + usage["kms_asymmetric_requests"] * p["kms_asymmetric_request"],
        "EventBridge": usage["eventbridge_events"] * p["eventbridge_event"],
        "CloudWatch Logs": usage["log_gb"] * p["cloudwatch_logs_ingested_gb"],
    }
    lines["total"] = sum(lines.values())
    return lines
