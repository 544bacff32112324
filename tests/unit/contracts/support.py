"""What the contract tests build: a contract rendered by ``contracts.render``, a drawn signature, the consent
record of a ceremony, moto's KMS key with the development CA's chain in a secret."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import boto3
from PIL import Image, ImageDraw

from loanpipe.adapters.signing import load_signing_identity
from loanpipe.contracts.render import ContractTerms, render_contract
from loanpipe.contracts.seal import ConsentRecord, SigningIdentity
from loanpipe.decision.loans import apr, schedule
from loanpipe.domain.application import read_declared
from loanpipe_infra.localcloud.devca import DevCertificateAuthority, install_dev_ca

CHINA = timezone(timedelta(hours=8))
BORROWER = "欧阳娜娜"
LENDER = "示范汽车金融有限公司"
REGION = "eu-west-1"


def contract(months: int = 36) -> bytes:
    declared = read_declared(json.dumps({
        "applicant": {"name": BORROWER, "id_number": "110105198803120014", "phone": "13800138000",
                      "address": "北京市朝阳区建国路88号"},
        "loan": {"amount": "120000.00", "term_months": months, "vehicle_price": "180000.00", "vehicle_type": "new"},
        "capture": {"officer_id": "FO-0012", "lat": 39.91, "lon": 116.46,
                    "captured_at": "2026-11-20T10:31:00+08:00"},
    }))
    plan = schedule(Decimal("120000.00"), Decimal("0.0588"), months)
    terms = ContractTerms(contract_number="LP20261120-0000000042-1", lender=LENDER, contract_date=date(2026, 11, 20),
                          schedule=plan, apr=apr(plan.principal, [row.payment for row in plan.rows]),
                          approved_by="R-0007")
    return render_contract(declared, terms)


def drawn_signature() -> bytes:
    image = Image.new("RGBA", (480, 160), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(12, 130), (90, 30), (160, 120), (260, 40), (330, 110), (460, 50)],
                               fill=(10, 20, 90, 255), width=7)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def consent_for(pdf: bytes) -> ConsentRecord:
    return ConsentRecord(ceremony_id="cer-20261120-7f3a", contract_number="LP20261120-0000000042-1",
                         contract_sha256=hashlib.sha256(pdf).hexdigest(), signer_name=BORROWER,
                         signer_id_masked="110105********0014", officer_id="FO-0012",
                         signed_at=datetime(2026, 11, 20, 10, 42, 5, tzinfo=CHINA), place="39.91,116.46",
                         code_verified_at=datetime(2026, 11, 20, 10, 41, 38, tzinfo=CHINA))


@dataclass(frozen=True)
class Sealed:
    contract: bytes
    consent: ConsentRecord
    pdf: bytes
    authority: DevCertificateAuthority

    @property
    def root_pem(self) -> bytes:
        return self.authority.root_pem


class LocalKms:
    """moto's KMS with the contract key and the chain secret, filled by the development CA."""

    def __init__(self) -> None:
        self.kms = boto3.client("kms", region_name=REGION)
        self.secrets = boto3.client("secretsmanager", region_name=REGION)
        self.key_id = self.kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        self.secret_id = self.secrets.create_secret(
            Name="contract-signing-chain", SecretString='{"chain_pem": "", "crls_der_b64": []}')["ARN"]
        self.authority = install_dev_ca(self.kms, self.secrets, self.key_id, self.secret_id, LENDER)

    def identity(self) -> SigningIdentity:
        return load_signing_identity(self.secrets, self.kms, self.secret_id, self.key_id, None)


