"""A sealed contract verifies; a changed byte, an appended update that alters content, a foreign trust root or
a missing signature are each reported in words a compliance officer can act on."""

from __future__ import annotations

import io

import pytest
from asn1crypto import pem, x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore

from loanpipe.contracts.seal import BadSignatureImage, ContractHashMismatch, seal_contract
from loanpipe.contracts.verify import verify_contract
from testkit.signing import consent_for, drawn_signature
from testkit.signing import sample_contract as contract


def _certificate(pem_bytes: bytes) -> x509.Certificate:
    return x509.Certificate.load(pem.unarmor(pem_bytes)[2])


def test_pyhankos_own_validator_accepts_the_sealed_contract_with_the_development_root(sealed):
    # Given a contract sealed through moto's KMS key, certified by the development CA
    reader = PdfFileReader(io.BytesIO(sealed.pdf))
    signature = reader.embedded_signatures[0]
    dss = DocumentSecurityStore.read_dss(reader)
    # When pyHanko validates it offline against the development root, revocation required (hard-fail)
    context = dss.as_validation_context({"trust_roots": [_certificate(sealed.root_pem)], "allow_fetching": False,
                                        "revocation_mode": "hard-fail"})
    status = validate_pdf_signature(signature, context)
    # Then the signature is a trusted PAdES signature, and only validation data (the DSS) follows it
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert status.bottom_line and status.trusted and status.docmdp_ok
    assert status.modification_level == ModificationLevel.LTA_UPDATES
    assert status.signing_cert.subject.native["organization_name"] == "示范汽车金融有限公司"
    # and the chain and a CRL are embedded for long-term validation
    assert len(dss.crls) >= 1 and len(list(dss.load_certs())) >= 2


def test_the_verifier_says_ok_and_who_signed(sealed):
    report = verify_contract(sealed.pdf, [sealed.root_pem])
    assert report.ok, report.findings
    assert report.signer is not None and "示范汽车金融有限公司" in report.signer
    assert report.signed_at is not None and report.timestamp is None  # no TSA configured in this test
    assert any("no timestamp proves" in finding for finding in report.findings)


@pytest.mark.parametrize("original, changed", [
    (b"/Creator (loanpipe)", b"/Creator (loanpipX)"),                      # the contract's own revision
    (b"/LoanpipeSignatureStamp", b"/LoanpipeSignatureStamq"),              # the signature page stamp
])
def test_a_changed_byte_inside_the_signed_range_is_reported_as_a_change_after_signing(sealed, original, changed):
    # Given the sealed file with one byte changed before the signature's end
    assert sealed.pdf.count(original) >= 1
    tampered = sealed.pdf.replace(original, changed, 1)
    assert tampered.index(changed) < sealed.pdf.index(b"/ByteRange")
    # When it is verified
    report = verify_contract(tampered, [sealed.root_pem])
    # Then it fails, and says the document was changed after it was signed
    assert not report.ok
    assert any(finding.startswith("The document was changed after it was signed") for finding in report.findings)


def _append_text(pdf: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    font = writer.add_object(generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Font"), pdf_name("/Subtype"): pdf_name("/Type1"),
        pdf_name("/BaseFont"): pdf_name("/Helvetica")}))
    text = b"BT /Tampered 11 Tf 380 760 Td (Principal 1.00) Tj ET"
    stream = writer.add_object(generic.StreamObject(stream_data=text))
    writer.add_stream_to_page(0, stream, resources=generic.DictionaryObject({
        pdf_name("/Font"): generic.DictionaryObject({pdf_name("/Tampered"): font})}))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _append_note(pdf: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref, _ = writer.find_page_for_modification(-1)  # the signature page
    note = writer.add_object(generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name("/Text"),
        pdf_name("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in (400, 700, 420, 720)]),
        pdf_name("/Contents"): generic.TextStringObject("利率改为 1%"),
        pdf_name("/P"): page_ref}))
    writer.register_annotation(page_ref, note)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# pyHanko's difference analysis cannot attribute the note to annotation rules here (it rewrites the page object,
# which the signature field also names), so both read as changed page content or structure.
@pytest.mark.parametrize("alter", [_append_text, _append_note])
def test_an_appended_update_that_alters_content_is_reported_in_words(sealed, alter):
    # Given the sealed file with an incremental update appended after it (the signed bytes untouched)
    tampered = alter(sealed.pdf)
    assert tampered.startswith(sealed.pdf)
    # When it is verified
    report = verify_contract(tampered, [sealed.root_pem])
    # Then it fails and says what changed after signing
    assert not report.ok
    changed = [f for f in report.findings if f.startswith("The document was changed after it was signed")]
    assert changed and "in an update appended after the signature" in changed[0]
    assert "page content or the document's structure was changed" in changed[0]


def test_a_different_trust_root_does_not_chain(sealed, stranger_root):
    report = verify_contract(sealed.pdf, [stranger_root])
    assert not report.ok
    assert "The signer's certificate does not chain to the trust root given." in report.findings


def test_an_unsigned_contract_has_no_signature(sealed):
    report = verify_contract(sealed.contract, [sealed.root_pem])
    assert not report.ok and report.findings == ["No signature found."]


def test_a_file_that_is_not_a_pdf_is_refused_in_words(sealed):
    report = verify_contract(b"GIF89a not a contract", [sealed.root_pem])
    assert not report.ok and report.findings[0].startswith("The file is not a readable PDF")


def test_a_consent_over_another_contract_is_refused_before_anything_is_signed(local_kms):
    # Given a consent record whose hash is that of an earlier rendering (the customer saw other bytes)
    shown, current = contract(24), contract(36)
    signer_calls = []
    identity = local_kms.identity()
    original_sign = identity.signer.sign
    identity.signer.sign = lambda message: signer_calls.append(message) or original_sign(message)
    # When the seal is asked for
    with pytest.raises(ContractHashMismatch) as refused:
        seal_contract(current, drawn_signature(), consent_for(shown), identity)
    # Then it is refused with a stable code, and KMS was never asked to sign
    assert refused.value.code == "contract_hash_mismatch"
    assert signer_calls == []


@pytest.mark.parametrize("image", [b"", b"GIF89a....", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40])
def test_a_signature_image_that_is_not_a_usable_png_is_a_user_error(local_kms, image):
    pdf = contract()
    with pytest.raises(BadSignatureImage) as refused:
        seal_contract(pdf, image, consent_for(pdf), local_kms.identity())
    assert refused.value.code == "bad_signature_image"


def test_the_verifier_ties_the_consent_record_to_the_contract_as_issued(sealed):
    report = verify_contract(sealed.pdf, [sealed.root_pem])
    assert any("the customer signed the contract they were shown" in finding for finding in report.findings)


def test_a_consent_record_naming_another_contract_fails_even_under_a_valid_signature(local_kms, sealed):
    # Given a contract stamped with the consent record of another rendering and then sealed (the seal's own
    # check bypassed: the stamp and the signature made directly)
    from loanpipe.contracts.pades import sign_pdf
    from loanpipe.contracts.stamp import stamp_signature_page

    issued, shown = contract(36), contract(24)
    stamped = stamp_signature_page(issued, drawn_signature(), consent_for(shown))
    forged = sign_pdf(stamped, local_kms.identity(), reason="test", location="test")
    # When it is verified
    report = verify_contract(forged, [sealed.root_pem])
    # Then the signature holds, yet the report fails on the consent record
    assert not report.ok
    assert [f for f in report.findings if f.startswith("The consent record names a contract")]
    assert not [f for f in report.findings if f.startswith("The document was changed")]
