"""With a TSA the seal carries an RFC 3161 signature timestamp (PAdES B-LT) and the verifier reports its time.

The TSA is the local cloud's (``loanpipe_infra.localcloud.tsa``), certified by the same development CA; here
it answers in-process instead of over HTTP (unit tests open no sockets): pyHanko's HTTP time-stamp client is
replaced by one that hands the request to the TSA object directly. Everything else is the production path.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import tsp
from pyhanko.sign.timestamps import TimeStamper

from loanpipe.contracts import pades
from loanpipe.contracts.seal import SigningIdentity, seal_contract
from loanpipe.contracts.verify import verify_contract
from loanpipe_infra.localcloud.devca import CRL_DAYS
from loanpipe_infra.localcloud.tsa import TimeStampAuthority
from testkit.signing import LENDER, consent_for, drawn_signature
from testkit.signing import sample_contract as contract


class InProcessTimeStamper(TimeStamper):
    def __init__(self, authority: TimeStampAuthority):
        super().__init__()
        self.authority = authority
        self.requests = 0

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        self.requests += 1
        return tsp.TimeStampResp.load(self.authority.respond(req.dump()))


@pytest.fixture(scope="module")
def stamped(local_kms):
    authority = TimeStampAuthority(*local_kms.authority.issue_tsa(LENDER))
    timestamper = InProcessTimeStamper(authority)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pades, "HTTPTimeStamper", lambda url: timestamper)
        identity = local_kms.identity()
        identity = SigningIdentity(identity.signer, identity.chain_pem, "http://tsa.invalid/", identity.crls_der)
        pdf = contract()
        before = datetime.now(UTC)
        sealed = seal_contract(pdf, drawn_signature(), consent_for(pdf), identity)
    return sealed, before, timestamper


def test_a_timestamped_seal_verifies_and_the_verifier_names_the_tsas_time(stamped, local_kms):
    sealed, before, timestamper = stamped
    report = verify_contract(sealed, [local_kms.authority.root_pem])
    assert report.ok, report.findings
    assert timestamper.requests >= 1
    assert report.timestamp is not None and before <= report.timestamp <= datetime.now(UTC)
    assert any("proved by a trusted timestamp" in finding for finding in report.findings)


def test_a_timestamp_from_a_tsa_outside_the_trust_root_is_not_trusted(stamped, stranger_root):
    sealed, _, _ = stamped
    report = verify_contract(sealed, [stranger_root])
    assert not report.ok and report.timestamp is None


def test_the_tsa_refuses_a_request_it_cannot_read(local_kms):
    authority = TimeStampAuthority(*local_kms.authority.issue_tsa(LENDER))
    response = authority.respond(b"\x30\x03\x02\x01\x01")
    # a TimeStampResp that holds only its PKIStatusInfo (RFC 3161: no token without status granted)
    assert response[0] == 0x30 and response[1] == len(response) - 2
    status = tsp.PKIStatusInfo.load(response[2:])
    assert status["status"].native == "rejection" and status["fail_info"].native == {"bad_data_format"}


def test_only_the_timestamped_seal_still_verifies_once_its_embedded_crl_has_expired(stamped, sealed, local_kms):
    # Given a timestamped seal and one without a timestamp, both with the development CA's CRL (30 days)
    later = datetime.now(UTC) + timedelta(days=CRL_DAYS + 30)
    timestamped, _, _ = stamped
    # When both are verified as of two months from now
    with_timestamp = verify_contract(timestamped, [local_kms.authority.root_pem], at=later)
    without = verify_contract(sealed.pdf, [sealed.root_pem], at=later)
    # Then the timestamped one is judged at the TSA's time and holds; the other cannot be shown valid
    assert with_timestamp.ok, with_timestamp.findings
    assert not without.ok
    assert any("revocation information" in finding for finding in without.findings), without.findings
