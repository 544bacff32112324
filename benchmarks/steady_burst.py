"""Load run: applications at a steady rate, then a burst, through the local cloud (``make load``; issue 12, item 3).

``python -m benchmarks.steady_burst [--count 1000] [--rate 20] [--burst-share 0.3] [--distinct 10] [--officers 32]``

The first ``1 - burst_share`` of the applications start at ``rate`` per minute, the rest all at once. Each is
carried by a field officer through the API (create, upload, submit once the documents are read; a customer
signs the approved ones), with the cheap documents of ``runkit`` (text-layer statements, half-size photos).
Measured: throughput (decisions per minute), the time from an application's last upload to its decision as the
officer's polling sees it (every 4 s), per queue the age of the messages when a poller picks them up and
the visible backlog, sampled every 10 s (the oldest-message age: moto has no CloudWatch SQS metrics, so the age
is taken at pickup, where it is largest), peak memory per function (the highest VmHWM of its worker processes),
and the reconciliation of the chaos run. Report: benchmarks/load-report.md, .json and .png.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.runkit import (
    ROOT,
    AppRun,
    Driver,
    drain_queue,
    folder_for,
    make_corpus,
    reconcile,
    reconciliation_lines,
    smaller_copies,
    tap_event_bus,
)

QUEUES = ["ExtractQueue", "ValidateQueue", "ScoreQueue", "ContractQueue"]
SAMPLE_SECONDS = 10.0


def _worker_peaks() -> dict[str, int]:
    """Function code dir -> the highest VmHWM (kB) of its live worker processes."""
    peaks: dict[str, int] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            if b"loanpipe_infra.localcloud.worker" not in argv:
                continue
            code_dir = argv[argv.index(b"loanpipe_infra.localcloud.worker") + 1].decode()
            status = (proc / "status").read_text()
        except (OSError, ValueError, IndexError):
            continue
        hwm = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
        peaks[code_dir] = max(peaks.get(code_dir, 0), hwm)
    return peaks


class Sampler:
    """Every 10 s: each queue's visible backlog and the oldest pickup age since the last sample; workers' peaks."""

    def __init__(self, cloud):
        self._cloud = cloud
        self._sqs = cloud.client("sqs")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="load-sampler")
        self.samples: list[dict] = []
        self.peaks_kb: dict[str, int] = {}
        self._by_dir = {str(spec.code_dir): lid for lid, spec in cloud.stack.functions.items()}

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self._sample()

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self._sample()

    def _sample(self) -> None:
        now = time.time()
        since = self.samples[-1]["t"] if self.samples else 0.0
        row: dict = {"t": now, "queues": {}}
        for queue in QUEUES:
            url = self._cloud.queue_url(queue)
            attrs = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            ages = [age for poller in self._cloud.pollers if poller.source.queue_url == url
                    for t, age in list(poller.pickups) if t > since]
            row["queues"][queue] = {"visible": int(attrs["ApproximateNumberOfMessages"]),
                                    "in_flight": int(attrs["ApproximateNumberOfMessagesNotVisible"]),
                                    "oldest_pickup_age_s": round(max(ages), 1) if ages else 0.0}
        for code_dir, kb in _worker_peaks().items():
            function = self._by_dir.get(code_dir, code_dir)
            self.peaks_kb[function] = max(self.peaks_kb.get(function, 0), kb)
        self.samples.append(row)


def run(count: int, rate: float, burst_share: float, distinct: int, officers: int, seed: int, scratch: Path,
        timeout: float = 5400.0, corpus: Path | None = None) -> dict:
    from loanpipe_infra.localcloud.cloud import LocalCloud

    started = time.monotonic()
    folders = make_corpus(corpus or scratch / "corpus", distinct, seed)
    copies = smaller_copies(folders, scratch / "smaller")
    cloud = LocalCloud(ROOT, state_dir=scratch / "state", console_port=None)
    cloud.start()
    try:
        tap = tap_event_bus(cloud)
        driver = Driver(cloud, scratch / "contracts")
        sampler = Sampler(cloud)
        runs = [AppRun(i, folder_for(i, folders, copies)) for i in range(count)]
        steady = int(round(count * (1 - burst_share)))
        load_started = time.time()
        sampler.start()
        deadline = time.monotonic() + timeout
        with ThreadPoolExecutor(max_workers=officers) as pool:
            futures = []
            for run_ in runs[:steady]:  # steady: one application every 60/rate s
                futures.append(pool.submit(driver.drive, run_, deadline))
                time.sleep(60.0 / rate)
            burst_at = time.time()
            futures += [pool.submit(driver.drive, run_, deadline) for run_ in runs[steady:]]
            for future in futures:
                future.result()
        finished = time.time()
        cloud.wait_idle(timeout=900)
        sampler.stop()
        sqs = cloud.client("sqs")
        result = reconcile(cloud, runs, drain_queue(sqs, tap), drain_queue(sqs, cloud.queue_url("DisbursementQueue")))
        latencies = [r.decided - r.last_upload for r in runs if r.decided and r.last_upload]
        return {
            "applications": count, "steady": steady, "burst": count - steady, "rate_per_minute": rate,
            "officers": officers, "distinct_folders": distinct, "seed": seed,
            "load_started": load_started, "burst_at": burst_at, "finished": finished,
            "minutes": round((time.monotonic() - started) / 60, 1),
            "decided": len(latencies),
            "decided_per_minute": round(len(latencies) / ((finished - load_started) / 60), 2),
            "upload_to_decision_s": _percentiles(latencies),
            "steady_upload_to_decision_s": _percentiles([r.decided - r.last_upload for r in runs[:steady]
                                                         if r.decided and r.last_upload]),
            "burst_upload_to_decision_s": _percentiles([r.decided - r.last_upload for r in runs[steady:]
                                                        if r.decided and r.last_upload]),
            "peak_memory_mb": {k: round(v / 1024) for k, v in sampler.peaks_kb.items()},
            "memory_size_mb": {lid: spec.memory_mb for lid, spec in cloud.stack.functions.items()},
            "samples": sampler.samples,
            "invocations": {lid: pool.invocations for lid, pool in cloud.pools.items()},
            "invocation_errors": {lid: dict(pool.error_types) for lid, pool in cloud.pools.items() if pool.error_types},
            "runs": Counter(f"{r.step}:{r.state}" for r in runs),
            "decision_reasons": Counter(code for r in runs for code in r.reasons),
            "reconciliation": result,
            "driver_notes": [n for r in runs for n in r.notes][:50],
            "_decided_wall": sorted(r.decided for r in runs if r.decided),
            "_monotonic_to_wall": time.time() - time.monotonic(),
        }
    finally:
        cloud.stop()


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    q = statistics.quantiles(ordered, n=100) if len(ordered) > 1 else [ordered[0]] * 99
    return {"n": len(ordered), "p50": round(q[49], 1), "p95": round(q[94], 1), "max": round(ordered[-1], 1)}


def plot(data: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t0 = data["load_started"]
    fig, (top, middle, bottom) = plt.subplots(3, 1, figsize=(10, 10), sharex=True)
    times = [(s["t"] - t0) / 60 for s in data["samples"]]
    for queue in QUEUES:
        top.plot(times, [s["queues"][queue]["visible"] + s["queues"][queue]["in_flight"] for s in data["samples"]],
                 label=queue)
        middle.plot(times, [s["queues"][queue]["oldest_pickup_age_s"] for s in data["samples"]], label=queue)
    decided = [(t + data["_monotonic_to_wall"] - t0) / 60 for t in data["_decided_wall"]]
    bottom.plot(decided, range(1, len(decided) + 1), color="black")
    for axis in (top, middle, bottom):
        axis.axvline((data["burst_at"] - t0) / 60, color="red", linestyle="--", linewidth=1)
    top.set_ylabel("messages in queue")
    middle.set_ylabel("oldest pickup age (s)")
    bottom.set_ylabel("applications decided")
    bottom.set_xlabel("minutes since the first application (red: the burst)")
    top.legend(loc="upper left", fontsize=8)
    fig.suptitle(f"make load: {data['applications']} applications, {data['rate_per_minute']}/min then a burst of "
                 f"{data['burst']}")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def write_report(data: dict, out: Path) -> None:
    plot(data, out.with_suffix(".png"))
    public = {k: v for k, v in data.items() if not k.startswith("_")}
    out.with_suffix(".json").write_text(json.dumps(public, indent=2, default=str) + "\n")
    rec = data["reconciliation"]
    worst = {q: max((s["queues"][q]["oldest_pickup_age_s"] for s in data["samples"]), default=0) for q in QUEUES}
    lines = [
        "# Load run (`make load`)",
        "",
        f"{data['applications']} applications: {data['steady']} at {data['rate_per_minute']} per minute, then "
        f"{data['burst']} at once; {data['officers']} officers (driver threads); {data['distinct_folders']} distinct "
        f"generated folders cycled (seed {data['seed']}). Documents: the testkit generator's clean tier, "
        "every document as generated for the first application of each folder (some statements are scans, read by "
        "OCR); the later ones carry a text-layer statement only, each with an ID number of its own "
        "(`benchmarks/runkit.py`). Command: `make load` (`python -m benchmarks.steady_burst`). "
        "Data: `benchmarks/load-report.json`; plot: `benchmarks/load-report.png`.",
        "",
        f"**Reconciliation: {'PASSED' if rec['ok'] else 'FAILED'}**",
        "",
        f"- decided: {data['decided']} of {data['applications']} in {data['minutes']} min (whole run); "
        f"throughput {data['decided_per_minute']} decisions per minute from the first application to the last "
        "decision",
        f"- last upload to decision: all {data['upload_to_decision_s']}, steady {data['steady_upload_to_decision_s']}, "
        f"burst {data['burst_upload_to_decision_s']} (seconds)",
        "",
        "| queue | highest age at pickup (s) | highest backlog (visible + in flight) |",
        "|---|---|---|",
        *[f"| {q} | {worst[q]} | "
          f"{max((s['queues'][q]['visible'] + s['queues'][q]['in_flight'] for s in data['samples']), default=0)} |"
          for q in QUEUES],
        "",
        "| function | peak memory (MB, VmHWM of its workers) | MemorySize (MB) | invocations |",
        "|---|---|---|---|",
        *[f"| {f} | {data['peak_memory_mb'].get(f, '-')} | {data['memory_size_mb'][f]} | {data['invocations'][f]} |"
          for f in sorted(data["memory_size_mb"])],
        "",
        "![load](load-report.png)",
        "",
        *reconciliation_lines(rec, data["driver_notes"]),
    ]
    out.with_suffix(".md").write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20.0, help="applications per minute before the burst")
    parser.add_argument("--burst-share", type=float, default=0.3)
    parser.add_argument("--distinct", type=int, default=10)
    parser.add_argument("--officers", type=int, default=32)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--corpus", default=None, help="keep the generated folders here (reused within the hour)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "load-report"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="loanpipe-load-") as scratch:
        data = run(args.count, args.rate, args.burst_share, args.distinct, args.officers, args.seed, Path(scratch),
                   corpus=Path(args.corpus) if args.corpus else None)
    write_report(data, Path(args.out))
    print(f"load: reconciliation {'passed' if data['reconciliation']['ok'] else 'FAILED'}; report {args.out}.md")
    return 0 if data["reconciliation"]["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
