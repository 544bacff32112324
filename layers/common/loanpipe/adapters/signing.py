"""The lender's contract signing key (KMS) and its certificate chain (Secrets Manager).

``KmsRawSigner`` is the ``RawSigner`` the seal signs through: KMS ``Sign`` with ``MessageType=RAW``, so KMS
hashes the message itself (the seal sends the DER of the CMS signed attributes, a few hundred bytes; KMS
accepts at most 4096). ``load_signing_identity`` reads the chain from the secret and checks that its leaf
certificate is the KMS key's, so a wrong chain fails when the function starts sealing, not in a verifier
years later.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from loanpipe.contracts.seal import SealError, SigningIdentity

KMS_RAW_MESSAGE_LIMIT = 4096


class KmsRawSigner:
    """Signs through an asymmetric KMS key (``KeyUsage: SIGN_VERIFY``); ECC_NIST_P256 with ECDSA_SHA_256 by
    default. The private key never leaves KMS."""

    def __init__(self, kms_client: Any, key_id: str, algorithm: str = "ECDSA_SHA_256"):
        self._kms = kms_client
        self.key_id = key_id
        self.algorithm = algorithm

    def sign(self, message: bytes) -> bytes:
        if len(message) > KMS_RAW_MESSAGE_LIMIT:
            raise ValueError(f"KMS signs RAW messages of at most {KMS_RAW_MESSAGE_LIMIT} bytes, not {len(message)}")
        response = self._kms.sign(KeyId=self.key_id, Message=message, MessageType="RAW",
                                  SigningAlgorithm=self.algorithm)
        return response["Signature"]

    def public_key_der(self) -> bytes:
        """The key's public half as DER SubjectPublicKeyInfo (KMS ``GetPublicKey``)."""
        return self._kms.get_public_key(KeyId=self.key_id)["PublicKey"]


def load_signing_identity(secrets_client: Any, kms_client: Any, secret_id: str, key_id: str,
                          tsa_url: str | None) -> SigningIdentity:
    """The signing identity: the KMS key ``key_id`` and the chain in the secret ``secret_id``.

    The secret's value is JSON::

        {"chain_pem": "-----BEGIN CERTIFICATE-----\\n...",   # leaf (the KMS key's certificate) first,
                                                               # then intermediates, then the root
         "crls_der_b64": ["MIIB...", ...]}                     # optional: base64 DER CRLs to embed

    On AWS the operator writes it (``aws secretsmanager put-secret-value``) with the lender's CA chain;
    ``crls_der_b64`` is for a CA whose revocation lists the function cannot fetch (leave it empty when the
    certificates name a reachable CRL distribution point or OCSP responder). On the local cloud the
    development CA writes it. Raises ``SealError`` when the secret is unset or malformed, or when its leaf
    certificate is not for the KMS key.
    """
    raw = secrets_client.get_secret_value(SecretId=secret_id).get("SecretString") or ""
    try:
        value = json.loads(raw)
        chain_pem = str(value.get("chain_pem") or "").encode("ascii")
        crls = tuple(base64.b64decode(item, validate=True) for item in value.get("crls_der_b64") or [])
    except (ValueError, AttributeError, UnicodeEncodeError, binascii.Error) as exc:
        raise SealError(f"the contract signing chain secret is not the expected JSON: {exc}") from exc
    if b"BEGIN CERTIFICATE" not in chain_pem:
        raise SealError("the contract signing chain secret holds no certificate chain yet: the operator puts the "
                        "lender's CA chain there (see loanpipe.adapters.signing)")
    signer = KmsRawSigner(kms_client, key_id)
    _check_leaf_is_the_key(chain_pem, signer.public_key_der())
    return SigningIdentity(signer=signer, chain_pem=chain_pem, tsa_url=tsa_url or None, crls_der=crls)


def _check_leaf_is_the_key(chain_pem: bytes, public_key_der: bytes) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        leaf = x509.load_pem_x509_certificate(chain_pem)
    except ValueError as exc:
        raise SealError(f"the first certificate of the signing chain cannot be read: {exc}") from exc
    leaf_key = leaf.public_key().public_bytes(serialization.Encoding.DER,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)
    if leaf_key != public_key_der:
        raise SealError("the signing chain's first certificate is not for the KMS signing key")
