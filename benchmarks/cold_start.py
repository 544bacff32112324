"""Cold-start benchmark: ``make bench-imports`` (``python -m benchmarks.cold_start --python PY313``).

Each built function (``.aws-sam/build``, from ``make build``) is laid out as Lambda lays it out
(``loanpipe_infra.deploy.lambdalike``: python3.13 with boto3 only, layers under an /opt of their own, bytecode
not written) and its handler module imported in a fresh process, ``--runs`` times. In the same process the probe
then builds what the function defers to its first message or request (a queue-driven function's
``runner.prepare()``: batch and idempotency machinery, message model, settings, boto3 clients, policy, the stage's
services; the API's ``api_deps()`` and the modules of the route a field officer's first request takes), and for
the extract function creates the OCR engines, as its first document does. Reported: the median and the range
(min-max) of the wall and CPU seconds of the import, the median of the first use and of the engines, with tracing
as the template's default has it and with ``Tracing=Active``, and which heavy packages the import loaded. Targets
(issue 11): api, validate, score import <= 0.3 s; extract <= 1.5 s with its engines.

Wall time is what an officer waits on an idle machine; on a busy one (the load average is in the report) the CPU
seconds are the steadier figure. Writes benchmarks/cold-start.md and benchmarks/cold-start.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path

from loanpipe_infra.deploy.lambdalike import prepare
from loanpipe_infra.deploy.sizes import function_layers
from loanpipe_infra.localcloud.template import load_template

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / ".aws-sam" / "build"
LAYOUT = ROOT / ".aws-sam" / "lambda"
REPORT = ROOT / "benchmarks" / "cold-start.md"
HEAVY = ("boto3", "botocore", "aws_xray_sdk", "pydantic", "pydantic_settings", "numpy", "cv2", "onnxruntime", "PIL",
         "reportlab", "pypdfium2", "pyhanko", "yaml")
TARGETS = {"ApiFunction": 0.3, "ValidateFunction": 0.3, "ScoreFunction": 0.3, "ExtractFunction": 1.5}
ENGINES = ["rapidocr", "tesseract"]
# What the API's first request imports besides its dependencies: the modules of the route a field officer calls
# first (POST /applications, loanpipe.entry.http.create).
API_FIRST_REQUEST = ["loanpipe.domain.application", "loanpipe.service.intake", "loanpipe.service.views"]


def _spread(answers: list[dict], key: str) -> dict[str, float]:
    values = sorted(a[key] for a in answers)
    return {"median": statistics.median(values), "min": values[0], "max": values[-1]}


def measure(template: dict, function: str, python: Path, runs: int, parameters: dict[str, str]) -> dict:
    lambda_like = prepare(function, template, BUILD, python, LAYOUT, parameters)
    request: dict = {"first_use": API_FIRST_REQUEST if function == "ApiFunction" else []}
    if function == "ExtractFunction":
        request["engines"] = ENGINES
    answers = [lambda_like.probe(request) for _ in range(runs)]
    row: dict = {
        "import_wall": statistics.median(a["import_seconds"] for a in answers),
        "import_cpu": statistics.median(a["import_cpu_seconds"] for a in answers),
        "import_wall_runs": [a["import_seconds"] for a in answers],
        "import_cpu_runs": [a["import_cpu_seconds"] for a in answers],
        "import_wall_range": [_spread(answers, "import_seconds")[k] for k in ("min", "max")],
        "import_cpu_range": [_spread(answers, "import_cpu_seconds")[k] for k in ("min", "max")],
        "heavy_modules": sorted(set(answers[0]["modules"]) & set(HEAVY)),
        "first_use_heavy_modules": sorted(set(answers[0]["first_use_modules"]) & set(HEAVY)),
    }
    row["first_use_wall"] = statistics.median(a["first_use_seconds"] for a in answers)
    row["first_use_cpu"] = statistics.median(a["first_use_cpu_seconds"] for a in answers)
    if function == "ExtractFunction":
        row["engines_wall"] = statistics.median(a["engine_seconds"] for a in answers)
        row["engines_cpu"] = statistics.median(a["engine_cpu_seconds"] for a in answers)
    row["start_wall"] = row["import_wall"] + row.get("engines_wall", 0.0)
    row["start_cpu"] = row["import_cpu"] + row.get("engines_cpu", 0.0)
    # Everything before the first message's own work: import, what it defers, the engines.
    row["ready_cpu"] = row["start_cpu"] + row["first_use_cpu"]
    return row


def _table(results: dict[str, dict[str, dict]]) -> list[str]:
    lines = ["| function | tracing | import wall s (min-max) | import CPU s (min-max) | target s "
             "| + engines wall / CPU s | import+engines CPU s | + first use wall / CPU s | ready CPU s "
             "| heavy packages the import loaded | ... and the first use |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for tracing, rows in results.items():
        for function, row in rows.items():
            engines = (f"{row['engines_wall']:.2f} / {row['engines_cpu']:.2f}" if "engines_cpu" in row else "")
            wall_low, wall_high = row["import_wall_range"]
            cpu_low, cpu_high = row["import_cpu_range"]
            later = sorted(set(row["first_use_heavy_modules"]) - set(row["heavy_modules"]))
            lines.append(f"| {function} | {tracing} | {row['import_wall']:.3f} ({wall_low:.3f}-{wall_high:.3f}) "
                         f"| {row['import_cpu']:.3f} ({cpu_low:.3f}-{cpu_high:.3f}) | {TARGETS.get(function, '')} "
                         f"| {engines} | {row['start_cpu']:.2f} "
                         f"| {row['first_use_wall']:.2f} / {row['first_use_cpu']:.2f} | {row['ready_cpu']:.2f} "
                         f"| {', '.join(row['heavy_modules']) or '-'} "
                         f"| {', '.join(later) or '-'} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", type=Path, default=ROOT / ".tools" / "lambda-python3.13" / "bin" / "python")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    template = load_template(ROOT / "template.yaml")
    load_before = os.getloadavg()
    results: dict[str, dict[str, dict]] = {}
    for tracing in ("PassThrough", "Active"):
        results[tracing] = {function: measure(template, function, args.python, args.runs, {"Tracing": tracing})
                            for function in function_layers(template)}
    load_after = os.getloadavg()
    REPORT.with_suffix(".json").write_text(json.dumps({"runs": args.runs, "load_average": [load_before, load_after],
                                                       "results": results}, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# Cold starts of the built functions",
        "",
        f"`make bench-imports` (benchmarks/cold_start.py): median (and range) of {args.runs} fresh python3.13 "
        "processes per function, laid out as on Lambda (loanpipe_infra.deploy.lambdalike). Import: `import app` of "
        "the handler; engines: creating RapidOCR and Tesseract, as the extract function's first document does. "
        "Tracing: the template's `Tracing` parameter (PassThrough is its default). First use: what a function "
        "defers to its first message or request, built without calling AWS (a stage's `runner.prepare()`: "
        "powertools' batch and idempotency, the message model, settings, boto3 clients, the policy, the stage's "
        "services, for extract the OCR stack; the API's `api_deps()` and the modules of `POST /applications`), "
        "paid then instead of at import. Ready: import + engines + first use, all a function spends before its "
        "first message's own work.",
        "",
        f"Load average while measuring: {load_before[0]:.1f} -> {load_after[0]:.1f} on {os.cpu_count()} cores "
        "(on a busy machine wall time stretches; CPU seconds are the steadier figure).",
        "",
        *_table(results),
        "",
    ]
    REPORT.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
