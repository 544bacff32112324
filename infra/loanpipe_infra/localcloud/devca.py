"""The local cloud's development CA: the stand-in for the lender's certificate authority.

On AWS the operator puts a real CA's chain (and, where the CA publishes nothing the function can fetch,
its CRLs) into the contract signing chain secret. Locally nobody does, so once the KMS signing key and that
secret exist, ``install_dev_ca`` makes

- a root CA (an ECDSA P-256 key made here and a self-signed certificate),
- a leaf certificate for the KMS key's public key (``kms.get_public_key``), issued to the lender, with the key
  usages a signing certificate needs (digitalSignature, nonRepudiation),
- optionally a time-stamping certificate (extended key usage timeStamping) for the local TSA,
- a CRL signed by the root that revokes nothing,

and writes the chain and the CRL into the secret in the format ``loanpipe.adapters.signing`` reads.

The root CA's private key lives only in this process's memory (the ``DevCertificateAuthority`` object) and
goes when the local cloud stops: nothing private is written to disk or to the secret. A restarted cloud makes
a new root, so a contract sealed by an earlier run verifies only against that run's root certificate, which
the running cloud exposes (``LocalCloudState.signing_root_pem``, ``.loanpipe/dev-root.pem``).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT_YEARS = 10
LEAF_YEARS = 2
CRL_DAYS = 30


@dataclass(frozen=True)
class DevCertificateAuthority:
    """A development CA and what it issued for the contract seal. ``root_key`` never leaves memory."""

    root_pem: bytes
    leaf_pem: bytes
    crl_der: bytes
    root_key: ec.EllipticCurvePrivateKey = field(repr=False)

    @property
    def chain_pem(self) -> bytes:
        """Leaf first, then the root (the order ``SigningIdentity.chain_pem`` expects)."""
        return self.leaf_pem + self.root_pem

    def secret_value(self) -> str:
        """The contract signing chain secret's JSON (format: ``loanpipe.adapters.signing``)."""
        return json.dumps({"chain_pem": self.chain_pem.decode("ascii"),
                           "crls_der_b64": [base64.b64encode(self.crl_der).decode("ascii")]})

    def issue_tsa(self, lender: str, now: datetime | None = None) -> tuple[bytes, ec.EllipticCurvePrivateKey]:
        """A time-stamping certificate (PEM) and its key, issued by this CA, for the local RFC 3161 TSA."""
        now = now or datetime.now(UTC)
        key = ec.generate_private_key(ec.SECP256R1())
        root = x509.load_pem_x509_certificate(self.root_pem)
        cert = _issue(root, self.root_key, _name(f"{lender} 时间戳 TSA (dev)", lender), key.public_key(),
                      now, LEAF_YEARS,
                      usage=x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                          data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                          crl_sign=False, encipher_only=False, decipher_only=False),
                      extended=x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]))
        return cert.public_bytes(serialization.Encoding.PEM), key


def _fit(text: str) -> str:
    """X.520 caps names at 64 (cryptography counts UTF-8 bytes): long names are cut."""
    while len(text.encode("utf-8")) > 64:
        text = text[:-1]
    return text.strip()


def _name(common_name: str, lender: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, _fit(lender)),
                      x509.NameAttribute(NameOID.COMMON_NAME, _fit(common_name))])


def _issue(issuer: x509.Certificate, issuer_key: ec.EllipticCurvePrivateKey, subject: x509.Name,
           public_key: Any, now: datetime, years: int, *, usage: x509.KeyUsage,
           extended: x509.ExtendedKeyUsage | None = None) -> x509.Certificate:
    builder = (x509.CertificateBuilder()
               .subject_name(subject).issuer_name(issuer.subject).public_key(public_key)
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=365 * years))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(usage, critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()),
                              critical=False))
    if extended is not None:
        builder = builder.add_extension(extended, critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def issue_dev_chain(signing_public_key_der: bytes, lender: str, now: datetime | None = None) -> DevCertificateAuthority:
    """A new root CA, a signing certificate for ``signing_public_key_der`` (DER SubjectPublicKeyInfo, as KMS
    GetPublicKey returns it) issued to ``lender``, and an empty CRL."""
    now = now or datetime.now(UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name("loanpipe 开发根证书 Dev Root CA", lender)
    root = (x509.CertificateBuilder()
            .subject_name(root_name).issuer_name(root_name).public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=365 * ROOT_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    leaf = _issue(root, root_key, _name(f"{lender} 合同签章 (dev)", lender),
                  serialization.load_der_public_key(signing_public_key_der), now, LEAF_YEARS,
                  usage=x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                      data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                      crl_sign=False, encipher_only=False, decipher_only=False))
    crl = (x509.CertificateRevocationListBuilder()
           .issuer_name(root.subject)
           .last_update(now - timedelta(minutes=5)).next_update(now + timedelta(days=CRL_DAYS))
           .add_extension(x509.CRLNumber(1), critical=False)
           .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
           .sign(root_key, hashes.SHA256()))
    return DevCertificateAuthority(root_pem=root.public_bytes(serialization.Encoding.PEM),
                                   leaf_pem=leaf.public_bytes(serialization.Encoding.PEM),
                                   crl_der=crl.public_bytes(serialization.Encoding.DER), root_key=root_key)


def install_dev_ca(kms: Any, secretsmanager: Any, key_id: str, secret_id: str, lender: str) -> DevCertificateAuthority:
    """Issue the development chain for the KMS key ``key_id`` and write it into the secret ``secret_id``."""
    public_key_der = kms.get_public_key(KeyId=key_id)["PublicKey"]
    authority = issue_dev_chain(public_key_der, lender)
    secretsmanager.put_secret_value(SecretId=secret_id, SecretString=authority.secret_value())
    return authority
