"""One side of ``benchmarks.cpu_then``: reads documents with the extraction of one source tree and says what
each cost in CPU seconds. Run as a file (``python benchmarks/cpu_worker.py TREE``), never imported by the
benchmark itself, so that nothing of the checkout it sits in is imported beside the tree's own code.

Protocol: one JSON object per line on stdin (``{"file": path}``), one per line on stdout (``{"cpu": s,
"outcome": "..."}``); the first line out says which module read (``{"ready": module}``) once a warm-up
document has been read (models loaded, caches filled), so no document pays for the start.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def _only_the_tree(tree: Path) -> None:
    """The tree's ``loanpipe`` alone: an editable install of the project (``pip install -e``) adds a finder
    that would supply modules the tree does not have from the installed checkout instead."""
    sys.meta_path[:] = [finder for finder in sys.meta_path
                        if not str(getattr(finder, "__module__", "")).startswith("__editable__")]
    sys.path[0:0] = [str(tree / "layers" / "common"), str(tree)]


def _extractor():
    try:  # the layered package (from the restructure on)
        from loanpipe.extraction.extract import extract_document
    except ImportError:  # the tree of 2026-11-29 (loanpipe.documents)
        from loanpipe.documents.extract import extract_document  # type: ignore[no-redef]
    return extract_document


def _outcome(extraction) -> str:
    """The type read, and "retake" when the picture was sent back (the same contract in both trees)."""
    result = extraction.result
    return f"{result.doc_type.value}{'' if result.quality.ok else ' retake'}"


def main() -> int:
    tree = Path(sys.argv[1]).resolve()
    warm = sys.argv[2]
    _only_the_tree(tree)
    extract_document = _extractor()
    extract_document(Path(warm).read_bytes(), filename=Path(warm).name, engine="rapidocr")
    print(json.dumps({"ready": extract_document.__module__, "file": sys.modules[extract_document.__module__].__file__}),
          flush=True)
    for line in sys.stdin:
        path = Path(json.loads(line)["file"])
        data = path.read_bytes()
        started = time.process_time()
        try:
            outcome = _outcome(extract_document(data, filename=path.name, engine="rapidocr"))
        except Exception as exc:  # noqa: BLE001 - a refusal is an outcome; its cost counts the same
            outcome = type(exc).__name__
        print(json.dumps({"cpu": time.process_time() - started, "outcome": outcome}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
