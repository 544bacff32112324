"""Extraction CPU per document type beside the naive baseline, on the same documents:
``python -m benchmarks.extract_cpu [--own 16] [--devset-apps 6]``.

Two sets, each named in the output: documents of the project's own generator (testkit.samples.generate_documents,
seeded, three capture tiers; the cache of ``make bench-extract``) and the first applications of the shared dev set
(``LOANPIPE_DEVSET``, default ``../shared/devset``; an independent generator). For every document: the production
extraction (``extract_document`` with the slot's type, as the extract function calls it, engines already created:
a warm environment) and the baseline (benchmarks/baseline_ocr.py: full-page Tesseract and label regexes), each
timed in CPU seconds of this process and its children (Tesseract runs as a child). Wall time is not used: on a
shared machine it measures the neighbours.

Writes benchmarks/.cache/extract-cpu.json (benchmarks.report reads it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
from pathlib import Path

from benchmarks.extract import cpu_now, load_or_generate

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / ".cache" / "extract-cpu.json"
TYPES = ("id_card_front", "id_card_back", "income_certificate", "bank_statement")


def default_devset() -> Path:
    return Path(os.environ.get("LOANPIPE_DEVSET", ROOT.parent / "shared" / "devset"))


def _format(path: Path) -> str:
    if path.suffix.lower() != ".pdf":
        return "photo"
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path.read_bytes())
    try:
        page = document[0]
        text = page.get_textpage().get_text_range().strip()
        page.close()
    finally:
        document.close()
    return "pdf-text" if text else "pdf-scan"


def own_documents(count: int, seed: int) -> list[tuple[Path, str]]:
    folder, docs = load_or_generate(count, seed)
    return [(folder / entry["file"], entry["doc_type"]) for entry in docs]


def devset_documents(devset: Path, apps: int) -> list[tuple[Path, str]]:
    from loanpipe_infra.client import slot_of

    folders = sorted(p for p in (devset / "data").iterdir() if p.is_dir())[:apps]
    return [(path, slot_of(path)) for folder in folders for path in sorted(folder.iterdir())
            if slot_of(path) and path.suffix.lower() in (".jpg", ".jpeg", ".png", ".pdf")]


def template_engine() -> str:
    """The OCR engine the template gives the extract function (its OcrEngine parameter's default)."""
    from loanpipe_infra.localcloud.template import load_template

    return load_template(ROOT / "template.yaml")["Parameters"]["OcrEngine"]["Default"]


def measure(documents: list[tuple[Path, str]], engine: str) -> list[dict]:
    from benchmarks.baseline_ocr import extract_baseline
    from loanpipe.domain.documents import DocType
    from loanpipe.domain.errors import RejectedInput
    from loanpipe.extraction.extract import extract_document
    from loanpipe_infra.client import content_type_of

    rows = []
    for path, doc_type in documents:
        data = path.read_bytes()
        started = cpu_now()
        outcome = "extracted"
        try:
            result = extract_document(data, expected_type=DocType(doc_type), filename=path.name,
                                      content_type=content_type_of(path), engine=engine)
            if not result.result.quality.ok:
                outcome = "retake"
        except RejectedInput as exc:
            outcome = f"rejected:{exc.code}"
        ours = cpu_now() - started
        started = cpu_now()
        baseline_outcome = "read"
        try:
            extract_baseline(path, doc_type)
        except subprocess.TimeoutExpired:  # its Tesseract ran past 300 s wall (a crowded machine): CPU so far
            baseline_outcome = "timed out"
        baseline = cpu_now() - started
        rows.append({"file": str(path), "doc_type": doc_type, "format": _format(path), "cpu_s": round(ours, 4),
                     "baseline_cpu_s": round(baseline, 4), "outcome": outcome, "baseline_outcome": baseline_outcome})
        print(f"  {doc_type:18s} {rows[-1]['format']:8s} ours {ours:6.2f} s  baseline {baseline:6.2f} s  "
              f"{path.parent.name}/{path.name}", flush=True)
    return rows


def summary(rows: list[dict]) -> list[dict]:
    table = []
    for doc_type in TYPES:
        of_type = [r for r in rows if r["doc_type"] == doc_type]
        if not of_type:
            continue
        ours = [r["cpu_s"] for r in of_type]
        base = [r["baseline_cpu_s"] for r in of_type]
        table.append({"doc_type": doc_type, "documents": len(of_type),
                      "baseline_timed_out": sum(1 for r in of_type if r.get("baseline_outcome") == "timed out"),
                      "formats": sorted({r["format"] for r in of_type}),
                      "median_cpu_s": statistics.median(ours), "mean_cpu_s": statistics.fmean(ours),
                      "median_baseline_cpu_s": statistics.median(base), "mean_baseline_cpu_s": statistics.fmean(base)})
    return table


def warm_up(documents: list[tuple[Path, str]], engine: str) -> None:
    """One unmeasured extraction creates the engines (the extract function does that once per environment)."""
    from loanpipe.domain.documents import DocType
    from loanpipe.domain.errors import RejectedInput
    from loanpipe.extraction.extract import extract_document
    from loanpipe_infra.client import content_type_of

    photo = next(((p, t) for p, t in documents if p.suffix.lower() != ".pdf"), documents[0])
    try:
        extract_document(photo[0].read_bytes(), expected_type=DocType(photo[1]), filename=photo[0].name,
                         content_type=content_type_of(photo[0]), engine=engine)
    except RejectedInput:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--own", type=int, default=16, help="documents of the own generator (4 types x tiers)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--devset", type=Path, default=default_devset())
    parser.add_argument("--devset-apps", type=int, default=6, help="dev-set applications (all their documents)")
    parser.add_argument("--sets", default="own,devset",
                        help="which sets to measure; a set left out keeps its figures from the last run")
    args = parser.parse_args(argv)
    sets = set(args.sets.split(","))

    own = own_documents(args.own, args.seed)
    engine = template_engine()
    warm_up(own, engine)
    result: dict = {"sets": {}, "engine": engine, "load_average_start": os.getloadavg()}
    if sets != {"own", "devset"} and OUT.exists():
        result["sets"] = json.loads(OUT.read_text(encoding="utf-8"))["sets"]
    if "own" in sets:
        print(f"own generator: {len(own)} documents", flush=True)
        rows = measure(own, engine)
        result["sets"]["own"] = {"source": f"testkit.samples.generate_documents(count={args.own}, seed={args.seed})",
                                 "documents": rows, "by_type": summary(rows)}
    if "devset" not in sets:
        pass
    elif (args.devset / "data").is_dir():
        dev = devset_documents(args.devset, args.devset_apps)
        print(f"dev set: {len(dev)} documents of {args.devset_apps} applications", flush=True)
        rows = measure(dev, engine)
        result["sets"]["devset"] = {"source": f"{args.devset}/data, first {args.devset_apps} applications",
                                    "documents": rows, "by_type": summary(rows)}
    else:
        result["sets"]["devset"] = {"source": str(args.devset), "absent": True, "documents": [], "by_type": []}
        print(f"dev set absent: {args.devset}", flush=True)
    result["load_average_end"] = os.getloadavg()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"wrote {OUT}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
