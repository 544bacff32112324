"""What the contract tests build: moto's KMS key with the development CA's chain in a secret, and (from the
testkit) a contract rendered by ``contracts.render``, a drawn signature and the consent record of a ceremony."""

from __future__ import annotations

from dataclasses import dataclass

import boto3

from loanpipe.adapters.signing import load_signing_identity
from loanpipe.contracts.seal import ConsentRecord, SigningIdentity
from loanpipe_infra.localcloud.devca import DevCertificateAuthority, install_dev_ca
from testkit.signing import LENDER

REGION = "eu-west-1"


@dataclass(frozen=True)
class Sealed:
    contract: bytes
    consent: ConsentRecord
    pdf: bytes
    authority: DevCertificateAuthority

    @property
    def root_pem(self) -> bytes:
        return self.authority.root_pem


class LocalKms:
    """moto's KMS with the contract key and the chain secret, filled by the development CA."""

    def __init__(self) -> None:
        self.kms = boto3.client("kms", region_name=REGION)
        self.secrets = boto3.client("secretsmanager", region_name=REGION)
        self.key_id = self.kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        self.secret_id = self.secrets.create_secret(
            Name="contract-signing-chain", SecretString='{"chain_pem": "", "crls_der_b64": []}')["ARN"]
        self.authority = install_dev_ca(self.kms, self.secrets, self.key_id, self.secret_id, LENDER)

    def identity(self) -> SigningIdentity:
        return load_signing_identity(self.secrets, self.kms, self.secret_id, self.key_id, None)


