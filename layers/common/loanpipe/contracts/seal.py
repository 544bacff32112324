"""Placeholder until the seal lands (branch ``seal``): the consent record the seal stamps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ConsentRecord:
    ceremony_id: str
    contract_number: str
    contract_sha256: str
    signer_name: str
    signer_id_masked: str
    officer_id: str
    signed_at: datetime
    place: str
    code_verified_at: datetime
