"""The lender's PAdES signature through pyHanko, with the raw signing delegated to a ``RawSigner`` (KMS).

pyHanko builds the CMS signed attributes (content type, message digest of the PDF's byte ranges, signing
certificate v2) and asks its ``Signer`` for a raw signature over their DER
encoding; ``RawSignerBridge`` passes exactly those bytes to KMS ``Sign`` with ``MessageType=RAW``, so KMS
hashes them once, as CMS requires. (A ``DIGEST`` message would need the digest computed here; moto 5.2.5
hashes such a digest a second time, so RAW is also the one form that behaves alike locally and on AWS. The
signed attributes are a few hundred bytes, far below KMS's 4096-byte limit for RAW messages.)

This module imports pyHanko at module level: import it only inside the functions that seal
(``contracts.seal``), never where a function starts.
"""

from __future__ import annotations

import io
from typing import Any

from asn1crypto import pem, x509
from asn1crypto.algos import SignedDigestAlgorithm
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy, RevocationCheckingRule
from pyhanko_certvalidator.registry import SimpleCertificateStore

from loanpipe.contracts.seal import SealError, SigningIdentity

FIELD_NAME = "LenderSeal"

# KMS SigningAlgorithm -> (pyHanko signature mechanism, CMS digest algorithm)
MECHANISMS = {
    "ECDSA_SHA_256": ("sha256_ecdsa", "sha256"),
    "ECDSA_SHA_384": ("sha384_ecdsa", "sha384"),
    "ECDSA_SHA_512": ("sha512_ecdsa", "sha512"),
    "RSASSA_PKCS1_V1_5_SHA_256": ("sha256_rsa", "sha256"),
    "RSASSA_PKCS1_V1_5_SHA_384": ("sha384_rsa", "sha384"),
    "RSASSA_PKCS1_V1_5_SHA_512": ("sha512_rsa", "sha512"),
}

# Every certificate below the trust anchor must have revocation information, or the seal is refused.
REQUIRE_REVINFO = CertRevTrustPolicy(RevocationCheckingPolicy(
    ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
    intermediate_ca_cert_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
))


def load_chain(chain_pem: bytes) -> list[x509.Certificate]:
    """The certificates of a PEM chain, in order (leaf first)."""
    try:
        chain = [x509.Certificate.load(der) for _, _, der in pem.unarmor(chain_pem, multiple=True)]
    except (ValueError, TypeError) as exc:
        raise SealError(f"the signing chain is not PEM certificates: {exc}") from exc
    if not chain:
        raise SealError("the signing chain holds no certificate")
    return chain


class RawSignerBridge(signers.Signer):
    """A pyHanko signer whose raw signature comes from a ``RawSigner`` (the KMS key)."""

    def __init__(self, identity: SigningIdentity, chain: list[x509.Certificate]):
        try:
            mechanism, self.digest_algorithm = MECHANISMS[identity.signer.algorithm]
        except KeyError:
            raise SealError(f"signing algorithm {identity.signer.algorithm} is not supported "
                            f"(supported: {', '.join(MECHANISMS)})") from None
        self._raw = identity.signer
        super().__init__(signing_cert=chain[0], cert_registry=SimpleCertificateStore.from_certs(chain[1:]),
                         signature_mechanism=SignedDigestAlgorithm({"algorithm": mechanism}),
                         embed_roots=True)

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if digest_algorithm != self.digest_algorithm:
            raise SigningError(f"{self._raw.algorithm} signs {self.digest_algorithm}, not {digest_algorithm}")
        if dry_run:  # pyHanko sizes the signature container first: the largest DER signature this key makes
            return bytes(_max_signature_length(self.signing_cert))
        return self._raw.sign(data)


def _max_signature_length(cert: x509.Certificate) -> int:
    bits = cert.public_key.bit_size
    if cert.public_key.algorithm == "ec":
        return 2 * ((bits + 7) // 8) + 9  # SEQUENCE of two INTEGERs, each possibly with a leading zero
    return (bits + 7) // 8


def validation_context(chain: list[x509.Certificate], crls_der: tuple[bytes, ...]) -> ValidationContext:
    """What the signer's certificate is checked against before signing, and the source of what goes into the
    DSS: the chain's root as trust anchor, the CRLs given (then nothing is fetched) or, without them, what the
    certificates' CRL distribution points and OCSP responders say."""
    return ValidationContext(trust_roots=[chain[-1]], other_certs=chain[:-1], crls=list(crls_der),
                             allow_fetching=not crls_der, revinfo_policy=REQUIRE_REVINFO)


def sign_pdf(pdf: bytes, identity: SigningIdentity, *, reason: str, location: str) -> bytes:
    """``pdf`` with the lender's certification signature appended (no change allowed after it but validation
    data), the DSS filled, and a signature timestamp when ``identity.tsa_url`` is set."""
    chain = load_chain(identity.chain_pem)
    signer = RawSignerBridge(identity, chain)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm=signer.digest_algorithm, subfilter=fields.SigSeedSubFilter.PADES,
        certify=True, docmdp_permissions=fields.MDPPerm.NO_CHANGES, reason=reason, location=location,
        embed_validation_info=True, validation_context=validation_context(chain, identity.crls_der),
        signer_key_usage={"non_repudiation"},
    )
    timestamper: Any = HTTPTimeStamper(identity.tsa_url) if identity.tsa_url else None
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    pdf_signer = signers.PdfSigner(meta, signer, timestamper=timestamper,
                                   new_field_spec=fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=-1))
    try:
        output = pdf_signer.sign_pdf(writer)
    except (SigningError, PathBuildingError, PathValidationError, TimestampRequestError) as exc:
        raise SealError(f"the contract could not be sealed: {_cause(exc)}") from exc
    return output.getvalue()


def _cause(exc: BaseException) -> str:
    messages = []
    while exc is not None and len(messages) < 4:
        messages.append(str(exc) or type(exc).__name__)
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return "; ".join(messages)
