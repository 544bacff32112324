"""Dev-set benchmark: the shared, independent development set scored by its own scorers.

The documents of ``../shared/devset`` were made by another generator than this project's, so this is the
yardstick for extraction and decisions (the project's own generator agrees with its parsers by construction).
Two passes, both with the scorers that come with the set:

1. extraction: ``score.py --cmd "<venv>/bin/loanpipe extract"`` runs the production extraction once per
   document and type (and once with ``--type auto``), and compares with ``truth.json``;
2. decisions: ``loanpipe demo --input DATA --exit --json-out ...`` carries every application through the
   local cloud (upload, extract, validate, score), then ``score_decisions.py`` counts unsafe approvals,
   planted defects named with their reason code and straight-through approvals.

Writes ``benchmarks/devset-report.md`` (the scorers' summaries verbatim, the commands, the commit, and a
reliability table of the extraction's confidences computed from the scorer's JSON) and the scorers' JSON
beside it.

    python -m benchmarks.devset [--devset DIR] [--limit N] [--skip-decisions] [--no-auto] [--jobs N]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from loanpipe.policy.model import default_policy

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "benchmarks"
SUMMARY_LINES = 90  # the scorers print their tables last: this many lines of each go into the report
# Confidence bands of the reliability table; the policy's review threshold is one of the edges.
BANDS = (0.0, 0.5, 0.8, 0.9, 0.97, 1.0001)


def default_devset() -> Path:
    return Path(os.environ.get("LOANPIPE_DEVSET", ROOT.parent / "shared" / "devset"))


def run(command: list[str], log_name: str, ok_codes: tuple[int, ...] = (0,)) -> tuple[str, float]:
    """Run a scorer or the demo; its whole output goes to a log under benchmarks/.cache, its tail is returned.

    ``score_decisions.py`` exits 1 when the targets are missed: that is a result to report, not a failure."""
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.monotonic() - started
    cache = HERE / ".cache"
    cache.mkdir(exist_ok=True)
    (cache / log_name).write_text(done.stdout + "\n--- stderr ---\n" + done.stderr, encoding="utf-8")
    if done.returncode not in ok_codes:
        sys.exit(f"{shlex.join(command)} failed ({done.returncode}); see benchmarks/.cache/{log_name}")
    return "\n".join(done.stdout.rstrip().splitlines()[-SUMMARY_LINES:]), seconds


def reliability_table(scored: dict, threshold: float) -> list[str]:
    """Markdown rows: for each confidence band, how many values the extraction gave and the share right
    (from ``score.py --json-out``: per document, per field, truth, prediction, ok, confidence). An honest
    confidence puts no wrong value at or above the policy's review threshold."""
    values = [(field.get("confidence") or 0.0, bool(field.get("ok")))
              for document in scored.get("documents", []) for field in document.get("fields", {}).values()
              if field.get("pred") is not None]
    lines = ["| confidence | values | right | share right |", "|---|---:|---:|---:|"]
    for low, high in zip(BANDS, BANDS[1:], strict=False):
        band = [ok for confidence, ok in values if low <= confidence < high]
        share = f"{sum(band) / len(band):.3f}" if band else "-"
        lines.append(f"| {low:.2f}-{min(high, 1.0):.2f} | {len(band)} | {sum(band)} | {share} |")
    wrong = sum(1 for confidence, ok in values if confidence >= threshold and not ok)
    trusted = sum(1 for confidence, _ in values if confidence >= threshold)
    lines += ["", f"Wrong values at or above the review threshold ({threshold:.2f}): {wrong} of {trusted}."]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devset", type=Path, default=default_devset())
    parser.add_argument("--limit", type=int, help="only the first N applications")
    parser.add_argument("--jobs", type=int, default=1, help="parallel extraction runs (then timings are not CPU)")
    parser.add_argument("--skip-decisions", action="store_true")
    parser.add_argument("--no-auto", action="store_true", help="skip the classification pass (--type auto)")
    parser.add_argument("--report", type=Path, default=HERE / "devset-report.md")
    args = parser.parse_args(argv)
    data = args.devset / "data"
    if not data.is_dir():
        sys.exit(f"no dev set at {args.devset} (set LOANPIPE_DEVSET or --devset)")
    loanpipe = str(Path(sys.executable).parent / "loanpipe")
    limit = ["--limit", str(args.limit)] if args.limit else []

    extract_cmd = [sys.executable, str(args.devset / "score.py"), "--cmd", f"{loanpipe} extract", "--data",
                   str(data), "--jobs", str(args.jobs), "--json-out", str(HERE / "devset-extract.json"), *limit,
                   *(["--no-auto"] if args.no_auto else [])]
    extract_summary, extract_seconds = run(extract_cmd, "devset-extract.log")
    sections = [("Extraction", extract_cmd, extract_summary, extract_seconds)]
    threshold = default_policy().documents.confidence_threshold
    reliability = reliability_table(json.loads((HERE / "devset-extract.json").read_text(encoding="utf-8")),
                                    threshold)

    if not args.skip_decisions:
        input_dir = data
        if args.limit:
            input_dir = HERE / ".cache" / "devset-input"
            input_dir.mkdir(parents=True, exist_ok=True)
            for folder in sorted(data.iterdir())[: args.limit]:
                link = input_dir / folder.name
                if not link.exists():
                    link.symlink_to(folder)
        outcomes = HERE / "devset-outcomes.json"
        demo_cmd = [loanpipe, "demo", "--input", str(input_dir), "--exit", "--json-out", str(outcomes)]
        _, demo_seconds = run(demo_cmd, "devset-demo.log")
        score_cmd = [sys.executable, str(args.devset / "score_decisions.py"), str(outcomes), "--data",
                     str(input_dir)]
        decision_summary, _ = run(score_cmd, "devset-decisions.log", ok_codes=(0, 1))
        sections.append(("Decisions", demo_cmd + ["&&"] + score_cmd, decision_summary, demo_seconds))

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "unknown"
    lines = [
        "# Dev-set report",
        "",
        f"Data: `{args.devset}` (an independent generator's applications, scored by the set's own scorers)"
        + (f", first {args.limit} applications" if args.limit else "") + ".",
        f"Commit `{commit}`, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC. "
        "Regenerate: `make bench-devset` (`python -m benchmarks.devset`).",
        "",
    ]
    for title, command, summary, seconds in sections:
        lines += [f"## {title}", "", f"`{shlex.join(command)}` — {seconds:.0f} s wall", "", "```", summary, "```", ""]
        if title == "Extraction":
            lines += ["### Reliability of the confidences", "",
                      "Every value the extraction gave, by its confidence: how often it is right.", "",
                      *reliability, ""]
    args.report.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
