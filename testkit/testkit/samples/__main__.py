"""``python -m testkit.samples --out DIR --count N --seed S [--documents]``."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from testkit.defects import SAMPLE_DEFECTS
from testkit.samples.applications import generate_applications
from testkit.samples.documents import generate_documents
from testkit.samples.statement_pdf import LAYOUTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m testkit.samples",
                                     description="Write seeded synthetic loan applications or benchmark documents.")
    parser.add_argument("--out", required=True, type=Path, help="output directory")
    parser.add_argument("--count", type=int, default=20, help="applications (or documents with --documents)")
    parser.add_argument("--seed", type=int, default=None, help="seed (default 7, or 11 with --documents)")
    parser.add_argument("--documents", action="store_true", help="the extraction benchmark set instead")
    parser.add_argument("--tier", choices=("clean", "phone", "hard"), default=None,
                        help="applications: one tier for all (default: a realistic mix); "
                             "documents: only this tier")
    parser.add_argument("--defect-rate", type=float, default=0.0, help="share of applications with a defect")
    parser.add_argument("--defects", default=None,
                        help="comma-separated codes to cycle through ('clean' or 'a+b' allowed): "
                             + ",".join(SAMPLE_DEFECTS))
    parser.add_argument("--captured-at", default=None, help="ISO time of every capture, e.g. 2026-11-20T10:31:00+08:00")
    parser.add_argument("--statement-layouts", default="classic",
                        help="comma-separated statement column layouts taken in turn, or 'all': "
                             + ",".join(LAYOUTS))
    parser.add_argument("--certificate-templates", default=None,
                        help="comma-separated certificate templates taken in turn, or 'all' (default: drawn)")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    if args.documents:
        tiers = (args.tier,) if args.tier else ("clean", "phone", "hard")
        samples = generate_documents(args.out, args.count, 11 if args.seed is None else args.seed, tiers=tiers)
        sys.stdout.write(f"{len(samples)} documents and manifest.json in {args.out}\n")
        return 0
    defects = [code.strip() for code in args.defects.split(",")] if args.defects else None
    captured_at = datetime.fromisoformat(args.captured_at) if args.captured_at else None
    try:
        applications = generate_applications(args.out, args.count, 7 if args.seed is None else args.seed,
                                             tier=args.tier, defect_rate=args.defect_rate, defects=defects,
                                             captured_at=captured_at,
                                             statement_layouts=args.statement_layouts.split(","),
                                             certificate_templates=args.certificate_templates.split(",")
                                             if args.certificate_templates else None)
    except (ValueError, KeyError) as error:
        parser.error(f"{error}")
    for application in applications:
        planted = "+".join(application.defects) or "clean"
        sys.stdout.write(f"{application.folder.name}\t{application.expected_decision}\t{planted}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
