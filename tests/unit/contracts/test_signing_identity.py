"""The seal's key and chain: KMS signs the message itself (RAW), the development CA certifies that key for the
lender, and a chain that is missing or belongs to another key is refused before anything is signed."""

from __future__ import annotations

import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key
from cryptography.x509.oid import NameOID

from loanpipe.adapters.signing import KmsRawSigner, load_signing_identity
from loanpipe.contracts.seal import SealError
from testkit.signing import LENDER


def test_kms_signs_the_raw_message_so_the_signature_verifies_over_the_message_itself(local_kms):
    # Given the signer over moto's ECC_NIST_P256 key and a message the size of CMS signed attributes
    signer = KmsRawSigner(local_kms.kms, local_kms.key_id)
    message = bytes(range(256)) * 2
    # When it signs
    signature = signer.sign(message)
    # Then the DER ECDSA signature verifies with SHA-256 over the message (KMS hashed it once, not twice)
    public_key = load_der_public_key(signer.public_key_der())
    public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))


def test_a_message_over_kms_raw_limit_is_refused_before_calling_kms(local_kms):
    with pytest.raises(ValueError, match="4096"):
        KmsRawSigner(local_kms.kms, local_kms.key_id).sign(b"x" * 4097)


def test_the_development_ca_certifies_the_kms_key_for_the_lender_with_signing_key_usages(local_kms):
    identity = local_kms.identity()
    leaf, root = x509.load_pem_x509_certificates(identity.chain_pem)
    assert leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == LENDER
    usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert leaf.issuer == root.subject and root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    # and the CRL it embeds is signed by that root
    (crl_der,) = identity.crls_der
    assert x509.load_der_x509_crl(crl_der).is_signature_valid(root.public_key())


def test_an_empty_chain_secret_is_refused_with_what_the_operator_must_do(local_kms):
    local_kms.secrets.create_secret(Name="unset-chain", SecretString='{"chain_pem": "", "crls_der_b64": []}')
    with pytest.raises(SealError, match="operator puts the lender's CA chain there"):
        load_signing_identity(local_kms.secrets, local_kms.kms, "unset-chain", local_kms.key_id, None)


def test_a_chain_for_another_key_is_refused(local_kms):
    # Given a second KMS key, and the chain certifying the first one
    other_key = local_kms.kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    # When the identity of the second key is loaded with that chain
    with pytest.raises(SealError, match="not for the KMS signing key"):
        load_signing_identity(local_kms.secrets, local_kms.kms, local_kms.secret_id, other_key, None)


def test_the_secret_format_round_trips_and_an_empty_tsa_url_means_none(local_kms):
    stored = json.loads(local_kms.secrets.get_secret_value(SecretId=local_kms.secret_id)["SecretString"])
    assert set(stored) == {"chain_pem", "crls_der_b64"}
    identity = load_signing_identity(local_kms.secrets, local_kms.kms, local_kms.secret_id, local_kms.key_id, "")
    assert identity.tsa_url is None and identity.signer.algorithm == "ECDSA_SHA_256"
