"""The signing ceremony at the door, through the service the API calls: one-time code by SMS to the applicant,
signature with the contract's hash, refusals audited, the seal, SIGNED, one announcement."""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from datetime import UTC, datetime, timedelta

import pytest

from backbone.chain import CONTRACT_Q, CONTRACTS, Chain
from loanpipe.domain.application import PayoutAccount
from loanpipe.domain.errors import Conflict, Forbidden, UserInputError
from loanpipe.domain.lifecycle import AppState
from loanpipe.service.access import Caller, Role
from loanpipe.service.dispatch import dispatch
from loanpipe.service.messages import SealRequested, parse_stage_message
from loanpipe.service.sealing import handle_seal
from loanpipe.service.signing import (
    CodeRequest,
    SignatureUpload,
    SigningConfig,
    capture_signature,
    request_code,
    unlock_signing,
)
from testkit.fakes import InMemorySmsSender
from testkit.scenarios import build_scenario

CONFIG = SigningConfig(contracts_bucket=CONTRACTS, contract_queue_url=CONTRACT_Q)
REVIEWER = Caller("r1", frozenset({Role.REVIEWER}))


def png(width: int = 300, height: int = 100, ink: int = 0) -> bytes:
    """A small grey-scale PNG (a drawn signature's shape is irrelevant to the ceremony)."""
    rows = b"".join(b"\x00" + bytes([255 if (x + ink) % 7 else 0 for x in range(width)]) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


class Door:
    """An approved application waiting for signature, the officer's tablet and the customer's phone."""

    def __init__(self, seed: int = 11, **declared_changes) -> None:
        scenario = build_scenario("clean", seed)
        case = scenario.case
        if declared_changes:
            case = case.model_copy(update={"declared": case.declared.model_copy(update=declared_changes)})
        self.chain = Chain(scenario.ports)
        self.app_id = self.chain.validating(case)
        self.chain.drain()
        self.record = self.chain.ports.repo.get(self.app_id)
        assert self.record.state == AppState.AWAITING_SIGNATURE
        self.officer = Caller(self.record.officer_id, frozenset({Role.FIELD_OFFICER}))
        self.sms = InMemorySmsSender()
        self.phone = self.record.declared.applicant.phone

    @property
    def shown(self) -> str:
        return self.chain.ports.repo.get(self.app_id).contract.sha256

    def ask_code(self, sha256: str | None = None, now: datetime | None = None) -> dict:
        answer, change = request_code(self.chain.ports.repo, self.sms, CONFIG, self.officer, self.app_id,
                                      CodeRequest(contract_sha256=sha256 or self.shown), now=now)
        self._send(change)
        return answer

    def _send(self, change) -> None:
        """What the API does with a change: its outbox goes out (the SMS, the seal request)."""
        if change is not None:
            dispatch(change.outbox, self.chain.ports.queue, self.chain.ports.events)

    def upload(self, ceremony_id: str, code: str | None = None, *, sha256: str | None = None,
               signer: str | None = None, image: bytes | None = None, now: datetime | None = None) -> dict:
        upload = SignatureUpload(
            ceremony_id=ceremony_id, code=code or self.sms.last_code(self.phone), contract_sha256=sha256 or self.shown,
            signer_id_number=signer or self.record.declared.applicant.id_number,
            signature_png=base64.b64encode(image or png()).decode(), signed_at=datetime.now(UTC),
            lat=31.2304, lon=121.4737)
        answer, change = capture_signature(self.chain.ports.repo, self.chain.ports.blobs, CONFIG, self.officer,
                                           self.app_id, upload, now=now)
        self._send(change)
        return answer

    def audit(self, action: str) -> list[dict]:
        return [entry.detail for entry in self.chain.ports.repo.audit_trail(self.app_id) if entry.action == action]

    def published(self, detail_type: str) -> list[dict]:
        return [detail for kind, detail in self.chain.ports.events.published if kind == detail_type]


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_the_customer_signs_what_they_saw_and_the_contract_is_sealed_and_announced_once():
    door = Door()
    sent = door.ask_code()
    # The code goes to the applicant's own phone; the officer's tablet only learns where, masked
    assert door.sms.sent[0][0] == door.phone and sent["sent_to"] == door.phone[:3] + "****" + door.phone[-4:]
    assert door.sms.last_code(door.phone) not in str(sent)
    accepted = door.upload(sent["ceremony_id"])
    assert accepted["status"] == "sealing"
    door.chain.drain()
    record = door.chain.ports.repo.get(door.app_id)
    assert record.state == AppState.SIGNED
    sealed_contract, sealed_image, consent = door.chain.sealer.sealed[0]
    assert hashlib.sha256(sealed_contract).hexdigest() == consent.contract_sha256 == record.contract.sha256
    assert sealed_image == png() and consent.officer_id == door.officer.user and "*" in consent.signer_id_masked
    stored = door.chain.ports.blobs.get(CONTRACTS, record.signing.signed.key)
    assert hashlib.sha256(stored).hexdigest() == record.signing.signed.sha256
    [signed] = door.published("LoanContractSigned")
    [instruction] = door.published("DisbursementInstructed")
    assert signed["signed_sha256"] == instruction["signed_sha256"] == record.signing.signed.sha256
    assert instruction["amount"] == f"{record.declared.loan.amount:.2f}" and instruction["currency"] == "CNY"
    assert instruction["instruction_id"] == instruction["contract_number"] == record.contract.number
    assert [entry.to_state for entry in door.chain.ports.repo.audit_trail(door.app_id)
            if entry.action == "contract.signed"] == [AppState.SIGNED]


def test_the_same_signature_uploaded_twice_makes_one_signed_contract_and_one_disbursement():
    door = Door()
    ceremony = door.ask_code()["ceremony_id"]
    code = door.sms.last_code(door.phone)
    door.upload(ceremony, code)
    again = door.upload(ceremony, code)  # the tablet retries: the same code and the same image
    assert again["ceremony_id"] == ceremony
    door.chain.drain()  # both uploads asked for a seal
    message = SealRequested(application_id=door.app_id, round=door.record.round, ceremony_id=ceremony)
    assert [handle_seal(message, door.chain.seal) for _ in range(2)] == ["duplicate", "duplicate"]  # re-delivered
    assert door.upload(ceremony, code)["status"] == "signed"  # and the tablet retries once more, after the seal
    door.chain.drain()
    assert len(door.chain.sealer.sealed) == 1
    assert len(door.published("DisbursementInstructed")) == 1 and len(door.published("LoanContractSigned")) == 1


def test_a_seal_that_stopped_before_announcing_is_announced_by_the_next_delivery():
    door = Door()
    ceremony = door.ask_code()["ceremony_id"]
    door.upload(ceremony)
    [(_, body)] = [(url, body) for url, body in door.chain.ports.queue.sent if url == CONTRACT_Q]
    door.chain.ports.queue.sent.clear()
    message = parse_stage_message(body)
    events = door.chain.ports.events
    publish, events.publish = events.publish, lambda event: (_ for _ in ()).throw(ConnectionError("bus down"))
    with pytest.raises(ConnectionError):
        handle_seal(message, door.chain.seal)  # SIGNED was written; the bus failed before the events went out
    assert door.chain.ports.repo.get(door.app_id).state == AppState.SIGNED and not door.published("LoanContractSigned")
    events.publish = publish
    assert handle_seal(message, door.chain.seal) == "announced"
    assert handle_seal(message, door.chain.seal) == "duplicate"
    assert len(door.published("DisbursementInstructed")) == 1 and len(door.chain.sealer.sealed) == 1


def test_a_signature_over_a_stale_contract_hash_is_refused_and_audited():
    door = Door()
    ceremony = door.ask_code()["ceremony_id"]
    with pytest.raises(Conflict) as refused:
        door.upload(ceremony, sha256="0" * 64)
    assert refused.value.code == "stale_contract"
    assert door.audit("signing.refused")[-1]["reason"] == "stale_contract"
    with pytest.raises(Conflict):
        door.ask_code(sha256="1" * 64)  # nor is a code sent for a contract that is not the current one
    assert len(door.sms.sent) == 1 and door.chain.ports.repo.get(door.app_id).state == AppState.AWAITING_SIGNATURE


@pytest.mark.parametrize("how", ["wrong", "expired", "used"])
def test_a_wrong_expired_or_reused_code_is_refused_and_audited(how):
    door = Door()
    ceremony = door.ask_code()["ceremony_id"]
    code = door.sms.last_code(door.phone)
    attempt: dict = {"code": code}
    if how == "wrong":
        attempt["code"] = wrong(code)
    elif how == "expired":
        attempt["now"] = datetime.now(UTC) + timedelta(minutes=6)
    else:  # the code signed once; someone tries it again with another signature
        door.upload(ceremony, code)
        attempt["image"] = png(ink=3)
    with pytest.raises(UserInputError) as refused:
        door.upload(ceremony, **attempt)
    assert refused.value.code == f"code_{how}"
    assert door.audit("signing.refused")[-1]["reason"] == f"code_{how}"
    door.chain.drain()
    assert len(door.chain.sealer.sealed) == (1 if how == "used" else 0)  # only the first, accepted signature


def test_five_wrong_codes_lock_the_ceremony_until_the_back_office_unlocks_it():
    door = Door()
    ceremony = door.ask_code()["ceremony_id"]
    code = door.sms.last_code(door.phone)
    codes = []
    for _ in range(5):
        with pytest.raises(UserInputError) as refused:
            door.upload(ceremony, wrong(code))
        codes.append(refused.value.code)
    assert codes == ["code_wrong"] * 4 + ["signing_locked"]
    with pytest.raises(Conflict, match="must unlock"):
        door.upload(ceremony, code)  # even the right code, now
    with pytest.raises(Conflict, match="must unlock"):
        door.ask_code()
    with pytest.raises(Forbidden):
        unlock_signing(door.chain.ports.repo, door.officer, door.app_id, "the customer mistyped")
    unlock_signing(door.chain.ports.repo, REVIEWER, door.app_id, "called the customer: she mistyped")
    ceremony = door.ask_code()["ceremony_id"]
    door.upload(ceremony)
    door.chain.drain()
    assert door.chain.ports.repo.get(door.app_id).state == AppState.SIGNED
    assert [detail["note"] for detail in door.audit("signing.unlocked")] == ["called the customer: she mistyped"]


def test_only_the_applicant_signs_and_only_their_officer_runs_the_ceremony():
    door = Door()
    ceremony = door.ask_code()["ceremony_id"]
    with pytest.raises(Forbidden):
        door.upload(ceremony, signer="110101199003070011")  # someone else's ID number
    assert door.audit("signing.refused")[-1]["reason"] == "forbidden"
    other = Caller("FO-OTHER", frozenset({Role.FIELD_OFFICER}))
    with pytest.raises(Forbidden):
        request_code(door.chain.ports.repo, door.sms, CONFIG, other, door.app_id,
                     CodeRequest(contract_sha256=door.shown))


def test_a_signature_image_that_is_no_png_is_refused_before_anything_is_stored():
    door = Door()
    ceremony = door.ask_code()["ceremony_id"]
    for image, message in ((b"GIF89a" + b"\0" * 40, "must be a PNG"), (png(20, 10), "pixels")):
        with pytest.raises(UserInputError, match=message) as refused:
            door.upload(ceremony, image=image)
        assert refused.value.code == "bad_signature_image"
    assert not [key for bucket, key in door.chain.ports.blobs.objects if key.startswith("signatures/")]


def test_the_loan_is_paid_to_the_declared_dealer_account_else_to_the_applicants_statement_account():
    dealer = PayoutAccount(payee="dealer", account_name="上海示范汽车销售有限公司", account_number="31001234567890123",
                           bank_name="中国建设银行")
    for door, expected in ((Door(payout=dealer), ("dealer", "31001234567890123", "application")),
                           (Door(seed=12), ("customer", None, "bank_statement"))):
        door.upload(door.ask_code()["ceremony_id"])
        door.chain.drain()
        [instruction] = door.published("DisbursementInstructed")
        payee = instruction["payee"]
        assert (payee["payee"], payee["source"]) == (expected[0], expected[2])
        if expected[1]:
            assert payee["account_number"] == expected[1]
        else:
            statement = next(doc for doc in door.record.documents.values() if doc.slot.value == "bank_statement")
            assert payee["account_number"] == statement.fields["account_number"].value
