"""Capacity on paper: ``make capacity`` (``python -m benchmarks.capacity``) -> benchmarks/capacity.md.

Reads the figures the benchmark measured (benchmarks/report.json, ``capacity_inputs``: per application, each
function's invocations and durations, the AWS calls counted by the local cloud, the application item's size and
its writes by state) and the template's settings (template.yaml: each event source's MaximumConcurrency and
BatchSize, the tables' keys and indexes), and computes at a monthly volume with a peak-hour factor (default one
million applications a month, a peak hour ten times the average hour):

- the Lambda concurrency each stage needs at the peak (Little's law: invocations per second x mean duration, at
  the CPU-bound durations and at the durations measured on this machine), against its event source's
  MaximumConcurrency and the account's concurrency quota;
- SQS, EventBridge, HTTP API and S3 request rates against their quotas and per-prefix limits;
- DynamoDB write and read units per second, per table and on the hottest key of each index (a partition key value
  takes at most 1,000 WCU and 3,000 RCU a second), and the shards a hot index key needs;
- the image index's band collections as they grow month after month (a duplicate search reads whole bands);
- the cost per month (benchmarks/report.json's cost per application x the volume);
- what breaks first (the highest ratio of need to limit) and the setting that moves it.

``plan`` is the arithmetic (tests/unit/backbone/test_capacity.py checks it on small numbers); ``main`` writes the page.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "benchmarks" / "capacity.md"
REPORT_JSON = ROOT / "benchmarks" / "report.json"
HOURS_PER_MONTH = 30 * 24
PARTITION_WCU = 1000  # per partition key value and second (DynamoDB)
PARTITION_RCU = 3000
HEADROOM = 0.5  # plan hot keys to half their partition's limit


@dataclass(frozen=True)
class Limits:
    """Default quotas (us-east-1) the plan is checked against; each is a setting or a quota request."""

    account_concurrency: int = 1000  # Lambda concurrent executions, per account and region
    eventbridge_put_events_per_s: int = 10000  # PutEvents, us-east-1 (lower in smaller regions)
    http_api_requests_per_s: int = 10000  # API Gateway, per account and region
    s3_put_per_prefix_per_s: int = 3500
    s3_get_per_prefix_per_s: int = 5500
    dynamodb_table_wru_per_s: int = 40000  # on-demand table throughput quota (default maximum)
    dynamodb_table_rru_per_s: int = 40000
    kms_ecc_sign_per_s: int = 300  # asymmetric ECC cryptographic operations


def peak_rate(monthly: float, peak_factor: float) -> float:
    """Applications per second in the peak hour."""
    return monthly / HOURS_PER_MONTH * peak_factor / 3600


def plan(inputs: dict, monthly: float = 1_000_000, peak_factor: float = 10, limits: Limits = Limits()) -> dict:
    """Every figure of the page from the measured inputs (per application) and the volume."""
    rate = peak_rate(monthly, peak_factor)
    stages, checks = {}, []
    total_concurrency = 0.0
    for name, f in inputs["functions"].items():
        per_s = rate * f["invocations"]
        need = per_s * f["cpu_bound_duration_s"]
        need_measured = per_s * f["measured_duration_s"]
        stages[name] = {"invocations_per_s": per_s, "concurrency": need, "concurrency_measured": need_measured,
                        "maximum_concurrency": f.get("maximum_concurrency")}
        total_concurrency += need
        if f.get("maximum_concurrency"):
            checks.append((f"{name} concurrency / its event source's MaximumConcurrency", need,
                           f["maximum_concurrency"], f"{name} Events ScalingConfig.MaximumConcurrency"))
    checks.append(("all functions' concurrency / account concurrency", total_concurrency, limits.account_concurrency,
                   "Service Quotas: Lambda concurrent executions"))
    events_per_s = rate * inputs["eventbridge_events"]
    checks.append(("EventBridge PutEvents / quota", events_per_s, limits.eventbridge_put_events_per_s,
                   "Service Quotas: EventBridge PutEvents throttle limit"))
    http_per_s = rate * inputs["http_requests"]
    checks.append(("HTTP API requests / account quota", http_per_s, limits.http_api_requests_per_s,
                   "Service Quotas: API Gateway throttle (and the stage's route throttling)"))
    s3 = {"put_per_s": rate * inputs["s3_put"], "get_per_s": rate * inputs["s3_get"]}
    # Keys are <application>/<document>: each application is its own prefix; the busiest prefix is one application.
    s3["busiest_prefix_put_per_s"] = inputs["s3_put"] / max(1.0, inputs["application_seconds"])
    checks.append(("S3 PUT on the busiest prefix / per-prefix limit", s3["busiest_prefix_put_per_s"],
                   limits.s3_put_per_prefix_per_s, "key layout (<application>/<document> already spreads them)"))
    sqs_per_s = rate * inputs["sqs_requests"]
    kms_per_s = rate * inputs["kms_sign"]
    checks.append(("KMS Sign (ECC) / quota", kms_per_s, limits.kms_ecc_sign_per_s,
                   "Service Quotas: KMS cryptographic operations (ECC) request rate"))
    dynamo = dynamodb_plan(inputs, rate, limits, checks)
    bands = band_growth(inputs, monthly)
    year = bands[max(bands)]
    searches_per_key = rate * inputs["images"] * inputs["image_bands"] / inputs["image_band_keys"]
    checks.append((f"image index, one band key after {max(bands)} months (spread evenly) RRU / partition key limit",
                   searches_per_key * year["rru_per_search"], PARTITION_RCU,
                   "a TTL on band items and the slot in the band key (see DynamoDB)"))
    ranked = sorted(({"what": what, "need": need, "limit": limit, "ratio": need / limit, "setting": setting}
                     for what, need, limit, setting in checks), key=lambda c: -c["ratio"])
    return {"monthly": monthly, "peak_factor": peak_factor, "peak_applications_per_s": rate,
            "peak_applications_per_hour": rate * 3600, "stages": stages, "total_concurrency": total_concurrency,
            "sqs_requests_per_s": sqs_per_s, "eventbridge_events_per_s": events_per_s,
            "http_requests_per_s": http_per_s,
            "s3": s3, "kms_sign_per_s": kms_per_s, "dynamodb": dynamo, "image_bands": bands, "checks": ranked,
            "breaks_first": ranked[0],
            "cost_per_month_usd": inputs["cost_per_application_usd"] * monthly + inputs.get("fixed_monthly_usd", 0.0)}


def dynamodb_plan(inputs: dict, rate: float, limits: Limits, checks: list) -> dict:
    """Table totals and the hottest key of each index of the applications table."""
    tables = {name: {"wru_per_s": rate * t["wru"], "rru_per_s": rate * t["rru"]}
              for name, t in inputs["dynamodb_tables"].items()}
    for name, table in tables.items():
        checks.append((f"DynamoDB {name} WRU / table quota", table["wru_per_s"], limits.dynamodb_table_wru_per_s,
                       "Service Quotas: DynamoDB table-level write throughput"))
        checks.append((f"DynamoDB {name} RRU / table quota", table["rru_per_s"], limits.dynamodb_table_rru_per_s,
                       "Service Quotas: DynamoDB table-level read throughput"))
    item_kb = inputs["application_item_kb"]
    writes = inputs["application_item_writes"]  # per application, by the state the item is in when written
    hot_state, hot_writes = max(writes.items(), key=lambda kv: kv[1])
    # by-state projects ALL: each write of the item writes its index copy, item_kb units, on the key of its state.
    by_state_wru = rate * hot_writes * item_kb
    shards = max(1, math.ceil(by_state_wru / (PARTITION_WCU * HEADROOM)))
    checks.append((f"by-state index, key '{hot_state}' WRU / partition key limit", by_state_wru, PARTITION_WCU,
                   "write sharding of the by-state key (state#shard) and a smaller projection"))
    # by-officer: one officer's applications; the busiest officer does ``busiest_officer_share`` of the traffic.
    by_officer_wru = rate * inputs["busiest_officer_share"] * sum(writes.values()) * item_kb
    checks.append(("by-officer index, busiest officer WRU / partition key limit", by_officer_wru, PARTITION_WCU,
                   "none needed: officers are many"))
    return {"tables": tables, "hot_state": hot_state, "by_state_hot_key_wru_per_s": by_state_wru,
            "by_state_shards_needed": shards, "by_officer_hot_key_wru_per_s": by_officer_wru,
            "by_state_keys_only_wru_per_s": rate * hot_writes * 1}


def band_growth(inputs: dict, monthly: float, months: tuple[int, ...] = (1, 6, 12)) -> dict:
    """The image index: every image is written to ``bands`` band keys; a search reads its bands whole. With the
    hashes spread evenly (the best case), each band key holds images x bands / keys items after m months."""
    bands, keys, item_bytes = inputs["image_bands"], inputs["image_band_keys"], inputs["image_band_item_bytes"]
    images = inputs["images"]
    rows = {}
    for m in months:
        per_key = monthly * m * images * bands / keys
        rru_per_query = math.ceil(per_key * item_bytes / 4096) * 0.5  # eventually consistent Query
        pages = math.ceil(per_key * item_bytes / 2**20)  # a Query returns at most 1 MB a page
        rows[m] = {"items_per_key": per_key, "rru_per_search": rru_per_query,
                   "rru_per_application": rru_per_query * bands * images,
                   "query_pages_per_application": pages * bands * images}
    return rows


# ---------------------------------------------------------------- inputs (from the run) and the page

STATE_OF_WRITER = {"ApiFunction": "DRAFT", "ExtractFunction": "DRAFT"}  # later stages write later states


def template_settings(template: dict) -> dict:
    """Each function's event source: MaximumConcurrency and BatchSize (None for the API and the schedules), and the
    type of its first event (SQS, HttpApi, Schedule)."""
    settings = {}
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        events = list(resource["Properties"].get("Events", {}).values())
        sqs = [e["Properties"] for e in events if e["Type"] == "SQS"]
        settings[name] = {"maximum_concurrency": (sqs[0].get("ScalingConfig") or {}).get("MaximumConcurrency")
                          if sqs else None, "batch_size": sqs[0].get("BatchSize") if sqs else None,
                          "trigger": events[0]["Type"] if events else None}
    return settings


def band_keys(bands: int) -> int:
    """Distinct band keys of ``hash_bands`` over a 64-bit hash cut into ``bands`` bands."""
    return sum(2 ** (64 // bands + (1 if index < 64 % bands else 0)) for index in range(bands))


def inputs_from_run(saturation: dict, usage: dict, cost_total: float, template: dict) -> dict:
    """What ``plan`` needs, per application, from the saturation run (benchmarks.load) and its usage
    (benchmarks.cost)."""
    apps = len(saturation["applications"])
    settings = template_settings(template)
    functions = {}
    for name, invocations in saturation["invocations"].items():
        stretch = max(1.0, 1769 / saturation["memory_mb"][name])
        count = max(1, len(invocations))
        functions[name] = {"invocations": len(invocations) / apps,
                           "cpu_bound_duration_s": sum(i["cpu_s"] for i in invocations) * stretch / count,
                           "measured_duration_s": sum(i["duration_ms"] for i in invocations) / 1000 / count,
                           **settings.get(name, {})}
    calls = [c for c in saturation["calls"] if c["caller"] in saturation["invocations"]]
    app_table = next(n for n in saturation["dynamodb_items"] if n.endswith("ApplicationsTable"))
    image_table = next(n for n in saturation["dynamodb_items"] if n.endswith("ImageIndexTable"))
    writes: dict[str, float] = {}
    for call in calls:
        if call["table"] == app_table and call["operation"] == "TransactWriteItems":
            state = STATE_OF_WRITER.get(call["caller"], "later states")
            writes[state] = writes.get(state, 0.0) + call["calls"] / apps
    images = sum(c["calls"] for c in calls if c["table"] == image_table and c["operation"] == "UpdateItem") / apps
    band_puts = sum(c["calls"] for c in calls if c["table"] == image_table and c["operation"] == "PutItem") / apps
    bands = round(band_puts / images) if images else 7
    per_table = _per_table_units(calls, app_table, usage, apps)
    spans = [max(u["uploaded_at"] for u in a["uploads"]) - min(u["uploaded_at"] for u in a["uploads"])
             for a in saturation["applications"] if a["uploads"]]
    return {
        "functions": functions,
        "http_requests": usage["http_api_requests"], "sqs_requests": usage["sqs_requests"],
        "eventbridge_events": usage["eventbridge_events"], "s3_put": usage["s3_put_requests"],
        "s3_get": usage["s3_get_requests"], "kms_sign": max(usage["kms_asymmetric_requests"], 1.0),
        "application_seconds": max(1.0, sum(spans) / max(1, len(spans))),
        "dynamodb_tables": per_table, "application_item_kb": usage["dynamodb"]["application_item_kb"],
        "application_item_writes": writes, "busiest_officer_share": 1 / 1000,
        "images": images, "image_bands": bands, "image_band_keys": band_keys(bands),
        "image_band_item_bytes": saturation["dynamodb_items"][image_table]["mean_bytes"],
        "cost_per_application_usd": cost_total,
        "fixed_monthly_usd": 3.0,  # three customer-managed KMS keys at $1 a month; alarms and the like left out
    }


def _per_table_units(calls: list[dict], app_table: str, usage: dict, apps: int) -> dict:
    from benchmarks.cost import dynamodb_units

    tables = {}
    for table in sorted({c["table"] for c in calls if c["service"] == "dynamodb"}):
        units = dynamodb_units([c for c in calls if c["table"] == table], app_table)
        short = table.rsplit("-", 1)[-1]
        tables[short] = {"wru": units["wru"] / apps, "rru": units["rru"] / apps}
    return tables


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, default=REPORT_JSON)
    parser.add_argument("--monthly", type=float, default=1_000_000)
    parser.add_argument("--peak-factor", type=float, default=10)
    args = parser.parse_args(argv)
    if not args.report.exists():
        raise SystemExit(f"{args.report} is missing: run make bench first (the capacity comes from its figures)")
    report = json.loads(args.report.read_text(encoding="utf-8"))
    inputs = report.get("capacity_inputs")
    if not inputs:
        raise SystemExit(f"{args.report} has no saturation run (capacity_inputs): run make bench")
    from benchmarks.capacity_page import render

    result = plan(inputs, args.monthly, args.peak_factor)
    PAGE.write_text(render(result, inputs, report, args.report), encoding="utf-8")
    print(PAGE.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
