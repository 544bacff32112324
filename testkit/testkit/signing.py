"""Inputs of the contract seal for tests and the demo: a contract rendered by ``loanpipe.contracts.render``, a
signature drawn as a customer draws it on the tablet (a transparent PNG of pen strokes), and the consent
record of a signing ceremony over that contract."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from PIL import Image, ImageDraw

from loanpipe.contracts.render import ContractTerms, render_contract
from loanpipe.contracts.seal import ConsentRecord
from loanpipe.decision.loans import apr, schedule
from loanpipe.domain.application import read_declared

CHINA = timezone(timedelta(hours=8))
BORROWER = "欧阳娜娜"
LENDER = "示范汽车金融有限公司"
CONTRACT_NUMBER = "LP20261120-0000000042-1"


def sample_contract(months: int = 36, borrower: str = BORROWER) -> bytes:
    """A contract for a 120,000 yuan loan over ``months`` (36: the signature block and the consent record fit
    on the last page; 48: the block ends at the foot of a page)."""
    declared = read_declared(json.dumps({
        "applicant": {"name": borrower, "id_number": "110105198803120014", "phone": "13800138000",
                      "address": "北京市朝阳区建国路88号"},
        "loan": {"amount": "120000.00", "term_months": months, "vehicle_price": "180000.00", "vehicle_type": "new"},
        "capture": {"officer_id": "FO-0012", "lat": 39.91, "lon": 116.46,
                    "captured_at": "2026-11-20T10:31:00+08:00"},
    }))
    plan = schedule(Decimal("120000.00"), Decimal("0.0588"), months)
    terms = ContractTerms(contract_number=CONTRACT_NUMBER, lender=LENDER, contract_date=date(2026, 11, 20),
                          schedule=plan, apr=apr(plan.principal, [row.payment for row in plan.rows]),
                          approved_by="R-0007")
    return render_contract(declared, terms)


def drawn_signature(strokes: int = 5) -> bytes:
    """A transparent PNG with a pen line of ``strokes`` zig-zags, dark blue."""
    image = Image.new("RGBA", (480, 160), (255, 255, 255, 0))
    step = 440 // strokes
    points = [(20 + i * step, 130 if i % 2 == 0 else 35) for i in range(strokes + 1)]
    ImageDraw.Draw(image).line(points, fill=(10, 20, 90, 255), width=7, joint="curve")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def consent_for(contract_pdf: bytes, signer_name: str = BORROWER, *, officer_id: str = "FO-0012",
                contract_number: str = CONTRACT_NUMBER) -> ConsentRecord:
    """The consent record of a ceremony in which ``signer_name`` was shown exactly ``contract_pdf``."""
    return ConsentRecord(ceremony_id="cer-20261120-7f3a", contract_number=contract_number,
                         contract_sha256=hashlib.sha256(contract_pdf).hexdigest(), signer_name=signer_name,
                         signer_id_masked="110105********0014", officer_id=officer_id,
                         signed_at=datetime(2026, 11, 20, 10, 42, 5, tzinfo=CHINA), place="39.91,116.46",
                         code_verified_at=datetime(2026, 11, 20, 10, 41, 38, tzinfo=CHINA))
