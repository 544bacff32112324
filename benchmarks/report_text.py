"""The words of benchmarks/report.md around the figures of benchmarks.report (each section names its data)."""

from __future__ import annotations

from benchmarks import cost
from benchmarks.report import TARGETS, _f


def _verdict(value: float | None, target: float, higher_is_better: bool) -> str:
    if value is None:
        return "not measured"
    met = value >= target if higher_is_better else value <= target
    if met:
        return "met"
    miss = (target - value) / target if higher_is_better else (value - target) / target
    return f"MISSED by {miss:.0%}"


def header(data: dict) -> list[str]:
    m = data["machine"]
    lines = ["# loanpipe benchmark report", "",
             f"`make bench` at commit `{m['commit']}`, written {m['written']} on {m['cores']} cores. The machine is "
             "shared (other sessions and a CI run): every CPU figure below is CPU seconds of our own processes, and "
             "where wall time matters the report says how crowded the machine was and measures a baseline in the "
             "same run.", ""]
    return lines


def targets_table(data: dict) -> list[str]:
    sat, idle, money = data.get("saturation"), data.get("idle"), data.get("cost")
    rows = [
        ("pipeline efficiency at saturation (stage CPU / wall x cores)", sat and sat["efficiency"],
         TARGETS["efficiency"], True, ">= 0.8"),
        ("ID card side upload -> officer-visible p95, idle pipeline (s)", idle and idle["p95_s"],
         TARGETS["id_side_p95_s"], False, "<= 2 s"),
        ("AWS cost per application (USD), Lambda at CPU-bound durations", money and
         money["per_application_cpu_bound"]["total"], TARGETS["cost_usd"], False, "<= $0.002"),
        ("the same, Lambda at the wall durations measured on this crowded machine", money and
         money["per_application"]["total"], TARGETS["cost_usd"], False, "<= $0.002"),
    ]
    lines = ["## Targets", "", "| target | measured | goal | verdict |", "|---|---:|---|---|"]
    for label, value, goal, higher, text in rows:
        shown = _f(value, 4 if goal < 0.01 else 2)
        lines.append(f"| {label} | {shown} | {text} | {_verdict(value, goal, higher)} |")
    return lines + [""]


def extraction_section(data: dict) -> list[str]:
    extraction = data.get("extraction")
    lines = ["## Extraction CPU per document type, beside the naive baseline", ""]
    if not extraction:
        return lines + ["Not measured (benchmarks/.cache/extract-cpu.json is missing: `python -m "
                        "benchmarks.extract_cpu`).", ""]
    lines += [f"`python -m benchmarks.extract_cpu`: the production extraction (`extract_document` with the slot's "
              f"type, engine `{extraction.get('engine')}` as template.yaml gives the extract function, engines already "
              "created) and the baseline (benchmarks/baseline_ocr.py: full-page `tesseract -l chi_sim+eng`, label "
              "regexes) on the same files, in CPU seconds of the process and its children (Tesseract). Load average "
              f"{_f(extraction['load_average_start'][0], 1)} at the start, {_f(extraction['load_average_end'][0], 1)} "
              "at the end.", ""]
    for name, data_set in extraction["sets"].items():
        lines.append(f"**{name}** — {data_set['source']}")
        lines.append("")
        if data_set.get("absent"):
            lines += [f"The dev set is absent here ({data_set['source']}; set LOANPIPE_DEVSET): not measured.", ""]
            continue
        lines += ["| type | documents | formats | loanpipe CPU s median (mean) | baseline CPU s median (mean) | "
                  "loanpipe / baseline |", "|---|---:|---|---:|---:|---:|"]
        for row in data_set["by_type"]:
            ratio = row["median_cpu_s"] / row["median_baseline_cpu_s"] if row["median_baseline_cpu_s"] else None
            lines.append(f"| {row['doc_type']} | {row['documents']} | {', '.join(row['formats'])} | "
                         f"{_f(row['median_cpu_s'])} ({_f(row['mean_cpu_s'])}) | {_f(row['median_baseline_cpu_s'])} "
                         f"({_f(row['mean_baseline_cpu_s'])}) | {_f(ratio)} |")
        timed_out = sum(row.get("baseline_timed_out", 0) for row in data_set["by_type"])
        if timed_out:
            lines.append(f"The baseline's Tesseract ran past its 300 s wall-clock limit on {timed_out} document(s) "
                         "here (the machine was crowded); their baseline CPU is what it had spent by then, a lower "
                         "bound.")
        lines.append("")
    if "extraction" in data.get("plots", {}):
        lines += [f"![extraction CPU]({data['plots']['extraction']})", ""]
    return lines


def saturation_section(data: dict) -> list[str]:
    sat, run = data["saturation"], data["load_run"]
    lat = sat["latency"]
    acc = sat["cpu_accounting_s"]
    share = sat["cpu_share_baseline"]
    decisions = ", ".join(f"{k} {v}" for k, v in sat["decisions"].items())
    lines = ["## The local cloud at saturation", "",
             f"`python -m benchmarks.load --count {run['args']['count']} --officers {run['args']['officers']}` "
             f"(started {run['started']}): {sat['applications']} applications of {run['generator']} through the "
             "local cloud's HTTP API, uploads as the tablet sends them (presigned POST), functions in their worker "
             "processes at the local concurrency (`LOANPIPE_LOCAL_CONCURRENCY`, 2 here) with the template's batch "
             "sizes. Times from each application's audit trail against the client's clock (same machine).", "",
             f"- {sat['decided']} of {sat['applications']} decided ({decisions}) "
             f"in {sat['wall_s']:.0f} s: **{sat['throughput_per_min']:.2f} applications per minute** (first upload "
             "to last decision);",
             "- upload -> officer-visible (document EXTRACTED / RETAKE_REQUESTED / REJECTED_INPUT), "
             f"{lat['documents']} documents: p50 {_f(lat['upload_to_visible_p50_s'])} s, "
             f"p95 {_f(lat['upload_to_visible_p95_s'])} s;",
             f"- submit -> decision, {lat['decided']} applications: p50 {_f(lat['submit_to_decision_p50_s'])} s, "
             f"p95 {_f(lat['submit_to_decision_p95_s'])} s;",
             f"- **pipeline efficiency {sat['efficiency']:.2f}**: the stages' own CPU ({acc['stages']:.0f} s, each "
             f"invocation's CPU with its child processes) against wall x cores ({sat['wall_s']:.0f} s x "
             f"{sat['cores']}). Where the rest went (from /proc/stat over the same window): the local cloud itself "
             f"(moto, pollers, gateway) and the harness {acc['local_cloud_and_harness']:.0f} s, **other processes "
             f"on this machine {acc['other_processes']:.0f} s**, idle {acc['idle']:.0f} s. Against the CPU this run "
             f"could have had (wall x cores minus the other processes' share) the stages used "
             f"{sat['efficiency_of_cpu_available']:.2f}.",
             f"- baseline in the same run: two CPU-bound processes got {_f(share[0])} of the {sat['cores']} cores "
             f"before and {_f(share[1])} after (1.0 on an idle machine); load average "
             f"{_f(sat['load_average'][0][0], 1)} at the start, {_f(sat['load_average'][1][0], 1)} at the end.", "",
             "| function | invocations (failed) | CPU s | duration p50 / p95 s | peak RSS MB | largest child MB "
             "| MemorySize MB | local concurrency |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, f in sat["functions"].items():
        lines.append(f"| {name} | {f['invocations']} ({f['failed']}) | {f['cpu_s']:.1f} | {_f(f['duration_p50_s'])} / "
                     f"{_f(f['duration_p95_s'])} | {f['peak_rss_mb']:.0f} | {f['child_peak_rss_mb']:.0f} | "
                     f"{f['memory_mb']} | "
                     f"{f['local_concurrency']} |")
    lines += ["", "| document slot | documents | upload -> visible p50 s | p95 s |", "|---|---:|---:|---:|"]
    for slot, row in lat["by_slot"].items():
        lines.append(f"| {slot} | {row['documents']} | {_f(row['p50_s'])} | {_f(row['p95_s'])} |")
    extract = sat["functions"].get("ExtractFunction")
    if extract and lat["upload_to_visible_p50_s"] is not None:
        per_doc = extract["cpu_s"] / max(1, extract["invocations"])
        lines += ["", f"Where a document's time goes at saturation: the extract invocation itself takes "
                      f"{_f(extract['duration_p50_s'])} s wall at p50 ({per_doc:.2f} s CPU on average); the rest "
                      f"of its {_f(lat['upload_to_visible_p50_s'])} s (p50) is the wait in the extract queue "
                      f"behind the other officers' documents, {extract['local_concurrency']} at a time on this "
                      "machine. The wall durations are stretched by the CPU the other processes took (above)."]
    failed = {n: f["failed"] for n, f in sat["functions"].items() if f["failed"]}
    if failed:
        lines += ["", "Failed invocations (" + ", ".join(f"{n} {c}" for n, c in failed.items()) + "): timeouts of "
                  "invocations starved of CPU on this machine (the function's Timeout is wall time) and moto's own "
                  "errors under concurrent writes; each message came back and was retried, as on AWS, up to its "
                  "queue's maxReceiveCount (then its DLQ)."]
    lines += ["", "Peak RSS is the worker's VmHWM (the environment's peak so far, as Lambda's \"Max Memory Used\"), "
              "read after each invocation; a child process (Tesseract) is not in it: its `ru_maxrss` is the next "
              "column, an upper bound (Linux starts a forked child's count at its parent's size).", ""]
    for key in ("latency", "memory"):
        if key in data.get("plots", {}):
            lines += [f"![{key}]({data['plots'][key]})", ""]
    return lines


def idle_section(data: dict) -> list[str]:
    idle = data["idle"]
    first = idle["first_in_fresh_environment_s"]
    return ["## An ID card side on an idle pipeline", "",
            f"Before the saturation run, on the same cloud: {idle['sides']} ID card sides uploaded one at a time "
            "(front then back of each application; the next upload waits until the officer would see the last one "
            f"settled). Upload -> officer-visible: p50 {_f(idle['p50_s'])} s, **p95 {_f(idle['p95_s'])} s**, max "
            f"{_f(idle['max_s'])} s. Of that, the delivery (S3 notification -> SQS -> the poller's receive -> the "
            f"function starts) p50 {_f(idle['delivery_p50_s'])} s / p95 {_f(idle['delivery_p95_s'])} s, the extract "
            f"invocation p50 {_f(idle['extract_p50_s'])} s / p95 {_f(idle['extract_p95_s'])} s (CPU p50 "
            f"{_f(idle['extract_cpu_p50_s'])} s). The first application's sides met a fresh environment (engines "
            f"created on the first document) and are not in these figures: {', '.join(_f(v) for v in first)} s.",
            "", f"The pipeline was idle, the machine was not (see the load averages above): the invocation's "
            f"wall time was several times its CPU time. Where the function has its core, as on Lambda at 2,048 MB, "
            f"the wait would be the delivery plus the CPU: p95 {_f(idle['cpu_bound_p95_s'])} s over the same "
            "sides (an estimate, not a measurement).", ""]


def package_section(data: dict) -> list[str]:
    packages = data["packages"]
    lines = ["## Package sizes and import times per function", ""]
    sizes, cold = packages["sizes"], packages["cold_start"]
    cold_functions = (cold or {}).get("functions", {})
    if not sizes and not cold:
        return lines + ["No build (.aws-sam/build) and no benchmarks/cold-start.json: `make build bench-imports`.", ""]
    lines += ["Sizes: `make build`'s check (loanpipe_infra.deploy.sizes; unzipped with layers, Lambda's limit "
              "250 MB). Import: `make bench-imports` (benchmarks/cold-start.json, median of fresh python3.13 "
              "processes laid out as on Lambda, tracing off)." + (f" Load average then: {cold['load_average']}."
                                                                  if cold else ""), "",
              "| function | unzipped MB with layers | free under 250 MB | import CPU s | + engines CPU s |",
              "|---|---:|---:|---:|---:|"]
    for name in sorted(set(sizes or {}) | set(cold_functions)):
        size = (sizes or {}).get(name)
        start = cold_functions.get(name, {})
        lines.append(f"| {name} | {_f(size and size['unzipped_mb'], 1)} | "
                     f"{'-' if not size else format(size['free_under_limit'], '.0%')} | {_f(start.get('import_cpu'))} "
                     f"| {_f(start.get('engines_cpu'))} |")
    return lines + [""]


def cost_section(data: dict) -> list[str]:
    money = data["cost"]
    usage = money["usage_per_application"]
    per, cpu_bound = money["per_application"], money["per_application_cpu_bound"]
    lines = ["## Estimated AWS cost per application", "",
             f"{money['prices']['region']} list prices checked {money['prices']['checked']} "
             "(benchmarks/prices.json names each source), applied to what the saturation run counted per "
             f"application ({usage['applications']} applications). Every AWS call the functions made was counted "
             "by the local cloud's traffic meter (loanpipe_infra.localcloud.meter: a WSGI middleware in front of "
             "moto, the caller read from the User-Agent each function's SDK carries); how each quantity follows "
             "from the calls:", "", *[line.strip() for line in cost.__doc__.split("\n\n", 2)[2].splitlines()], "",
             "| service | quantity per application | USD per application | USD per 1,000 |", "|---|---|---:|---:|"]
    by_function = ", ".join(f"{name.removesuffix('Function')} {f['gb_seconds']:.2f}"
                            for name, f in usage["lambda"].items())
    quantities = {
        "Lambda compute": f"{sum(f['gb_seconds'] for f in usage['lambda'].values()):.2f} GB-s ({by_function})",
        "Lambda requests": f"{sum(f['invocations'] for f in usage['lambda'].values()):.1f} invocations",
        "HTTP API": f"{usage['http_api_requests']:.1f} requests",
        "SQS": f"{usage['sqs_requests']:.1f} requests",
        "DynamoDB writes": f"{usage['dynamodb']['wru']:.0f} WRU "
                           f"(of which indexes {usage['dynamodb']['index_wru']:.0f})",
        "DynamoDB reads": f"{usage['dynamodb']['rru']:.0f} RRU",
        "S3 requests": f"{usage['s3_put_requests']:.1f} PUT/POST/LIST, {usage['s3_get_requests']:.1f} GET",
        "S3 raw scans stored": f"{usage['raw_scan_gb_months'] * 1000:.2f} MB-months",
        "KMS": f"{usage['kms_symmetric_requests']:.1f} symmetric, {usage['kms_asymmetric_requests']:.1f} Sign",
        "EventBridge": f"{usage['eventbridge_events']:.1f} events",
        "CloudWatch Logs": f"{usage['log_gb'] * 1e6:.0f} kB",
    }
    for service, usd in per.items():
        if service != "total":
            lines.append(f"| {service} | {quantities[service]} | {usd:.6f} | {usd * 1000:.3f} |")
    lines += [f"| **total** | | **{per['total']:.5f}** | {per['total'] * 1000:.2f} |", "",
              f"At CPU-bound durations instead of the measured ones, Lambda compute is "
              f"${cpu_bound['Lambda compute']:.5f} and the total ${cpu_bound['total']:.5f}. Textract alone would cost "
              f"${money['textract_per_application']} per application. Not in the run: the customer's signing at the "
              "door: per signed contract one KMS Sign with the ECC key ($0.000015), a Secrets Manager read and an "
              "SMS (at the SMS provider's price), not priced here.", ""]
    if "cost" in data.get("plots", {}):
        lines += [f"![cost]({data['plots']['cost']})", ""]
    return lines


def render(data: dict) -> str:
    lines = header(data) + targets_table(data) + extraction_section(data)
    if data.get("saturation"):
        lines += saturation_section(data) + idle_section(data)
    else:
        lines += ["## The local cloud", "", "Not measured (benchmarks/.cache/load.json is missing).", ""]
    if data.get("run_notes"):
        lines += ["## Notes on this run", "", data["run_notes"].strip(), ""]
    lines += package_section(data)
    if data.get("cost"):
        lines += cost_section(data)
    return "\n".join(lines)
