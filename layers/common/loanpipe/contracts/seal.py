"""The seal: the customer's handwritten signature and consent stamped on the contract, then the lender's PAdES
signature over all of it, made by a key that never leaves KMS.

``seal_contract`` writes two things after the unsigned contract, each as an incremental update, so the bytes
the customer was shown (and whose SHA-256 the consent record carries) stay the file's first revision:

1. the signature page stamp (``contracts.stamp``): the handwritten signature image on the borrower's
   signature line, the signing date beside it, and the consent record (signer, masked ID number, the
   contract's SHA-256, times, place, officer) in Chinese and English below the signature block;
2. the lender's signature (``contracts.pades``): PAdES (``/SubFilter /ETSI.CAdES.detached``), a certification
   signature that allows no later change except validation data, made through a pyHanko signer whose raw
   signing is ``identity.signer`` (KMS ``Sign``, ``MessageType=RAW``), with the certificate chain in the CMS
   object and the chain and revocation information (CRLs given, or fetched from the CA) in the document
   security store.

Levels: with ``identity.tsa_url`` the signature carries an RFC 3161 signature timestamp and the DSS: PAdES
B-LT. Without a TSA it is PAdES B-B plus the DSS, which is *not* B-LT (B-T and above need a trusted
timestamp): the validation data is there, but the signing time is only the lender's own claim, so once the
embedded CRLs are out of date the signature can no longer be checked at a proven time.

Before it returns, the sealed file is verified with the lender's own verifier against the chain's root
(``contracts.verify``): a chain that does not belong to the KMS key, or a missing revocation list, stops here
instead of producing contracts nobody can verify.

pyHanko is imported inside the functions (``pades``, ``stamp``, ``verify``), never at module level, so the
functions that import this module's types do not load it when they start.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from loanpipe.domain.errors import PlatformError, UserInputError


@dataclass(frozen=True)
class ConsentRecord:
    """What the customer agreed to and how the agreement was checked; printed on the signature page."""

    ceremony_id: str
    contract_number: str
    contract_sha256: str        # hex SHA-256 of the unsigned contract the customer was shown
    signer_name: str            # the applicant's name (printed on the page in full: it is the contract)
    signer_id_masked: str       # e.g. 110105********123X
    officer_id: str
    signed_at: datetime         # timezone-aware
    place: str                  # free text or "lat,lon"
    code_verified_at: datetime  # when the one-time code was accepted


class RawSigner(Protocol):
    """A signing key that signs a message (not a digest): KMS ``Sign`` with ``MessageType=RAW``."""

    algorithm: str              # a KMS SigningAlgorithm, e.g. "ECDSA_SHA_256"

    def sign(self, message: bytes) -> bytes:
        """The DER signature over ``message`` (hashed by the signer with the algorithm's digest)."""
        ...


@dataclass(frozen=True)
class SigningIdentity:
    """The lender's signing key and what a verifier needs to trust it."""

    signer: RawSigner
    chain_pem: bytes            # leaf certificate first, then intermediates, then the root
    tsa_url: str | None = None
    crls_der: tuple[bytes, ...] = ()   # revocation info to embed for B-LT where nothing can be fetched


class SealError(PlatformError):
    """The seal could not be made or would not verify (configuration: the chain, the key, the TSA). Retried,
    then the DLQ: a person has to fix the configuration."""


class ContractHashMismatch(UserInputError):
    """The consent record names a contract other than the one being sealed: what you sign is what you saw."""

    status = 409

    def __init__(self) -> None:
        super().__init__("contract_hash_mismatch",
                         "the consent record's contract SHA-256 is not the SHA-256 of the contract being sealed")


class BadSignatureImage(UserInputError):
    status = 422

    def __init__(self, why: str):
        super().__init__("bad_signature_image", f"the signature image cannot be used: {why}")


MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_IMAGE_SIDE = 4000


def check_signature_image(png: bytes) -> None:
    """A PNG of sensible size, or ``BadSignatureImage`` (the API can check an upload with it before sealing)."""
    from PIL import Image, UnidentifiedImageError

    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise BadSignatureImage("it is not a PNG file")
    if len(png) > MAX_IMAGE_BYTES:
        raise BadSignatureImage(f"it is larger than {MAX_IMAGE_BYTES // 1024} KiB")
    try:
        with Image.open(io.BytesIO(png)) as image:
            image.verify()
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise BadSignatureImage("the PNG file is damaged") from exc
    if not (0 < width <= MAX_IMAGE_SIDE and 0 < height <= MAX_IMAGE_SIDE):
        raise BadSignatureImage(f"it must be at most {MAX_IMAGE_SIDE} pixels on a side")


def seal_contract(contract_pdf: bytes, signature_png: bytes, consent: ConsentRecord,
                  identity: SigningIdentity) -> bytes:
    """The contract with the customer's signature and consent stamped on its signature page and sealed by the
    lender (PAdES; B-LT with a TSA, see the module docstring for the level without one).

    Raises ``ContractHashMismatch`` when ``consent.contract_sha256`` is not ``contract_pdf``'s SHA-256,
    ``BadSignatureImage`` (a user error) when ``signature_png`` is not a PNG image, ``SealError`` when the
    configuration cannot produce a verifiable seal.
    """
    if hashlib.sha256(contract_pdf).hexdigest() != consent.contract_sha256.lower():
        raise ContractHashMismatch()
    check_signature_image(signature_png)
    for moment in (consent.signed_at, consent.code_verified_at):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("consent times must be timezone-aware")
    from loanpipe.contracts.pades import sign_pdf
    from loanpipe.contracts.stamp import stamp_signature_page
    from loanpipe.contracts.verify import verify_contract

    stamped = stamp_signature_page(contract_pdf, signature_png, consent)
    sealed = sign_pdf(stamped, identity, reason=f"借款人签署 Borrower signed · {consent.ceremony_id}",
                      location=consent.place)
    report = verify_contract(sealed, [root_certificate_pem(identity.chain_pem)])
    if not report.ok:
        raise SealError("the sealed contract does not verify against the chain's own root: "
                        + " ".join(report.findings))
    return sealed


def root_certificate_pem(chain_pem: bytes) -> bytes:
    """The last certificate of a PEM chain (leaf first ... root last)."""
    marker = b"-----BEGIN CERTIFICATE-----"
    blocks = [marker + block for block in chain_pem.split(marker)[1:]]
    if not blocks:
        raise SealError("the signing chain holds no PEM certificate")
    return blocks[-1].strip() + b"\n"
