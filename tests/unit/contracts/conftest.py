"""A contract sealed with moto's KMS and the local cloud's development CA.

Sealing takes a second or so, so each test module seals once (module-scoped fixtures) and its tests read or
tamper with copies of the bytes.
"""

from __future__ import annotations

import pytest
from moto import mock_aws

from contracts.support import LocalKms, Sealed
from loanpipe.contracts.seal import seal_contract
from loanpipe_infra.localcloud.devca import issue_dev_chain
from testkit.signing import LENDER, consent_for, drawn_signature
from testkit.signing import sample_contract as contract


@pytest.fixture(scope="module")
def local_kms(monkeypatch_module):
    with mock_aws():
        yield LocalKms()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            patch.setenv(name, "testing")
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        yield patch


@pytest.fixture(scope="module")
def sealed(local_kms) -> Sealed:
    pdf = contract()
    consent = consent_for(pdf)
    return Sealed(contract=pdf, consent=consent, pdf=seal_contract(pdf, drawn_signature(), consent,
                                                                   local_kms.identity()),
                  authority=local_kms.authority)


@pytest.fixture(scope="session")
def stranger_root() -> bytes:
    """The root of another development CA (same lender name, other key): trusting it must not be enough."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return issue_dev_chain(der, LENDER).root_pem
