"""The shared dev set and its own scorer (``../shared/devset/score.py``), imported as it is: the statements to
read, and transaction rows scored by the scorer's matching (date, amount, balance as a multiset) and its
precision / recall / F1 summary, so that every reader here is judged exactly as ``make bench-devset`` judges
the pipeline."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def default_devset() -> Path:
    """``LOANPIPE_DEVSET``, else ``shared/devset`` beside the repository or beside a folder above it (a git
    worktree lives deeper than the main checkout)."""
    if os.environ.get("LOANPIPE_DEVSET"):
        return Path(os.environ["LOANPIPE_DEVSET"])
    for folder in ROOT.parents:
        if (folder / "shared" / "devset" / "score.py").is_file():
            return folder / "shared" / "devset"
    return ROOT.parent / "shared" / "devset"


@cache
def scorer(devset: Path) -> ModuleType:
    """The dev set's ``score.py`` as a module (it is a script beside the data, not an installed package)."""
    spec = importlib.util.spec_from_file_location("devset_score", devset / "score.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"no score.py in {devset}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class DevDocument:
    app: str
    tier: str
    doc_type: str
    capture: str  # the scorer's capture kind: text_pdf, scan_pdf, photo_jpg, photo, scan
    path: Path
    truth: dict  # the document's truth (fields, transactions)
    render: dict  # how the generator rendered it (capture kind, rotation_deg, ...)


def documents(devset: Path, doc_types: tuple[str, ...], limit: int | None = None) -> list[DevDocument]:
    """The documents of the given types of the first ``limit`` applications, with the capture kind named as
    the scorer names it."""
    found = []
    for folder, truth in scorer(devset).load_apps(devset / "data", limit):
        for doc_type in doc_types:
            render = truth.get("render", {}).get(doc_type, {})
            kind = render.get("kind") or render.get("mode") or "?"
            if kind == "photo" and doc_type in ("income_certificate", "bank_statement"):
                kind = "photo_jpg"
            found.append(DevDocument(truth["app_id"], truth["tier"], doc_type, kind,
                                     folder / truth["files"][doc_type], truth["documents"][doc_type], render))
    return found


def scored(devset: Path, document: DevDocument, transactions: list[dict], seconds: float,
           error: str | None = None) -> dict:
    """One statement's record as the scorer's ``evaluate`` builds it (its ``_score_doc`` decides the matches)."""
    output = {"fields": {}, "transactions": transactions}
    record = {"app": document.app, "tier": document.tier, "doc_type": document.doc_type,
              "capture": document.capture, "file": document.path.name, "seconds": seconds, "error": error}
    record.update(scorer(devset)._score_doc(document.doc_type, document.truth, output))
    return record


def row_scores(devset: Path, records: list[dict]) -> dict[str, dict]:
    """The scorer's transaction summary (``summarize``): precision, recall, F1 and counts for all rows, per
    tier and per capture kind (keys ``all``, ``easy``..., ``capture:text_pdf``...)."""
    if not records:
        return {}
    return scorer(devset).summarize(records, [])["transactions"]
