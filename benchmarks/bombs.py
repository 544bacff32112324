"""Memory and CPU of reading the corpus's hostile PDFs: ``make bench-bombs`` (``python -m benchmarks.bombs``).

Each file of testkit.bad_inputs (our own generator: the bombs and one active PDF) is read by
``extract_document`` in a fresh process; reported: the verdict, the process's peak resident memory (``ru_maxrss``)
before and after the read, and the read's CPU and wall seconds. ``--root DIR`` reads with the ``loanpipe`` of another
checkout (e.g. main before the guard) to show what the same file did there; the extract function has 2,048 MB.
Writes benchmarks/bombs-report.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "benchmarks" / "bombs-report.md"
FILES = ["flate_bomb", "double_flate_bomb", "object_stream_bomb", "lzw_bomb", "image_bomb", "dense_text_page",
         "open_action_with_embedded_executable"]

_CHILD = """
import json, resource, sys, time
from testkit import bad_inputs as corpus
data = getattr(corpus, sys.argv[1])()
from loanpipe.extraction.extract import extract_document
from loanpipe.domain.errors import RejectedInput
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
cpu, wall = time.process_time(), time.monotonic()
try:
    read = extract_document(data, expected_type="bank_statement", filename="bank_statement.pdf")
    verdict = "read: " + (",".join(read.result.quality.reasons) or "ok")
except RejectedInput as refused:
    verdict = "refused: " + refused.code
print(json.dumps({"bytes": len(data), "verdict": verdict, "before_mb": before,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "cpu_s": time.process_time() - cpu, "wall_s": time.monotonic() - wall}))
"""


def measure(name: str, root: Path, timeout: float) -> dict:
    env = {**os.environ, "PYTHONPATH": str(root / "layers" / "common")}
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, name], capture_output=True, text=True,
                              env=env, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"verdict": f"no verdict in {timeout:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {"verdict": f"failed: {done.stderr.strip().splitlines()[-1:]}"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose loanpipe reads the files")
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args(argv)
    rows = [(name, measure(name, args.root.resolve(), args.timeout)) for name in FILES]
    lines = [f"# Hostile PDFs: memory and CPU of a read ({args.root.resolve()})", "",
             "`python -m benchmarks.bombs" + (f" --root {args.root}" if args.root != ROOT else "") + "`; files of "
             "testkit.bad_inputs (our generator); one fresh process per file; load average "
             f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.", "",
             "| file | bytes | verdict | peak RSS MB (before read) | CPU s | wall s |", "|---|---:|---|---:|---:|---:|"]
    for name, row in rows:
        lines.append(f"| {name} | {row.get('bytes', '')} | {row['verdict']} | "
                     f"{row.get('peak_mb', 0):.0f} ({row.get('before_mb', 0):.0f}) | {row.get('cpu_s', 0):.2f} | "
                     f"{row.get('wall_s', 0):.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.root.resolve() == ROOT:
        REPORT.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
