"""Seeded loan applications as the field app uploads them: one folder each with ``application.json``,
the documents named by slot and ``truth.json`` (planted defects, expected decision, per-file truth).

A clean application is affordable and within policy: loan <= 80 % (new) / 70 % (used) of the
vehicle price, monthly payment (6 % a year, 等额本息) <= 28 % of the certified gross income,
applicant 22-55, statement covering >= 180 days and ending 1-20 days before the capture,
certificate issued 5-50 days before the capture, ID card valid on the capture day, salary credits
10-25 % below the certified gross income. What each application will be is drawn in
``testkit.samples.plan``; this module draws the files and writes the folders.
"""

from __future__ import annotations

import io
import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image, ImageOps

from loanpipe.domain.calendar import add_months, full_years
from loanpipe.domain.documents import DocType
from testkit.defects import expected_decision
from testkit.samples.certificate import MORE_TEMPLATES, TEMPLATES, render_certificate
from testkit.samples.files import (
    Capture,
    DocumentFile,
    back_fields,
    certificate_fields,
    front_fields,
    image_document,
    statement_documents,
)
from testkit.samples.id_card import render_back, render_front
from testkit.samples.photo import EDITOR_SOFTWARE, CameraTags, encode
from testkit.samples.plan import CHINA, Plan, Written, defect_schedule, officers_of_batch, plan_application
from testkit.samples.statement_pdf import CLASSIC, LAYOUTS, StatementLayout

FAR_KM = (45.0, 60.0)


@dataclass
class SampleApplication:
    folder: Path
    declared: dict
    defects: list[str]
    expected_decision: str  # approve | review | decline


def _offset_km(lat: float, lon: float, km: float, bearing_deg: float) -> tuple[float, float]:
    bearing = math.radians(bearing_deg)
    return (lat + km * math.cos(bearing) / 111.0,
            lon + km * math.sin(bearing) / (111.0 * math.cos(math.radians(lat))))


def _camera(plan: Plan, slot: str, minute: int):
    taken = plan.captured_at - timedelta(minutes=18 - minute, seconds=plan.rng.randint(0, 59))
    lat, lon = plan.home
    lat, lon = lat + plan.rng.uniform(-0.00015, 0.00015), lon + plan.rng.uniform(-0.00015, 0.00015)
    if slot == plan.far_slot:
        lat, lon = _offset_km(lat, lon, plan.rng.uniform(*FAR_KM), plan.rng.uniform(0, 360))
    software = EDITOR_SOFTWARE if slot == plan.edited_slot else None

    def tags(orientation: int) -> CameraTags:
        return CameraTags(plan.officer.make, plan.officer.model, taken, lat, lon, orientation, software)

    return tags


def _known_template(name: str) -> str:
    if name not in TEMPLATES + MORE_TEMPLATES:
        raise ValueError(f"unknown certificate template {name!r}: {', '.join(TEMPLATES + MORE_TEMPLATES)}")
    return name


def _documents(plan: Plan, layout: StatementLayout = CLASSIC, template: str | None = None) -> list[DocumentFile]:
    rng = plan.rng
    files: list[DocumentFile] = []

    def capture(slot: str, minute: int) -> Capture:
        return Capture(plan.tier, _camera(plan, slot, minute), unreadable=slot == plan.unreadable_slot)

    if plan.missing_slot != "id_card_front":
        files.append(image_document(rng, "id_card_front", DocType.ID_CARD_FRONT, render_front(rng, plan.front),
                                    front_fields(plan.front), capture("id_card_front", 0)))
    if plan.missing_slot != "id_card_back":
        if plan.duplicate_source is not None:
            files.append(_copied_back(rng, plan.duplicate_source))
        else:
            files.append(image_document(rng, "id_card_back", DocType.ID_CARD_BACK, render_back(rng, plan.back),
                                        back_fields(plan.back), capture("id_card_back", 1)))
    if plan.missing_slot != "income_certificate":
        page = render_certificate(rng, plan.certificate, template=template, seal_over_body=plan.tier == "hard")
        files.append(image_document(rng, "income_certificate", DocType.INCOME_CERTIFICATE, page,
                                    certificate_fields(plan.certificate), capture("income_certificate", 3)))
    if plan.missing_slot != "bank_statement":
        files.extend(statement_documents(rng, "bank_statement", plan.statement, printed_on=plan.printed_on,
                                         statement_format=plan.statement_format,
                                         capture=capture("bank_statement", 6), layout=layout))
    return files


def _copied_back(rng: random.Random, source: Written) -> DocumentFile:
    """The earlier application's card-back file: byte for byte, or re-compressed without its EXIF."""
    original = next(file for file in source.files.values() if file.doc_type == DocType.ID_CARD_BACK.value)
    data = (source.folder / original.name).read_bytes()
    extra = {"duplicate_of": f"{source.folder.name}/{original.name}"}
    if rng.random() < 0.5:
        return DocumentFile(original.name, data, original.doc_type, original.tier, original.format,
                            dict(original.fields), readable=original.readable, exif=original.exif,
                            extra={**extra, "duplicate_mode": "identical"})
    picture = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    quality = rng.randint(72, 86)
    return DocumentFile("id_card_back.jpg", encode(picture, "jpg", quality=quality), original.doc_type,
                        original.tier, "jpg", dict(original.fields), readable=original.readable,
                        extra={**extra, "duplicate_mode": "recompressed", "quality": quality})


def _declared(plan: Plan) -> dict:
    persona = plan.persona
    return {
        "applicant": {"name": persona.name, "id_number": plan.declared_id, "phone": persona.phone,
                      "address": persona.address},
        "loan": {"amount": f"{plan.loan.amount:.2f}", "term_months": plan.loan.term_months,
                 "vehicle_price": f"{plan.loan.vehicle_price:.2f}", "vehicle_type": plan.loan.vehicle_type},
        "capture": {"officer_id": plan.officer.officer_id, "lat": round(plan.home[0], 6),
                    "lon": round(plan.home[1], 6), "captured_at": plan.captured_at.isoformat()},
    }


def _facts(plan: Plan) -> dict:
    """Numbers behind the expected decision (for people debugging a rule, not for the pipeline)."""
    on = plan.captured_at.date()
    salary_credits = [row for row in plan.statement.rows if row.counterparty and row.amount > 0
                      and row.description in ("代发工资", "工资")]
    return {
        "age_at_capture": plan.persona.age_on(on),
        "age_at_maturity": full_years(plan.persona.birth, add_months(on, plan.loan.term_months)),
        "gross_monthly_income": f"{plan.persona.gross_income:.2f}",
        "certified_monthly_income": f"{plan.certificate.monthly_income:.2f}",
        "salary_credits": [f"{row.amount:.2f}" for row in salary_credits],
        "monthly_payment": f"{plan.loan.payment:.2f}",
        "payment_to_certified_income": f"{plan.loan.payment / plan.certificate.monthly_income:.4f}",
        "loan_to_value": f"{plan.loan.ltv:.4f}",
        "statement_days": (plan.statement.period_end - plan.statement.period_start).days + 1,
        "statement_end_days_before_capture": (on - plan.statement.period_end).days,
        "certificate_days_before_capture": (on - plan.certificate.issue_date).days,
        "tier": plan.tier,
        "statement_format": plan.statement_format if plan.missing_slot != "bank_statement" else None,
    }


_OUR_FILES = ("application.json", "truth.json", "id_card_front.*", "id_card_back.*", "income_certificate.*",
              "bank_statement*.*")


def _clear(folder: Path) -> None:
    """Remove files an earlier run left in the folder (only the names this generator writes)."""
    for pattern in _OUR_FILES:
        for path in folder.glob(pattern):
            if path.is_file():
                path.unlink()


def generate_applications(out_dir: Path, count: int, seed: int = 7, *, tier: str | None = None,
                          defect_rate: float = 0.0, defects: Sequence[str] | None = None,
                          captured_at: datetime | None = None,
                          statement_layouts: Sequence[str] = ("classic",),
                          certificate_templates: Sequence[str] | None = None) -> list[SampleApplication]:
    """Write ``count`` application folders ``out_dir/app_000``... and return what was planted in each.

    ``tier`` clean | phone | hard for every application, None for a realistic mix; ``defects`` cycles
    through the given codes (entries may be ``"clean"`` or ``"a+b"``) over a ``defect_rate`` share of
    the batch (all of it when only ``defects`` is given); ``captured_at`` None = a seeded moment in 2026;
    ``statement_layouts`` the column layouts of ``statement_pdf.LAYOUTS`` the statements take in turn
    (``("all",)`` for every one); ``certificate_templates`` the certificate templates taken in turn (``("all",)``
    for every one; None: drawn from the usual three). The same arguments give byte-identical files.
    """
    if tier not in (None, "clean", "phone", "hard"):
        raise ValueError(f"tier must be clean, phone, hard or None, not {tier!r}")
    if captured_at is not None and captured_at.tzinfo is None:
        captured_at = captured_at.replace(tzinfo=CHINA)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    layouts = list(LAYOUTS.values()) if tuple(statement_layouts) == ("all",) else [
        LAYOUTS[name] for name in statement_layouts]
    templates: list[str | None] = [None]
    if certificate_templates is not None:
        templates = list(TEMPLATES + MORE_TEMPLATES) if tuple(certificate_templates) == ("all",) else [
            _known_template(name) for name in certificate_templates]
    officers = officers_of_batch(seed)
    written: list[Written] = []
    results = []
    for index, codes in enumerate(defect_schedule(count, defect_rate, defects)):
        plan = plan_application(index, seed, codes, tier=tier, captured_at=captured_at, officers=officers,
                                written=written)
        folder = out_dir / f"app_{index:03d}"
        folder.mkdir(exist_ok=True)
        _clear(folder)
        layout = layouts[index % len(layouts)]  # in turn, not drawn: a classic-only batch stays as it was
        template = templates[index % len(templates)]
        files = _documents(plan, layout, template)
        for document in files:
            (folder / document.name).write_bytes(document.data)
        declared = _declared(plan)
        decision = expected_decision(plan.defects).value
        (folder / "application.json").write_text(json.dumps(declared, ensure_ascii=False, indent=2) + "\n",
                                                 encoding="utf-8")
        truth = {"defects": plan.defects, "expected_decision": decision,
                 "documents": {document.name: document.truth() for document in files},
                 "details": plan.details, "facts": _facts(plan) | {"statement_layout": layout.name,
                                                                     "certificate_template": template}}
        (folder / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(Written(folder, plan, {document.name: document for document in files}))
        results.append(SampleApplication(folder, declared, list(plan.defects), decision))
    return results


