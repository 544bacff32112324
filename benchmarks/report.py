"""``make bench``: one report from the benchmark runs -> benchmarks/report.md, report.json and PNG plots beside it.

Reads what the runs wrote (each names the data it was measured on): benchmarks/.cache/extract-cpu.json
(benchmarks.extract_cpu), benchmarks/.cache/load.json (benchmarks.load), benchmarks/cold-start.json
(benchmarks.cold_start) and the build in .aws-sam/build (package sizes, loanpipe_infra.deploy.sizes), prices them
with benchmarks/prices.json (benchmarks.cost), and states each target met or missed with the figure.

    python -m benchmarks.report            # after the runs; `make bench` runs them first
"""

from __future__ import annotations

import json
import math
import os
import subprocess
from datetime import datetime
from pathlib import Path

from benchmarks import cost
from benchmarks.capacity import inputs_from_run
from loanpipe_infra.localcloud.template import load_template

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
CACHE = HERE / ".cache"
REPORT = HERE / "report.md"
TARGETS = {"efficiency": 0.8, "id_side_p95_s": 2.0, "cost_usd": 0.002}
TYPES = ("id_card_front", "id_card_back", "income_certificate", "bank_statement")


def pct(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _f(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def latency_figures(applications: list[dict]) -> dict:
    """Upload -> officer-visible per document (all, and by slot) and submit -> decision, in seconds."""
    uploads = [u for a in applications for u in a["uploads"] if u["settled_at"]]
    visible = [u["settled_at"] - u["uploaded_at"] for u in uploads]
    by_slot = {slot: [u["settled_at"] - u["uploaded_at"] for u in uploads if u["slot"] == slot] for slot in TYPES}
    decided = [a["decided_at"] - a["submitted_at"] for a in applications if a["decided_at"] and a["submitted_at"]]
    return {
        "documents": len(uploads),
        "upload_to_visible_p50_s": pct(visible, 0.5), "upload_to_visible_p95_s": pct(visible, 0.95),
        "by_slot": {slot: {"documents": len(v), "p50_s": pct(v, 0.5), "p95_s": pct(v, 0.95)}
                    for slot, v in by_slot.items() if v},
        "decided": len(decided),
        "submit_to_decision_p50_s": pct(decided, 0.5), "submit_to_decision_p95_s": pct(decided, 0.95),
        "upload_to_visible_s": visible, "submit_to_decision_s": decided,
    }


def saturation_figures(load: dict) -> dict:
    sat = load["saturation"]
    window = sat["window"]
    cores = load["cores"]
    decided = [a for a in sat["applications"] if a["decided_at"]]
    first_upload = min(u["uploaded_at"] for a in sat["applications"] for u in a["uploads"])
    last_decision = max(a["decided_at"] for a in decided)
    functions = {}
    for name, invocations in sat["invocations"].items():
        durations = [i["duration_ms"] / 1000 for i in invocations]
        functions[name] = {
            "invocations": len(invocations), "cpu_s": sum(i["cpu_s"] for i in invocations),
            "failed": sum(1 for i in invocations if not i["ok"]),
            "duration_p50_s": pct(durations, 0.5), "duration_p95_s": pct(durations, 0.95),
            "peak_rss_mb": max((i["max_rss_mb"] for i in invocations), default=0.0),
            "child_peak_rss_mb": max((i.get("child_max_rss_mb", 0.0) for i in invocations), default=0.0),
            "memory_mb": sat["memory_mb"][name], "local_concurrency": sat["concurrency"][name],
        }
    stage_cpu = sum(f["cpu_s"] for f in functions.values())
    capacity = window["wall_s"] * cores
    others = max(0.0, window["machine_busy_cpu_s"] - stage_cpu - window["harness_cpu_s"])
    return {
        "applications": len(sat["applications"]), "decided": len(decided), "officers": load["args"]["officers"],
        "wall_s": window["wall_s"], "cores": cores,
        "throughput_per_min": len(decided) / ((last_decision - first_upload) / 60),
        "efficiency": stage_cpu / capacity,
        "efficiency_of_cpu_available": stage_cpu / max(1e-9, capacity - others),
        "cpu_accounting_s": {"stages": stage_cpu, "local_cloud_and_harness": window["harness_cpu_s"],
                             "other_processes": others, "idle": window["machine_idle_cpu_s"]},
        "cpu_share_baseline": [load.get("cpu_share_before"), load.get("cpu_share_after")],
        "load_average": [window["load_start"], window["load_end"]],
        "functions": functions,
        "latency": latency_figures(sat["applications"]),
        "decisions": {d: sum(1 for a in decided if a["decision"] == d)
                      for d in sorted({a["decision"] for a in decided})},
    }


def idle_figures(load: dict) -> dict:
    idle = load["idle"]
    sides = [u for u in idle["uploads"] if u["settled_at"]]
    visible = [u["settled_at"] - u["uploaded_at"] for u in sides]
    runs = [inv[-1] for inv in idle["extract_invocations"] if inv]
    delivery = [inv[-1]["ended_at"] - inv[-1]["duration_ms"] / 1000 - u["uploaded_at"]
                for u, inv in zip(idle["uploads"], idle["extract_invocations"], strict=False) if inv]
    first = [u["settled_at"] - u["uploaded_at"] for u in idle.get("first_uploads", []) if u["settled_at"]]
    return {
        "sides": len(sides), "p50_s": pct(visible, 0.5), "p95_s": pct(visible, 0.95),
        "max_s": max(visible, default=None),
        "delivery_p50_s": pct(delivery, 0.5), "delivery_p95_s": pct(delivery, 0.95),
        "extract_p50_s": pct([r["duration_ms"] / 1000 for r in runs], 0.5),
        "extract_p95_s": pct([r["duration_ms"] / 1000 for r in runs], 0.95),
        "extract_cpu_p50_s": pct([r["cpu_s"] for r in runs], 0.5),
        # what the officer would wait where the function had its core: the delivery plus the invocation's CPU
        "cpu_bound_p95_s": pct([d + r["cpu_s"] for d, r in zip(delivery, runs, strict=False)], 0.95),
        "first_in_fresh_environment_s": first, "upload_to_visible_s": visible,
    }


def package_figures() -> dict:
    figures: dict = {"sizes": None, "cold_start": None}
    build = ROOT / ".aws-sam" / "build"
    if build.is_dir():
        from loanpipe_infra.deploy.sizes import LIMIT_BYTES, report

        figures["sizes"] = {row.name: {"unzipped_mb": row.total / 2**20, "code_mb": row.code_bytes / 2**20,
                                       "layers_mb": {k: v / 2**20 for k, v in row.layer_bytes.items()},
                                       "free_under_limit": 1 - row.total / LIMIT_BYTES} for row in report(build)}
    cold = HERE / "cold-start.json"
    if cold.exists():
        data = json.loads(cold.read_text(encoding="utf-8"))
        figures["cold_start"] = {"load_average": data.get("load_average"), "runs": data.get("runs"),
                                 "functions": data["results"].get("PassThrough", {})}
    return figures


def cost_figures(load: dict) -> dict:
    sat = dict(load["saturation"])
    if "log_bytes" not in sat:  # a run from before the window's logs were measured: all the run's logs (an upper bound)
        sat["log_bytes"] = sum(p.stat().st_size for p in (CACHE / "load-cloud" / "logs").glob("*.log"))
    table = next((name for name in sat["dynamodb_items"] if name.endswith("ApplicationsTable")), "ApplicationsTable")
    usage = cost.usage_per_application(sat, table)
    prices = cost.load_prices()
    cpu_bound = cost.cost_per_application(usage, prices, cpu_bound=True)
    template = load_template(ROOT / "template.yaml")
    return {"usage_per_application": usage, "prices": {"region": prices["region"], "checked": prices["checked"]},
            "per_application": cost.cost_per_application(usage, prices),
            "per_application_cpu_bound": cpu_bound,
            "textract_per_application": prices["prices"]["textract_per_application"]["usd"],
            "dynamodb_items": sat["dynamodb_items"],
            "capacity_inputs": inputs_from_run(sat, usage, cpu_bound["total"], template)}


def machine() -> dict:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return {"cores": os.cpu_count(), "load_average_now": os.getloadavg(), "commit": commit.stdout.strip(),
            "written": datetime.now().astimezone().isoformat(timespec="seconds")}


def main(argv: list[str] | None = None) -> int:
    from benchmarks.report_plots import plot_all
    from benchmarks.report_text import render

    data: dict = {"machine": machine(), "targets": TARGETS}
    extract = CACHE / "extract-cpu.json"
    data["extraction"] = json.loads(extract.read_text(encoding="utf-8")) if extract.exists() else None
    load_path = CACHE / "load.json"
    if load_path.exists():
        load = json.loads(load_path.read_text(encoding="utf-8"))
        data["load_run"] = {"args": load["args"], "started": load["started"], "generator": load["generator"]}
        data["saturation"] = saturation_figures(load)
        data["idle"] = idle_figures(load)
        data["cost"] = cost_figures(load)
        data["capacity_inputs"] = data["cost"].pop("capacity_inputs")
    notes = CACHE / "run-notes.md"  # what the person who ran it saw and did during the run, if anything
    data["run_notes"] = notes.read_text(encoding="utf-8") if notes.exists() else None
    data["packages"] = package_figures()
    data["plots"] = plot_all(data, HERE)
    REPORT.write_text(render(data), encoding="utf-8")
    REPORT.with_suffix(".json").write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
    print(f"wrote {REPORT} and {REPORT.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

