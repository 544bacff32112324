"""The words of benchmarks/capacity.md around ``benchmarks.capacity.plan``'s figures."""

from __future__ import annotations

from pathlib import Path

from benchmarks.capacity import HEADROOM, PARTITION_WCU, Limits


def _n(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def _unbounded(trigger: str | None) -> str:
    return {"HttpApi": "- (HTTP API)", "Schedule": "- (schedule, reserved 1)"}.get(trigger or "", "-")


def lambda_rows(result: dict, inputs: dict) -> list[str]:
    lines = ["| function | invocations per application | invocations/s at peak | mean duration s (CPU-bound / "
             "measured here) | concurrency needed (CPU-bound / measured) | MaximumConcurrency (template) |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, stage in result["stages"].items():
        f = inputs["functions"][name]
        lines.append(f"| {name} | {f['invocations']:.2f} | {_n(stage['invocations_per_s'], 2)} | "
                     f"{f['cpu_bound_duration_s']:.2f} / {f['measured_duration_s']:.2f} | "
                     f"{_n(stage['concurrency'])} / {_n(stage['concurrency_measured'])} | "
                     f"{stage['maximum_concurrency'] or _unbounded(f.get('trigger'))} |")
    return lines + ["", f"All functions together need {_n(result['total_concurrency'])} concurrent executions at the "
                        f"CPU-bound durations (account default {Limits().account_concurrency}).", ""]


def dynamodb_lines(result: dict, inputs: dict) -> list[str]:
    d = result["dynamodb"]
    lines = ["| table | WRU/s at peak | RRU/s at peak |", "|---|---:|---:|"]
    lines += [f"| {name} | {_n(t['wru_per_s'])} | {_n(t['rru_per_s'])} |" for name, t in d["tables"].items()]
    writes = ", ".join(f"{state} {count:.1f}" for state, count in inputs["application_item_writes"].items())
    lines += ["",
              "Keys and indexes (template.yaml), key by key:", "",
              "- **ApplicationsTable** `pk` = `APP#<application>`, `sk` = `APP` / `AUDIT#<seq>` / reports: one item "
              "collection per application, written a few dozen times over its minutes of life; no hot key.",
              f"- **by-officer** (`officer_id`, `created_at`, projection ALL): an officer's own applications. At the "
              f"peak the busiest officer, if one did {inputs['busiest_officer_share']:.1%} of the traffic, writes "
              f"{_n(d['by_officer_hot_key_wru_per_s'])} WRU/s on one key: not hot.",
              f"- **by-state** (`state`, `updated_at`, projection ALL): **hot**. There are a dozen states; every "
              f"write of the application item (per application: {writes}, measured by writer) writes its index copy "
              f"({inputs['application_item_kb']} KB, so {inputs['application_item_kb']} WRU) under the key of its "
              f"state. The '{d['hot_state']}' key takes {_n(d['by_state_hot_key_wru_per_s'])} WRU/s at the peak "
              f"against {PARTITION_WCU} WCU/s for one partition key value; DynamoDB throttles the index, and a "
              "throttled index throttles the table's writes. Proposed: write sharding, `state_shard` = "
              "`<state>#<n>` with n = hash(application) mod N, the review queue and the operations views querying "
              f"the N keys of a state and merging by `updated_at` (N = {d['by_state_shards_needed']} keeps the hot "
              f"key under {HEADROOM:.0%} of its limit), and a projection of the attributes those views read "
              f"(KEYS_ONLY or INCLUDE) instead of ALL, which alone brings the key to "
              f"{_n(d['by_state_keys_only_wru_per_s'])} WRU/s. Not implemented here: it changes the repository "
              "(layers/common/loanpipe/adapters/dynamo.py) and the table's index, owned elsewhere.",
              "- **by-id-number** (`id_number_hash`, `created_at`, INCLUDE): one key per applicant; not hot.",
              "- **IdempotencyTable** `id` = the stage's business key: unique per message; not hot.",
              f"- **ImageIndexTable** `pk` = `BAND#<i>:<bits>`: each image is written under {inputs['image_bands']} "
              f"band keys ({inputs['image_band_keys']:,} possible keys) and a duplicate search reads its bands "
              "whole. The collections only grow (no TTL), so the reads per application grow month after month; "
              "with perfectly spread hashes (the best case; ID card backs, all alike, cluster on fewer keys):", "",
              "| after | items per band key | RRU per band search | RRU per application | USD per application | "
              "Query pages (1 MB) per application |", "|---|---:|---:|---:|---:|---:|"]
    for months, row in result["image_bands"].items():
        lines.append(f"| {months} month(s) | {_n(row['items_per_key'], 0)} | {_n(row['rru_per_search'], 0)} | "
                     f"{_n(row['rru_per_application'], 0)} | {row['rru_per_application'] * 0.125e-6:.5f} | "
                     f"{row['query_pages_per_application']:,.0f} |")
    lines += ["", "The validate function reads those pages one after the other within its 30 s timeout: at some "
                  "tens of milliseconds a page the duplicate search alone outgrows it within the first year, before "
                  "any rate limit is reached. This, not a quota, is what breaks first over time.",
              "", "The measured run started from an empty index, so its cost per application does not show this. "
                  "Proposed: a TTL on band items (the window a reused photo matters, e.g. 180 days), the document's "
                  "slot in the band key (an ID front is only compared with ID fronts), and more bands of fewer "
                  "images each.", ""]
    return lines


def render(result: dict, inputs: dict, report: dict, source: Path) -> str:
    limits = Limits()
    machine = report.get("machine", {})
    first = result["breaks_first"]
    lines = [
        "# Capacity at one million applications a month", "",
        f"Written by `make capacity` (benchmarks/capacity.py) from {source.name} (commit `{machine.get('commit')}`, "
        f"{machine.get('written')}): the per-application figures the saturation run measured on the local cloud, "
        f"and template.yaml. {_n(result['monthly'], 0)} applications a month, a peak hour {result['peak_factor']:g} "
        f"times the average hour: **{_n(result['peak_applications_per_hour'], 0)} applications an hour, "
        f"{result['peak_applications_per_s']:.2f} a second**. Durations: CPU-bound (the run's CPU seconds per "
        "invocation, stretched below 1,769 MB where Lambda gives less than a vCPU) and, as an upper bound, the wall "
        "durations measured on this crowded 2-core machine. tests/unit/backbone/test_capacity.py checks the "
        "arithmetic on small numbers.", "",
        "## What breaks first", "",
        f"**{first['what']}**: {_n(first['need'])} needed against {_n(first['limit'])} ({first['ratio']:.1f}x). "
        f"The setting that moves it: {first['setting']}.", "",
        "| check at the peak | needed | limit | ratio | the setting that moves it |", "|---|---:|---:|---:|---|"]
    lines += [f"| {c['what']} | {_n(c['need'])} | {_n(c['limit'])} | {c['ratio']:.2f} | {c['setting']} |"
              for c in result["checks"]]
    lines += ["", "## Lambda concurrency per stage", ""] + lambda_rows(result, inputs)
    lines += ["## Queues, events, API, S3, KMS", "",
              f"- SQS: {_n(result['sqs_requests_per_s'])} requests/s at the peak over all queues (sends, S3 "
              "notifications, the event-source mappings' receives and deletes): standard queues have no practical "
              "limit; the extract queue's backlog is what grows when extract concurrency is short.",
              f"- EventBridge: {_n(result['eventbridge_events_per_s'], 2)} PutEvents/s (quota "
              f"{limits.eventbridge_put_events_per_s:,}/s in us-east-1, lower in smaller regions).",
              f"- HTTP API: {_n(result['http_requests_per_s'])} requests/s from the field apps' own calls "
              f"(the tablets' polling for feedback comes on top; quota {limits.http_api_requests_per_s:,}/s).",
              f"- S3: {_n(result['s3']['put_per_s'])} PUT-class and {_n(result['s3']['get_per_s'])} GET "
              f"requests/s in all; keys are `<application>/<document>`, so the busiest prefix is one application's, "
              f"{result['s3']['busiest_prefix_put_per_s']:.2f} PUT/s against {limits.s3_put_per_prefix_per_s:,}.",
              f"- KMS: {_n(result['kms_sign_per_s'], 2)} Sign/s with the ECC contract key (quota "
              f"{limits.kms_ecc_sign_per_s}/s); S3 Bucket Keys keep the buckets' KMS calls off the request path.", "",
              "## DynamoDB", ""] + dynamodb_lines(result, inputs)
    lines += ["## Quotas to raise before the volume", "",
              "- Lambda concurrent executions (default 1,000 per account and region): raise to cover the sum above "
              "with the other workloads of the account, and set each event source's MaximumConcurrency to its need;",
              "- the extract event source's MaximumConcurrency (a template setting, not a quota);",
              "- DynamoDB: none at this volume on the tables; the by-state index needs the design change above;",
              "- EventBridge, API Gateway, KMS: within the defaults (see the table).", "",
              "## Cost per month", "",
              f"{_n(result['cost_per_month_usd'], 0)} USD a month at the measured cost per application "
              f"(${inputs['cost_per_application_usd']:.5f}, benchmarks/report.md) plus "
              f"${inputs['fixed_monthly_usd']:.0f} of KMS keys; without the image index's growth (above) and the "
              "SMS of the signing codes (the SMS provider's price per message).", ""]
    return "\n".join(lines)
