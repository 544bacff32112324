"""The signing ceremony at the door, through the API (the officer's tablet, the customer's hand).

1. The tablet shows the contract (``GET /applications/{id}/contract``: a presigned GET and its SHA-256).
2. The customer confirms; the tablet asks for a code (``POST .../signing/code`` with the SHA-256 it shows).
   A six-digit one-time code goes by SMS to the phone declared in the application, never to the officer.
3. The tablet uploads the handwritten signature with the code, the SHA-256 of the contract shown, who signs,
   when and where (``POST .../signing/signature``). The server refuses a wrong, expired or used code, a hash
   that is not the current contract's (what you sign is what you saw) and a signer other than the applicant;
   every refusal is audited, and the fifth wrong code locks the ceremony. Accepted, the signature and the
   consent are recorded and the contract stage seals the contract (``service.sealing``).

The same signature uploaded again (a tablet retrying over a bad connection) is answered as the first time,
and makes no second seal.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from loanpipe.domain.audit import AuditEntry
from loanpipe.domain.errors import Conflict, Forbidden, UserInputError
from loanpipe.domain.lifecycle import AppState
from loanpipe.domain.masking import mask_phone
from loanpipe.domain.records import ApplicationRecord, new_id, utcnow
from loanpipe.domain.signing import (
    MAX_CODES_SENT,
    MAX_WRONG_CODES,
    Consent,
    OneTimeCode,
    SigningCeremony,
    new_code,
)
from loanpipe.service.access import Caller, Role, require, require_owner
from loanpipe.service.messages import SealRequested
from loanpipe.service.ports import ApplicationRepository, BlobStore
from loanpipe.service.transitions import Change, apply_change

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_SIGNATURE_BYTES = 512 * 1024
SHA256_HEX = r"^[0-9a-f]{64}$"


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Send ``text`` to a mainland mobile number (11 digits)."""
        ...


@dataclass(frozen=True)
class SigningConfig:
    contracts_bucket: str
    contract_queue_url: str
    code_ttl_seconds: int = 300
    sender_name: str = "示范汽车金融"


class CodeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contract_sha256: str = Field(pattern=SHA256_HEX, description="SHA-256 of the contract the customer was shown")


class SignatureUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ceremony_id: str = Field(min_length=1, max_length=64)
    code: str = Field(pattern=r"^\d{6}$")
    contract_sha256: str = Field(pattern=SHA256_HEX)
    signer_id_number: str = Field(min_length=15, max_length=18, description="who signs: the applicant")
    signature_png: str = Field(min_length=8, description="the handwritten signature, PNG, base64")
    signed_at: AwareDatetime  # with its time zone offset
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)

    def image(self) -> bytes:
        """The PNG bytes; a clear refusal for anything that is not a small PNG of a plausible size."""
        try:
            data = base64.b64decode(self.signature_png, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise UserInputError("bad_signature_image", "signature_png is not base64") from exc
        if len(data) > MAX_SIGNATURE_BYTES:
            raise UserInputError("bad_signature_image", "the signature image is larger than 512 KB")
        if not data.startswith(PNG_MAGIC) or data[12:16] != b"IHDR" or len(data) < 33:
            raise UserInputError("bad_signature_image", "the signature image must be a PNG")
        width, height = struct.unpack(">II", data[16:24])
        if not (64 <= width <= 4096 and 32 <= height <= 4096):
            raise UserInputError("bad_signature_image", "the signature image must be 64-4096 by 32-4096 pixels")
        return data


class UnlockRequest(BaseModel):
    """The back office lifts a signing lock; ``note`` says why (after calling the customer)."""

    note: str = ""


def _awaiting(record: ApplicationRecord) -> None:
    if record.state != AppState.AWAITING_SIGNATURE or record.contract is None:
        raise Conflict("not_awaiting_signature", f"the application is {record.state}; there is nothing to sign")


def _ceremony_of(record: ApplicationRecord) -> SigningCeremony | None:
    """The ceremony of the current contract (one rendered in an earlier round does not count)."""
    ceremony = record.signing
    if ceremony is None or record.contract is None or ceremony.contract_sha256 != record.contract.sha256:
        return None
    return ceremony


def _refusal(caller: Caller, ceremony_id: str | None, error: UserInputError, **detail) -> Change:
    """Audit a refused attempt; the caller raises ``error`` once the audit is written."""
    return Change(audit=[AuditEntry(at=utcnow(), actor=caller.user, action="signing.refused",
                                    detail={"reason": error.code, "ceremony_id": ceremony_id, **detail})],
                  result=error)


# ------------------------------------------------------------------ the one-time code
def request_code(repo: ApplicationRepository, sms: SmsSender, config: SigningConfig, caller: Caller,
                 application_id: str, request: CodeRequest, now: datetime | None = None
                 ) -> tuple[dict, Change | None]:
    """Send a new code to the applicant's phone (a new code replaces the one before). The SMS goes out when
    the caller dispatches the returned change's outbox, after the code's digest is stored."""
    at = now or utcnow()
    code = new_code()

    def change_fn(record: ApplicationRecord) -> Change:
        require_owner(caller, record)
        _awaiting(record)
        assert record.contract is not None
        ceremony = _ceremony_of(record)
        if request.contract_sha256 != record.contract.sha256:
            return _refusal(caller, ceremony.ceremony_id if ceremony else None, Conflict(
                "stale_contract", "the contract shown is not the current contract: fetch it and show it again"))
        if ceremony is None:
            ceremony = SigningCeremony(ceremony_id=new_id("SG"), contract_sha256=record.contract.sha256)
            record.signing = ceremony
        if ceremony.locked:
            raise Conflict("signing_locked", "too many wrong codes: the back office must unlock the signing")
        if ceremony.codes_sent >= MAX_CODES_SENT:
            raise Conflict("too_many_codes", f"{MAX_CODES_SENT} codes were sent already for this contract")
        ceremony.codes_sent += 1
        ceremony.code = OneTimeCode.issue(code, at, at + timedelta(seconds=config.code_ttl_seconds))
        phone = record.declared.applicant.phone
        change: Change = Change(result={"ceremony_id": ceremony.ceremony_id, "sent_to": mask_phone(phone),
                                        "expires_at": ceremony.code.expires_at.isoformat()})
        change.audit.append(AuditEntry(at=at, actor=caller.user, action="signing.code_sent",
                                       detail={"ceremony_id": ceremony.ceremony_id, "sent_to": mask_phone(phone),
                                               "codes_sent": ceremony.codes_sent}))
        text = (f"【{config.sender_name}】您的借款合同签署验证码为{code}，{config.code_ttl_seconds // 60}分钟内有效。"
                f"合同摘要{record.contract.sha256[:8]}。请勿将验证码告诉他人，包括我司工作人员。")
        change.outbox.after.append(lambda: sms.send(phone, text))
        return change

    return _answer(apply_change(repo, application_id, change_fn).change)


def _answer(change: Change | None) -> tuple[dict, Change | None]:
    """The change's result for the tablet, or its refusal raised (after the refusal's audit was written)."""
    result = change.result if change is not None else None
    if isinstance(result, UserInputError):
        raise result
    assert isinstance(result, dict)
    return result, change


# ------------------------------------------------------------------ the signature
def _judge_code(ceremony: SigningCeremony, upload: SignatureUpload, at: datetime) -> UserInputError | None:
    code = ceremony.code
    if code is None:
        return Conflict("no_code", "ask for a code first")
    if code.used_at is not None:
        return UserInputError("code_used", "this code was used already: ask for a new one")
    if at > code.expires_at:
        return UserInputError("code_expired", "the code has expired: ask for a new one")
    if not code.matches(upload.code):
        ceremony.wrong_codes += 1
        left = MAX_WRONG_CODES - ceremony.wrong_codes
        if left <= 0:
            ceremony.locked_at = at
            return Conflict("signing_locked", "too many wrong codes: the signing is locked for the back office")
        return UserInputError("code_wrong", f"the code is wrong ({left} tries left)")
    return None


def _replayed(ceremony: SigningCeremony | None, upload: SignatureUpload, image_sha256: str) -> bool:
    """The same signature of the same ceremony, accepted before (a retried upload)."""
    return (ceremony is not None and ceremony.ceremony_id == upload.ceremony_id and ceremony.consent is not None
            and ceremony.consent.image_sha256 == image_sha256
            and ceremony.consent.contract_sha256 == upload.contract_sha256)


def signature_key(record: ApplicationRecord, ceremony_id: str, image_sha256: str) -> str:
    return f"signatures/{record.application_id}/round-{record.round}/{ceremony_id}-{image_sha256[:16]}.png"


def capture_signature(repo: ApplicationRepository, blobs: BlobStore, config: SigningConfig, caller: Caller,
                      application_id: str, upload: SignatureUpload, now: datetime | None = None
                      ) -> tuple[dict, Change | None]:
    """Check the code, the contract shown and the signer; record the signature and the consent; ask the
    contract stage to seal (the returned change's outbox). Returns what the tablet shows, and the change."""
    at = now or utcnow()
    image = upload.image()
    image_sha256 = hashlib.sha256(image).hexdigest()
    read = repo.get(application_id)
    key = signature_key(read, upload.ceremony_id, image_sha256)

    def change_fn(record: ApplicationRecord) -> Change:
        require_owner(caller, record)
        ceremony = _ceremony_of(record)
        if _replayed(ceremony, upload, image_sha256):
            return _accepted(record, config, resend=record.state == AppState.AWAITING_SIGNATURE)
        _awaiting(record)
        assert record.contract is not None
        if ceremony is None or ceremony.ceremony_id != upload.ceremony_id:
            raise Conflict("no_code", "no code was sent for this signing: ask for a code first")
        if ceremony.locked:
            raise Conflict("signing_locked", "too many wrong codes: the back office must unlock the signing")
        if upload.contract_sha256 != record.contract.sha256:
            return _refusal(caller, ceremony.ceremony_id, Conflict(
                "stale_contract", "the signature is over another contract than the current one: show it again"))
        if upload.signer_id_number.strip().upper() != record.declared.applicant.id_number:
            return _refusal(caller, ceremony.ceremony_id,
                            Forbidden("only the applicant may sign this contract"), reason_detail="signer")
        refused = _judge_code(ceremony, upload, at)
        if refused is not None:
            return _refusal(caller, ceremony.ceremony_id, refused, wrong_codes=ceremony.wrong_codes)
        assert ceremony.code is not None
        ceremony.code.used_at = at
        ceremony.consent = Consent(contract_sha256=upload.contract_sha256, signed_at=upload.signed_at,
                                   lat=upload.lat, lon=upload.lon, officer_id=caller.user, image_key=key,
                                   image_sha256=image_sha256, code_verified_at=at)
        change = _accepted(record, config, resend=True)
        change.audit.append(AuditEntry(at=at, actor=caller.user, action="signing.signature_captured",
                                       detail={"ceremony_id": ceremony.ceremony_id, "image_sha256": image_sha256,
                                               "contract_sha256": upload.contract_sha256}))
        return change

    # The image is stored before the write that names it, and only when this upload would be captured: a dry
    # run of the same judgement on a copy of the record as read (a refused or a retried upload stores nothing).
    if _captures(change_fn, read):
        blobs.put(config.contracts_bucket, key, image, "image/png")
    return _answer(apply_change(repo, application_id, change_fn).change)


def _captures(change_fn: Callable[[ApplicationRecord], Change], record: ApplicationRecord) -> bool:
    try:
        change = change_fn(record.model_copy(deep=True))
    except UserInputError:
        return False
    return any(entry.action == "signing.signature_captured" for entry in change.audit)


def _accepted(record: ApplicationRecord, config: SigningConfig, *, resend: bool) -> Change:
    ceremony = record.signing
    assert ceremony is not None
    change: Change = Change(result={"ceremony_id": ceremony.ceremony_id, "state": record.state.value,
                                    "status": "signed" if ceremony.signed else "sealing"})
    if resend:
        message = SealRequested(application_id=record.application_id, round=record.round,
                                ceremony_id=ceremony.ceremony_id)
        change.outbox.messages.append((config.contract_queue_url, message.model_dump_json()))
    return change


def unlock_signing(repo: ApplicationRepository, caller: Caller, application_id: str, note: str) -> dict:
    """The back office lifts a lock (after calling the customer): the wrong codes are forgotten, a new code
    must be asked for."""
    require(caller, Role.REVIEWER, Role.ADMIN)
    if not note.strip():
        raise UserInputError("note_required", "say why the signing is unlocked")

    def change_fn(record: ApplicationRecord) -> Change:
        ceremony = _ceremony_of(record)
        if ceremony is None or not ceremony.locked:
            raise Conflict("not_locked", "the signing of this application is not locked")
        ceremony.locked_at, ceremony.wrong_codes, ceremony.code = None, 0, None
        return Change(audit=[AuditEntry(at=utcnow(), actor=caller.user, action="signing.unlocked",
                                        detail={"ceremony_id": ceremony.ceremony_id, "note": note.strip()[:200]})],
                      result={"ceremony_id": ceremony.ceremony_id, "locked": False})

    return _answer(apply_change(repo, application_id, change_fn).change)[0]
