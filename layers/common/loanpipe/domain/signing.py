"""The signing ceremony as the application item stores it: the one-time code, the captured signature with the
customer's consent, and the sealed contract.

The code itself is never stored: only an HMAC of it under a random salt, so nobody reading the table (or a
backup of it) can sign in the customer's place. Wrong codes are counted; the ceremony locks at the limit.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import datetime

from pydantic import BaseModel

CODE_DIGITS = 6
MAX_WRONG_CODES = 5  # the fifth wrong code locks the ceremony
MAX_CODES_SENT = 5  # codes sent to the customer's phone for one contract


def new_code() -> str:
    """A uniformly random six-digit code (``secrets``: a CSPRNG)."""
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(code: str, salt: str) -> str:
    return hmac.new(bytes.fromhex(salt), code.encode("ascii"), hashlib.sha256).hexdigest()


class OneTimeCode(BaseModel):
    salt: str
    digest: str
    sent_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    @classmethod
    def issue(cls, code: str, sent_at: datetime, expires_at: datetime) -> OneTimeCode:
        salt = os.urandom(16).hex()
        return cls(salt=salt, digest=code_digest(code, salt), sent_at=sent_at, expires_at=expires_at)

    def matches(self, code: str) -> bool:
        return hmac.compare_digest(self.digest, code_digest(code, self.salt))


class Consent(BaseModel):
    """What the customer confirmed on the officer's tablet, as the tablet reported it."""

    contract_sha256: str  # the contract shown
    signed_at: datetime
    lat: float
    lon: float
    officer_id: str
    image_key: str  # the handwritten signature (PNG) in the contracts bucket
    image_sha256: str
    code_verified_at: datetime


class SignedContract(BaseModel):
    key: str
    sha256: str
    sealed_at: datetime
    announced_at: datetime | None = None  # when LoanContractSigned and the disbursement instruction were sent


class SigningCeremony(BaseModel):
    ceremony_id: str
    contract_sha256: str  # the contract this ceremony signs (a new contract starts a new ceremony)
    codes_sent: int = 0
    code: OneTimeCode | None = None
    wrong_codes: int = 0
    locked_at: datetime | None = None
    consent: Consent | None = None
    signed: SignedContract | None = None

    @property
    def locked(self) -> bool:
        return self.locked_at is not None

