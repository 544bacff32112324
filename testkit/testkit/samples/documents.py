"""The extraction benchmark set: single documents over the four types and the tiers, with ground truth.

Document ``i`` has type ``(id_card_front, id_card_back, income_certificate, bank_statement)[i % 4]`` and
tier ``tiers[(i // 4) % len(tiers)]``, so any multiple of 4 x len(tiers) is exactly balanced. Statements
rotate through their formats per tier: clean -> text PDF, scanned image PDF, scanned page 1 (JPEG);
phone/hard -> photo of page 1, image PDF of photographed pages. ``manifest.json`` lists every file.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from loanpipe.domain.documents import DocType
from loanpipe.domain.money import fen
from testkit.samples.certificate import AMOUNT_STYLES, TEMPLATES, CertificateContent, render_certificate
from testkit.samples.files import (
    Capture,
    DocumentFile,
    back_fields,
    certificate_fields,
    front_fields,
    image_document,
    statement_documents,
)
from testkit.samples.id_card import CardBack, CardFront, address_fits, render_back, render_front
from testkit.samples.persona import make_persona
from testkit.samples.photo import CAMERAS, CameraTags
from testkit.samples.plan import capture_moment
from testkit.samples.statement import build_statement

DOC_TYPES = (DocType.ID_CARD_FRONT, DocType.ID_CARD_BACK, DocType.INCOME_CERTIFICATE, DocType.BANK_STATEMENT)
STATEMENT_FORMATS = {"clean": ("pdf_text", "pdf_image", "scan"), "phone": ("photo", "pdf_image"),
                     "hard": ("photo", "pdf_image")}


@dataclass
class SampleDocument:
    path: Path
    doc_type: str
    tier: str
    format: str  # jpg | png | pdf_text | pdf_image
    fields: dict[str, str]
    transactions: list[dict] = field(default_factory=list)


def _document(index: int, seed: int, doc_type: DocType, tier: str, statement_format: str) -> DocumentFile:
    rng = random.Random(f"{seed}:document:{index}")
    moment = capture_moment(rng)
    on = moment.date()
    for _ in range(20):
        persona = make_persona(rng, on)
        if address_fits(persona.address):
            break
    camera = None
    if tier != "clean":
        make, model = rng.choice(CAMERAS)
        lat = persona.district.lat + rng.uniform(-0.03, 0.03)
        lon = persona.district.lon + rng.uniform(-0.03, 0.03)

        def camera(orientation: int) -> CameraTags:
            return CameraTags(make, model, moment, lat, lon, orientation)

    capture = Capture(tier, camera)
    stem = f"{index:04d}_{doc_type.value}_{tier}"
    if doc_type is DocType.ID_CARD_FRONT:
        card = CardFront(persona.name, persona.sex, persona.ethnicity, persona.birth, persona.address,
                         persona.id_number)
        return image_document(rng, stem, doc_type, render_front(rng, card), front_fields(card), capture)
    if doc_type is DocType.ID_CARD_BACK:
        card = CardBack(persona.district.issuing_authority, persona.card_issued, persona.card_valid_until)
        return image_document(rng, stem, doc_type, render_back(rng, card), back_fields(card), capture)
    if doc_type is DocType.INCOME_CERTIFICATE:
        content = CertificateContent(persona.name, persona.sex, persona.id_number, persona.employer,
                                     persona.position, persona.gross_income, persona.employment_start,
                                     on - timedelta(days=rng.randint(5, 50)))
        page = render_certificate(rng, content, template=TEMPLATES[index // 4 % len(TEMPLATES)],
                                  amount_style=AMOUNT_STYLES[index // 12 % len(AMOUNT_STYLES)],
                                  seal_over_body=tier == "hard")
        return image_document(rng, stem, doc_type, page, certificate_fields(content), capture)
    end = on - timedelta(days=rng.randint(1, 20))
    net = [fen(persona.gross_income * (1 - Decimal(str(round(rng.uniform(0.11, 0.24), 3))))) for _ in range(9)]
    statement = build_statement(rng, holder=persona.name, period_start=end - timedelta(days=rng.randint(182, 200)),
                                period_end=end, salary_payer=persona.employer,
                                net_salary=lambda month: net[min(month, len(net) - 1)])
    if statement_format in ("photo", "scan"):
        files = statement_documents(rng, stem, statement, printed_on=end, statement_format="photos",
                                    capture=capture, pages_to_photograph=1)
    else:
        files = statement_documents(rng, stem, statement, printed_on=end, statement_format=statement_format,
                                    capture=capture)
    return files[0]


def generate_documents(out_dir: Path, count: int, seed: int = 11, *,
                       tiers: Sequence[str] = ("clean", "phone", "hard")) -> list[SampleDocument]:
    """Write ``count`` documents and ``manifest.json`` to ``out_dir``; the same seed gives the same bytes."""
    unknown = [tier for tier in tiers if tier not in ("clean", "phone", "hard")]
    if unknown or not tiers:
        raise ValueError(f"tiers are clean, phone and hard, not {unknown or 'nothing'}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    statements_per_tier: dict[str, int] = {}
    samples, manifest = [], []
    for index in range(count):
        doc_type = DOC_TYPES[index % len(DOC_TYPES)]
        tier = tiers[index // len(DOC_TYPES) % len(tiers)]
        statement_format = ""
        if doc_type is DocType.BANK_STATEMENT:
            seen = statements_per_tier.get(tier, 0)
            statement_format = STATEMENT_FORMATS[tier][seen % len(STATEMENT_FORMATS[tier])]
            statements_per_tier[tier] = seen + 1
        document = _document(index, seed, doc_type, tier, statement_format)
        path = out_dir / document.name
        path.write_bytes(document.data)
        manifest.append({"file": document.name, **document.truth()})
        samples.append(SampleDocument(path, document.doc_type, document.tier, document.format, document.fields,
                                      document.transactions))
    (out_dir / "manifest.json").write_text(
        json.dumps({"seed": seed, "count": count, "tiers": list(tiers), "documents": manifest},
                   ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return samples
