"""Verifying a sealed contract: the signature, the chain to a trust root the caller names, the timestamp where
there is one, and every change made after signing, reported in sentences a compliance officer can act on.

The check is offline: certificates and revocation lists come from the file (the CMS object and the document
security store), never from the network. Every certificate below the trust root must have revocation
information in the file (what PAdES B-LT promises). With a signature timestamp the certificates (the TSA's
too) are judged at the time the token states, so a B-LT contract still verifies after the CRLs in it have
expired; without one they are judged now, and a contract verifies only while its embedded CRLs are current
(keeping that for longer is PAdES B-LTA's archive timestamps, which the seal does not add).

A sealed contract allows no change after the lender's signature but validation data (DSS updates, document
timestamps): pyHanko's difference analysis classifies what each later incremental update changed, and
anything beyond validation data is a finding, whatever the signature's own modification policy says.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class VerificationReport:
    ok: bool
    signer: str | None
    signed_at: datetime | None
    timestamp: datetime | None
    findings: list[str] = field(default_factory=list)


CHANGE_WORDS = {
    "FORM_FILLING": "form fields were filled in or signatures were added",
    "ANNOTATIONS": "annotations (comments, marks, stamps) were added or changed",
    "OTHER": "page content or the document's structure was changed",
}
TRUST_WORDS = {
    "NO_CERTIFICATE_CHAIN_FOUND": "The signer's certificate does not chain to the trust root given.",
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": "The signer's certificate does not chain to the trust root given.",
    "REVOKED": "The signer's certificate was revoked.",
    "REVOKED_NO_POE": "The signer's certificate was revoked, and nothing proves the signature was made before that.",
    "REVOKED_CA_NO_POE": "A certificate of the issuing CA was revoked, and nothing proves the signature came first.",
    "EXPIRED": "The signer's certificate had expired at the time it was checked.",
    "NOT_YET_VALID": "The signer's certificate was not yet valid at the time it was checked.",
    "OUT_OF_BOUNDS_NO_POE": "The signer's certificate was not valid at the time it was checked, and no timestamp "
                            "proves the signature was made while it was.",
    "OUT_OF_BOUNDS_NOT_REVOKED": "The signer's certificate was not valid at the time it was checked.",
    "TRY_LATER": "The file carries no usable revocation information for the signer's certificate, so it cannot "
                 "be shown that the certificate was not revoked when the document was signed.",
    "REVOCATION_OUT_OF_BOUNDS_NO_POE": "The revocation information in the file is out of date for the time "
                                       "checked, and no timestamp proves when the document was signed.",
    "CHAIN_CONSTRAINTS_FAILURE": "The certificate chain breaks a constraint (a CA limit or a key usage) "
                                 "of the certificates in it.",
    "SIG_CONSTRAINTS_FAILURE": "The signer's certificate is not allowed to sign documents (key usage).",
    "CRYPTO_CONSTRAINTS_FAILURE": "The signature uses an algorithm that is no longer accepted.",
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": "The signature uses an algorithm that is no longer accepted.",
}


def verify_contract(pdf: bytes, trust_roots_pem: list[bytes], *, at: datetime | None = None) -> VerificationReport:
    """Check every signature of ``pdf`` against ``trust_roots_pem`` (PEM or DER certificates). ``ok`` only when
    there is at least one signature and every check of every signature passes. ``at``: the time a signature
    without a timestamp is judged at (default: now), e.g. to ask whether it will still verify next year."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    if not trust_roots_pem:
        return VerificationReport(False, None, None, None, ["No trust root was given to check the signer against."])
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = list(reader.embedded_regular_signatures)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        return VerificationReport(False, None, None, None, [f"The file is not a readable PDF document ({exc})."])
    if not signatures:
        return VerificationReport(False, None, None, None, ["No signature found."])
    reports = [_check_signature(reader, signature, trust_roots_pem, at) for signature in signatures]
    first = reports[0]
    findings = [finding for report in reports for finding in report.findings]
    consent_ok, consent_finding = _consent_names_the_issued_contract(reader, pdf)
    findings += [consent_finding] if consent_finding else []
    return VerificationReport(all(report.ok for report in reports) and consent_ok, first.signer, first.signed_at,
                              first.timestamp, findings)


def _consent_names_the_issued_contract(reader: Any, pdf: bytes) -> tuple[bool, str | None]:
    """Whether the contract digest printed in the consent record (``contracts.stamp``) is the SHA-256 of the
    file's first revision, the contract as issued before anything was added. (True, None) when the file has
    no consent record."""
    import hashlib
    import re

    import pypdfium2 as pdfium

    from loanpipe.domain.native import PDFIUM

    with PDFIUM:  # pdfium is not thread-safe; the demo verifies four contracts at once (domain.native)
        document = pdfium.PdfDocument(pdf)
        try:
            text = " ".join(page.get_textpage().get_text_range() for page in document)
        finally:
            document.close()
    printed = re.search(r"Contract digest:\s*([0-9a-f]{64})", text)
    if printed is None:
        return True, None
    end = reader.xrefs.get_xref_container_info(0).end_location
    eof = pdf.find(b"%%EOF", end)
    stop = eof + 5
    while 0 <= eof and stop < len(pdf) and pdf[stop] in b"\r\n":
        stop += 1
    issued = hashlib.sha256(pdf[:stop]).hexdigest() if eof >= 0 else None
    if issued == printed.group(1):
        return True, ("The consent record's contract digest is that of the contract as issued (the file's first "
                      "revision): the customer signed the contract they were shown.")
    return False, (f"The consent record names a contract (SHA-256 {printed.group(1)[:16]}...) other than the "
                   f"contract as issued in this file (SHA-256 {(issued or 'unknown')[:16]}...): it is not shown "
                   "that the customer signed the contract they were shown.")


def _context(reader: Any, roots: list[Any], moment: datetime | None) -> Any:
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko.sign.validation.errors import NoDSSFoundError
    from pyhanko_certvalidator import ValidationContext

    from loanpipe.contracts.pades import REQUIRE_REVINFO

    settings = {"trust_roots": roots, "allow_fetching": False, "revinfo_policy": REQUIRE_REVINFO, "moment": moment}
    try:
        return DocumentSecurityStore.read_dss(reader).as_validation_context(settings)
    except NoDSSFoundError:
        return ValidationContext(**settings)


def _load_roots(trust_roots_pem: list[bytes]) -> list[Any]:
    from asn1crypto import pem, x509

    roots = []
    for blob in trust_roots_pem:
        if pem.detect(blob):
            roots += [x509.Certificate.load(der) for _, _, der in pem.unarmor(blob, multiple=True)]
        else:
            roots.append(x509.Certificate.load(blob))
    return roots


def _check_signature(reader: Any, signature: Any, trust_roots_pem: list[bytes],
                     at: datetime | None) -> VerificationReport:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError

    try:
        roots = _load_roots(trust_roots_pem)
    except (ValueError, TypeError) as exc:
        return VerificationReport(False, None, None, None, [f"The trust root given is not a certificate ({exc})."])
    try:
        status = validate_pdf_signature(signature, _context(reader, roots, at))
        stamp = status.timestamp_validity
        if stamp is not None and stamp.intact and stamp.valid:
            # judge the certificates (the TSA's included) at the time the token states, not today: the token
            # must then be trusted at that time, with the revocation information of that time in the file
            status = validate_pdf_signature(signature, _context(reader, roots, stamp.timestamp))
    except (SignatureValidationError, ValueError) as exc:
        return VerificationReport(False, None, None, None, [f"The signature could not be read or checked ({exc})."])
    return _report(status)


def _report(status: Any) -> VerificationReport:
    findings = _integrity_findings(status) + _trust_findings(status)
    stamp = status.timestamp_validity
    timestamp = None
    if stamp is not None:
        if stamp.intact and stamp.valid and stamp.trusted:
            timestamp = stamp.timestamp
        else:
            findings.append("The signature timestamp is not valid, or its authority does not chain to the trust root "
                            "given.")
    subject = status.signing_cert.subject.native
    signer = subject.get("common_name") or status.signing_cert.subject.human_friendly
    if findings:
        return VerificationReport(False, signer, status.signer_reported_dt, timestamp, findings)
    when = (f"at {timestamp.isoformat(timespec='seconds')}, proved by a trusted timestamp" if timestamp else
            "at a time the signer states but no timestamp proves")
    summary = [f"Signed by {signer} {when}.",
               "The signature is intact, its certificate chains to the trust root given and was not revoked, "
               "and nothing but validation data was added to the document after signing."]
    return VerificationReport(True, signer, status.signer_reported_dt, timestamp, summary)


def _integrity_findings(status: Any) -> list[str]:
    from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if not status.intact:
        return ["The document was changed after it was signed: the signed bytes no longer match the digest the "
                "signature was made over."]
    if not status.valid:
        return ["The signature value is wrong: it was not made over this document by the key of the certificate "
                "it names."]
    if status.coverage is None or status.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        return ["The document was changed after it was signed: the signature does not cover the whole revision it "
                "belongs to."]
    diff = status.diff_result
    if isinstance(diff, DiffResult):
        if diff.modification_level <= ModificationLevel.LTA_UPDATES:
            return []
        level = diff.modification_level.name
        return [f"The document was changed after it was signed: in an update appended after the signature, "
                f"{CHANGE_WORDS.get(level, 'the document was changed')}."]
    if diff is None:
        return []
    detail = str(diff).splitlines()[0].split(":")[0].strip() if str(diff) else type(diff).__name__
    return [f"The document was changed after it was signed: in an update appended after the signature, "
            f"{CHANGE_WORDS['OTHER']} (difference analysis: {detail})."]


def _trust_findings(status: Any) -> list[str]:
    if not (status.intact and status.valid):
        return []
    problem = status.trust_problem_indic
    if problem is None and status.validation_path is not None:
        return []
    if status.revocation_details is not None:
        revoked = status.revocation_details
        who = "A CA certificate in the signer's chain" if revoked.ca_revoked else "The signer's certificate"
        return [f"{who} was revoked on {revoked.revocation_date.isoformat(timespec='seconds')}."]
    name = getattr(problem, "name", "GENERIC")
    return [TRUST_WORDS.get(name, f"The signer's certificate could not be validated ({name}).")]
