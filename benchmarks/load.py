"""The local cloud under load: ``python -m benchmarks.load [--count 100] [--officers 8] [--idle 10]``.

Applications made by the project's own generator (testkit.samples, seeded) go through the whole local cloud
(``loanpipe local up`` in this process: moto, the template's queues and pollers, the functions in their worker
processes) through the HTTP API, exactly as the field app sends them. Two phases on one cloud:

1. idle: one ID card side at a time (front, then back, of ``--idle`` applications), each upload waited for before
   the next, so nothing else runs in the pipeline;
2. saturation: ``--officers`` field officers at once, each creating an application, uploading all its documents,
   waiting until the officer sees every document settled (read from the table, not through the API, so the
   waiting costs the functions nothing), submitting, and going on with the next, until ``--count`` applications
   are submitted; then the cloud runs until every queue is empty.

Times come from the application's own audit trail: the entry of the transition that made a document EXTRACTED,
RETAKE_REQUESTED or REJECTED_INPUT (what the officer's tablet then shows) and of the decision, against the client's
clock when its upload (the presigned POST) returned and when it sent the submit (same machine, same clock).
The figures of each invocation come from the local runtime (CPU with child processes, peak RSS, duration), the
AWS calls from the local cloud's traffic meter, the machine's CPU from /proc/stat over the same window.

Writes benchmarks/.cache/load.json (benchmarks.report reads it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache"
OUT = CACHE / "load.json"
CHINA = ZoneInfo("Asia/Shanghai")
SETTLED = {"EXTRACTED", "RETAKE_REQUESTED", "REJECTED_INPUT", "SUPERSEDED"}
SETTLING_ACTIONS = {"document.extracted", "document.retake_requested", "document.rejected"}
DONE = {"IN_REVIEW", "DECLINED", "AWAITING_SIGNATURE", "SIGNED", "CANCELLED", "APPROVED"}


@dataclass
class Upload:
    application_id: str
    document_id: str
    slot: str
    uploaded_at: float  # epoch s: the presigned POST returned
    settled_at: float | None = None  # epoch s: the audit entry that settled it
    state: str | None = None


@dataclass
class AppRun:
    folder: str
    application_id: str
    uploads: list[Upload] = field(default_factory=list)
    submitted_at: float | None = None
    decided_at: float | None = None
    decision: str | None = None


class MachineClock:
    """CPU of the whole machine (/proc/stat) and of this process (moto, pollers, gateway, harness threads)."""

    @staticmethod
    def read() -> dict:
        with open("/proc/stat", encoding="ascii") as handle:
            values = [int(v) for v in handle.readline().split()[1:]]
        tick = os.sysconf("SC_CLK_TCK")
        idle = (values[3] + values[4]) / tick  # idle + iowait
        own = resource.getrusage(resource.RUSAGE_SELF)
        return {"wall": time.time(), "busy": sum(values[:8]) / tick - idle, "idle": idle,
                "self_cpu": own.ru_utime + own.ru_stime, "load": os.getloadavg()}

    @staticmethod
    def between(start: dict, end: dict) -> dict:
        return {"wall_s": end["wall"] - start["wall"], "machine_busy_cpu_s": end["busy"] - start["busy"],
                "machine_idle_cpu_s": end["idle"] - start["idle"], "harness_cpu_s": end["self_cpu"] - start["self_cpu"],
                "load_start": start["load"], "load_end": end["load"]}


def cpu_share(seconds: float = 6.0) -> float:
    """The baseline: the share of the cores two CPU-bound processes get now (1.0 on an idle 2-core machine)."""
    import multiprocessing

    cores = os.cpu_count() or 1
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        spent = pool.map(_spin, [seconds] * cores)
    return sum(spent) / (seconds * cores)


def _spin(seconds: float) -> float:
    started, cpu = time.monotonic(), time.process_time()
    while time.monotonic() - started < seconds:
        sum(range(1000))
    return time.process_time() - cpu


class Harness:
    def __init__(self, cloud, poll_s: float):
        from botocore.config import Config

        from loanpipe.adapters.dynamo import DynamoApplicationRepository

        self.cloud = cloud
        self.poll_s = poll_s
        client = cloud.state.session().client("dynamodb", endpoint_url=cloud.state.endpoint_url,
                                               config=Config(user_agent_appid="BenchHarness"))
        self.repo = DynamoApplicationRepository(client, cloud.stack.ref("ApplicationsTable"))
        self._apis: dict = {}
        self._lock = threading.Lock()

    def api(self, officer_id: str):
        from loanpipe_infra.client import ApiClient

        with self._lock:
            if officer_id not in self._apis:
                self._apis[officer_id] = ApiClient(self.cloud.state.api_url, self.cloud.back_test_token(officer_id))
            return self._apis[officer_id]

    def create(self, folder: Path) -> tuple[object, str]:
        declared = json.loads((folder / "application.json").read_text(encoding="utf-8"), parse_float=Decimal)
        api = self.api(str(declared["capture"]["officer_id"]))
        return api, api.create_application(declared, replay=True)["application_id"]

    def upload(self, api, app_id: str, path: Path) -> Upload:
        grant = api.upload(app_id, path)
        return Upload(app_id, grant["document_id"], grant["slot"], time.time())

    def wait(self, app_id: str, done, timeout: float = 900):
        deadline = time.monotonic() + timeout
        while True:
            record = self.repo.get(app_id)
            if done(record) or time.monotonic() > deadline:
                return record
            time.sleep(self.poll_s)

    def run_application(self, folder: Path) -> AppRun:
        from loanpipe_infra.demo import _document_files

        api, app_id = self.create(folder)
        run = AppRun(folder.name, app_id)
        run.uploads = [self.upload(api, app_id, path) for path in _document_files(folder)]
        record = self.wait(app_id, lambda r: all(d.state.value in SETTLED for d in r.documents.values()
                                                 if d.document_id in {u.document_id for u in run.uploads}))
        problems = [d for d in record.documents.values() if d.state.value in ("RETAKE_REQUESTED", "REJECTED_INPUT")]
        run.submitted_at = time.time()
        api.post(f"/applications/{app_id}/submit", {"final": bool(problems or record.missing_slots())})
        return run

    def read_times(self, runs: list[AppRun]) -> None:
        """Settling and decision times from each application's audit trail (after the measured window)."""
        for run in runs:
            trail = self.repo.audit_trail(run.application_id)
            settled = {e.document_id: e for e in trail if e.action in SETTLING_ACTIONS}
            for upload in run.uploads:
                entry = settled.get(upload.document_id)
                if entry is not None:
                    upload.settled_at, upload.state = entry.at.timestamp(), entry.to_state
            decided = [e for e in trail if e.action.startswith("decision.")]
            if decided:
                run.decided_at, run.decision = decided[0].at.timestamp(), decided[0].action.split(".", 1)[1]


def generate(count: int, seed: int) -> list[Path]:
    from testkit.samples import generate_applications

    out = CACHE / f"load-seed{seed}-n{count}"
    if not (out / f"app_{count - 1:03d}" / "application.json").exists():
        generate_applications(out, count, seed, captured_at=datetime(2026, 11, 20, 10, 30, tzinfo=CHINA))
    return sorted(p for p in out.iterdir() if p.is_dir() and (p / "application.json").exists())[:count]


def idle_phase(harness: Harness, folders: list[Path]) -> dict:
    """One ID card side at a time; each upload waits until the officer would see it settled."""
    extract = harness.cloud.pools["ExtractFunction"]
    uploads, invocations = [], []
    for index, folder in enumerate(folders):
        if index == 1:  # the first application's sides met a fresh environment (engines created): kept apart
            cold, cold_invocations, uploads, invocations = uploads, invocations, [], []
        api, app_id = harness.create(folder)
        for slot in ("id_card_front", "id_card_back"):
            path = next(p for p in sorted(folder.iterdir()) if p.stem == slot)
            mark = len(extract.log.entries)
            upload = harness.upload(api, app_id, path)
            harness.wait(app_id, lambda r, u=upload: r.documents[u.document_id].state.value in SETTLED, timeout=120)
            uploads.append(upload)
            invocations.append([asdict(e) for e in extract.log.since(mark)])
    runs = [AppRun("idle", u.application_id, [u]) for u in cold + uploads]
    harness.read_times(runs)
    return {"uploads": [asdict(u) for u in uploads], "extract_invocations": invocations,
            "first_uploads": [asdict(u) for u in cold], "first_invocations": cold_invocations}


def saturation_phase(harness: Harness, folders: list[Path], officers: int) -> dict:
    cloud = harness.cloud
    marks = {name: len(pool.log.entries) for name, pool in cloud.pools.items()}
    batches = {poller.source.name: poller.batches for poller in cloud.pollers}
    traffic = cloud.meter.snapshot()
    logs = log_bytes(cloud)
    start = MachineClock.read()
    with ThreadPoolExecutor(max_workers=officers) as pool:
        runs = list(pool.map(harness.run_application, folders))
    submitted = MachineClock.read()
    for run in runs:
        harness.wait(run.application_id, lambda r: r.state.value in DONE, timeout=1800)
    cloud.wait_idle(timeout=1800)
    end = MachineClock.read()
    calls = cloud.meter.difference(cloud.meter.snapshot(), traffic)
    harness.read_times(runs)
    return {
        "window": MachineClock.between(start, end),
        "submitting_s": submitted["wall"] - start["wall"],
        "applications": [asdict(run) for run in runs],
        "invocations": {name: [asdict(e) for e in pool.log.since(marks[name])] for name, pool in cloud.pools.items()},
        "memory_mb": {name: pool.spec.memory_mb for name, pool in cloud.pools.items()},
        "concurrency": {name: pool.concurrency for name, pool in cloud.pools.items()},
        "batches": {p.source.name: p.batches - batches[p.source.name] for p in cloud.pollers},
        "batch_sizes": {p.source.name: p.source.batch_size for p in cloud.pollers},
        "calls": calls,
        "log_bytes": log_bytes(cloud) - logs,
        "dynamodb_items": table_item_sizes(),
    }


def longest_timeout() -> int:
    from loanpipe_infra.localcloud.template import load_template

    template = load_template(ROOT / "template.yaml")
    default = template.get("Globals", {}).get("Function", {}).get("Timeout", 3)
    return max(int(r["Properties"].get("Timeout", default)) for r in template["Resources"].values()
               if r["Type"] == "AWS::Serverless::Function")


def log_bytes(cloud) -> int:
    """What the functions logged so far (their structured JSON logs: CloudWatch Logs ingestion on AWS)."""
    return sum(path.stat().st_size for path in (cloud.state_dir / "logs").glob("*.log"))


def table_item_sizes() -> dict:
    """Each table's items as moto holds them: count, mean and largest size in bytes (DynamoDB's own measure),
    and for the applications table how many items each index carries (their writes are billed too)."""
    from moto.dynamodb.models import dynamodb_backends

    from loanpipe_infra.localcloud.specs import ACCOUNT_ID, REGION

    tables = {}
    for name, table in dynamodb_backends[ACCOUNT_ID][REGION].tables.items():
        items = table.all_items()
        sizes = [item.size() for item in items]
        indexes = {index.name: sum(1 for item in items if all(key["AttributeName"] in item.attrs
                                                               for key in index.schema))
                   for index in table.global_indexes}
        tables[name] = {"items": len(items), "mean_bytes": statistics.fmean(sizes) if sizes else 0,
                        "max_bytes": max(sizes, default=0), "index_items": indexes}
    return tables


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100, help="applications at saturation (at least 100)")
    parser.add_argument("--officers", type=int, default=8, help="field officers uploading at once")
    parser.add_argument("--idle", type=int, default=11,
                        help="applications whose two ID sides are sent one by one (the first warms the environment)")
    parser.add_argument("--seed", type=int, default=2031)
    parser.add_argument("--poll", type=float, default=3.0,
                        help="seconds between an officer's looks at the table (each look is a query the local cloud "
                             "serves: CPU of the harness, not of the stages)")
    args = parser.parse_args(argv)

    from loanpipe_infra.localcloud.cloud import LocalCloud

    folders = generate(args.count + args.idle, args.seed)
    result: dict = {"args": vars(args), "started": datetime.now(CHINA).isoformat(), "cores": os.cpu_count(),
                    "generator": f"testkit.samples.generate_applications(seed={args.seed})"}
    result["cpu_share_before"] = cpu_share()
    # A failed message comes back after the longest function timeout, not the local 2 s: the stages' idempotency
    # record of the failed (timed-out) attempt stays in progress for the function's timeout, and a retry within it
    # is refused as "already in progress" until the message lands in its DLQ. AWS waits the visibility timeout
    # (6 x the function's), so this is still shorter than on AWS.
    cloud = LocalCloud(console_port=None, state_dir=CACHE / "load-cloud", retry_delay=longest_timeout() + 5)
    cloud.start()
    try:
        harness = Harness(cloud, args.poll)
        print(f"idle: {args.idle} applications, one ID side at a time", flush=True)
        result["idle"] = idle_phase(harness, folders[args.count:])
        print(f"saturation: {args.count} applications, {args.officers} officers", flush=True)
        result["saturation"] = saturation_phase(harness, folders[: args.count], args.officers)
    finally:
        cloud.stop()
    result["cpu_share_after"] = cpu_share()
    CACHE.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    window = result["saturation"]["window"]
    print(f"wrote {OUT}: {args.count} applications in {window['wall_s']:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
