"""Chaos run: applications through the local cloud with faults switched on, an operator's redrive, and a
reconciliation that proves exactly-once effects (``make chaos``; issue 12, item 2).

``python -m benchmarks.chaos [--count 200] [--distinct 10] [--concurrency 6] [--seed 12]``

Faults (``loanpipe_infra.localcloud.faults``, configuration the local cloud gives its workers; no production code
knows of it) on the extract, validate, score and contract functions: a share of invocations raise before or after
their handler, hang past their timeout, or die mid-handler (exit 137, as a kill by the OOM killer); a share of
DynamoDB calls are answered ProvisionedThroughputExceededException by a botocore hook in the worker. Besides: every
upload's S3 event is delivered a second time, shuffled and late, and a poller dies and restarts mid-batch every
30 s. Failed messages return after their queue's VisibilityTimeout, as on AWS.

Then, as an operator would: the stall recorder runs, ``ops stalled`` is read, the cause is "fixed" (faults off)
and ``ops redrive`` moves every dead letter back; the driver carries on where applications stopped. The
reconciliation (``runkit.reconcile``) reads the stores and the events sent. Report: benchmarks/chaos-report.md
and chaos-report.json.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.runkit import (
    ROOT,
    AppRun,
    Driver,
    PollerCrasher,
    Redeliverer,
    drain_queue,
    folder_for,
    make_corpus,
    reconcile,
    reconciliation_lines,
    smaller_copies,
    tap_event_bus,
)

# About one invocation in five fails (so that some messages fail on every attempt and reach their DLQ), one DynamoDB
# call in twenty is throttled (botocore retries it).
FAULTS = {"raise_before": 0.07, "raise_after": 0.06, "timeout": 0.01, "kill": 0.05, "kill_within": 3.0,
          "throttle": 0.05}
STAGE_FUNCTIONS = ["ExtractFunction", "ValidateFunction", "ScoreFunction", "ContractFunction"]


def _fault_counts(log_dir: Path) -> dict[str, Counter]:
    counts: dict[str, Counter] = {}
    for log in log_dir.glob("*.log"):
        found = Counter(re.findall(r"^chaos-fault (\w+)$", log.read_text(errors="replace"), flags=re.M))
        if found:
            counts[log.stem] = found
    return counts


def run(count: int, distinct: int, concurrency: int, seed: int, scratch: Path, faults: dict | None = None,
        phase_timeout: float = 5400.0, idle_timeout: float = 1500.0, corpus: Path | None = None,
        poll: float = 10.0) -> dict:
    """The whole run; returns the report's data (also used by the small version in the tests)."""
    from loanpipe.entry.stalls import PEEK_SECONDS
    from loanpipe_infra.localcloud.cloud import LocalCloud
    from loanpipe_infra.ops import queue_depths, redrive, stalled

    started = time.monotonic()
    folders = make_corpus(corpus or scratch / "corpus", distinct, seed)
    copies = smaller_copies(folders, scratch / "smaller")
    generated = time.monotonic()
    off_file = scratch / "faults-off"
    config = {"functions": STAGE_FUNCTIONS, "seed": seed, "off_file": str(off_file), **(faults or FAULTS)}
    cloud = LocalCloud(ROOT, state_dir=scratch / "state", faults=config, console_port=None)
    cloud.start()
    try:
        tap = tap_event_bus(cloud)
        redeliver = Redeliverer(cloud, seed)
        driver = Driver(cloud, scratch / "contracts", poll=poll, on_uploaded=redeliver.add)
        crasher = PollerCrasher(cloud, seed)
        redeliver.start()
        crasher.start()
        runs = [AppRun(i, folder_for(i, folders, copies)) for i in range(count)]
        deadline = time.monotonic() + phase_timeout

        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(lambda app: driver.drive(app, deadline), runs))
        crasher.stop()
        redeliver.drain()
        idle_before = cloud.wait_idle(timeout=idle_timeout)
        cloud.schedule("StallFunction").fire()
        time.sleep(PEEK_SECONDS + 1)  # the recorder's read hides each dead letter for PEEK_SECONDS: count them after
        before = {"queues": queue_depths(cloud.state), "stalled": stalled(cloud.state, older_than=600)}
        # The operator: the cause is fixed (faults off), every stage's dead letters go back to their queue.
        off_file.touch()
        redriven = {stage: redrive(cloud.state, stage) for stage in ("extract", "validate", "score", "contract")}
        cloud.wait_idle(timeout=idle_timeout)
        second = time.monotonic() + 900
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(lambda app: driver.drive(app, second), [r for r in runs if r.step != "done"]))
        idle_after = cloud.wait_idle(timeout=idle_timeout)
        cloud.schedule("StallFunction").fire()
        time.sleep(PEEK_SECONDS + 1)
        after = {"queues": queue_depths(cloud.state), "stalled": stalled(cloud.state, older_than=600)}
        sqs = cloud.client("sqs")
        bus_events = drain_queue(sqs, tap)
        disbursements = drain_queue(sqs, cloud.queue_url("DisbursementQueue"))
        result = reconcile(cloud, runs, bus_events, disbursements)
        return {
            "applications": count, "distinct_folders": distinct, "concurrency": concurrency, "seed": seed,
            "faults": config, "minutes": round((time.monotonic() - started) / 60, 1),
            "generation_minutes": round((generated - started) / 60, 1),
            "idle_before_redrive": idle_before, "idle_at_end": idle_after,
            "injected": {k: dict(v) for k, v in _fault_counts(cloud.state_dir / "logs").items()},
            "invocation_errors": {pid: dict(pool.error_types) for pid, pool in cloud.pools.items()
                                  if pool.error_types},
            "invocations": {pid: pool.invocations for pid, pool in cloud.pools.items()},
            "s3_events_redelivered": redeliver.sent, "poller_crashes": dict(crasher.crashes),
            "batches_lost_to_crashes": sum(p.lost_batches for p in cloud.pollers),
            "before_redrive": before, "redriven": redriven, "after": after,
            "reconciliation": result,
            "runs": Counter(f"{r.step}:{r.state}" for r in runs),
            "decision_reasons": Counter(code for r in runs for code in r.reasons),
            "driver_notes": [n for r in runs for n in r.notes][:50],
        }
    finally:
        cloud.stop()


def write_report(data: dict, out: Path) -> None:
    out.with_suffix(".json").write_text(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
    rec = data["reconciliation"]
    lines = [
        "# Chaos run (`make chaos`)",
        "",
        f"{data['applications']} applications ({data['distinct_folders']} distinct generated folders cycled; "
        f"{data['concurrency']} officers at once; seed {data['seed']}) through the local cloud with faults on, in "
        f"{data['minutes']} min (of which {data['generation_minutes']} min generating the folders). Documents: the "
        "testkit generator's clean tier, every document as generated for the first application of each folder (some "
        "statements are scans, read by OCR); the later ones (which go to review as reused pictures anyway) carry a "
        "text-layer statement only, each with an ID number of its own, to spare OCR (`benchmarks/runkit.py`). "
        "Command: "
        "`make chaos` (`python -m benchmarks.chaos`). Data: "
        "`benchmarks/chaos-report.json`.",
        "",
        f"**Reconciliation: {'PASSED' if rec['ok'] else 'FAILED'}**" + ("" if rec["ok"] else
                                                                         f" ({len(rec['problems'])} problems)"),
        "",
        "## Faults",
        "",
        f"Configuration: `{json.dumps({k: v for k, v in data['faults'].items() if k not in ('off_file',)})}`",
        "",
        "| function | injected | invocations | invocation errors seen by the pollers |",
        "|---|---|---|---|",
    ]
    for function, invocations in sorted(data["invocations"].items()):
        injected = ", ".join(f"{k} {v}" for k, v in sorted(data["injected"].get(function, {}).items())) or "-"
        errors = ", ".join(f"{k} {v}" for k, v in sorted(data["invocation_errors"].get(function, {}).items())) or "-"
        lines.append(f"| {function} | {injected} | {invocations} | {errors} |")
    lines += [
        "",
        f"S3 events delivered a second time (shuffled, 0-20 s late): {data['s3_events_redelivered']}. Poller "
        f"crashes mid-batch: {sum(data['poller_crashes'].values())} ({data['batches_lost_to_crashes']} batches "
        "whose results were lost; their messages returned after the visibility timeout).",
        "",
        "## Before the operator",
        "",
        "| queue | visible | in flight | dead letters |",
        "|---|---|---|---|",
        *[f"| {q['queue']} | {q['visible']} | {q['in_flight']} | {q['dead_letters']} |"
          for q in data["before_redrive"]["queues"]],
        "",
        f"`loanpipe ops stalled` listed {len(data['before_redrive']['stalled'])} stalled application(s): "
        + (", ".join(sorted({f"{r['stage']}/{r['cause']}" + (f" ({r['error']})" if r['error'] else "")
                             for r in data["before_redrive"]["stalled"]})) or "none") + ".",
        "",
        f"Redriven (`loanpipe ops redrive`, faults off first): {data['redriven']}.",
        "",
        "## After the redrive",
        "",
        "| queue | visible | in flight | dead letters |",
        "|---|---|---|---|",
        *[f"| {q['queue']} | {q['visible']} | {q['in_flight']} | {q['dead_letters']} |"
          for q in data["after"]["queues"]],
        "",
        f"Still stalled: {len(data['after']['stalled'])}.",
        "",
        *reconciliation_lines(rec, data["driver_notes"]),
    ]
    out.with_suffix(".md").write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--distinct", type=int, default=12)
    # Many officers at once: a failed message waits out its visibility timeout (6 min for an upload), so an
    # application often waits minutes; the CPU is kept busy by the others.
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--poll", type=float, default=10.0, help="seconds between an officer's looks at the tablet")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--corpus", default=None, help="keep the generated folders here (reused within the hour)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "chaos-report"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="loanpipe-chaos-") as scratch:
        data = run(args.count, args.distinct, args.concurrency, args.seed, Path(scratch),
                   corpus=Path(args.corpus) if args.corpus else None, poll=args.poll)
    write_report(data, Path(args.out))
    print(f"chaos: reconciliation {'passed' if data['reconciliation']['ok'] else 'FAILED'}; report {args.out}.md")
    return 0 if data["reconciliation"]["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
