"""The contract seal on the local cloud: the template's signing key and chain secret exist in moto, the
development CA has certified the key and filled the secret, the local TSA answers over HTTP, and a contract
sealed with what the contract function is configured with verifies with `loanpipe contract verify` and no
--trust-root (the running cloud's development root)."""

from __future__ import annotations

import json

import pytest

from loanpipe.adapters.signing import load_signing_identity
from loanpipe.contracts.seal import seal_contract
from loanpipe_infra.cli import main

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def contract_env(local_cloud):
    return local_cloud.stack.functions["ContractFunction"].environment


def test_the_chain_secret_holds_the_development_chain_for_the_kms_key(local_cloud, contract_env):
    secrets = local_cloud.client("secretsmanager")
    secret = secrets.get_secret_value(SecretId=contract_env["CONTRACT_SIGNING_CHAIN_SECRET"])
    value = json.loads(secret["SecretString"])
    assert value["chain_pem"].count("BEGIN CERTIFICATE") == 2 and len(value["crls_der_b64"]) == 1
    assert value["chain_pem"].endswith(local_cloud.state.signing_root_pem)
    key = local_cloud.client("kms").describe_key(KeyId=contract_env["CONTRACT_SIGNING_KEY_ID"])["KeyMetadata"]
    assert key["KeySpec"] == "ECC_NIST_P256" and key["KeyUsage"] == "SIGN_VERIFY"


def test_a_contract_sealed_with_the_functions_configuration_verifies_with_the_running_root(
        local_cloud, contract_env, tmp_path, monkeypatch, capsys):
    from testkit.signing import consent_for, drawn_signature, sample_contract

    # Given the identity the contract function loads (KMS key, chain secret, the local TSA)
    assert contract_env["CONTRACT_TSA_URL"] == local_cloud.state.tsa_url
    identity = load_signing_identity(local_cloud.client("secretsmanager"), local_cloud.client("kms"),
                                     contract_env["CONTRACT_SIGNING_CHAIN_SECRET"],
                                     contract_env["CONTRACT_SIGNING_KEY_ID"], contract_env["CONTRACT_TSA_URL"])
    # When a contract is sealed with it (moto's KMS signs, the TSA stamps over HTTP)
    pdf = sample_contract()
    sealed = tmp_path / "sealed.pdf"
    sealed.write_bytes(seal_contract(pdf, drawn_signature(), consent_for(pdf), identity))
    # Then `loanpipe contract verify` without --trust-root accepts it, with the TSA's time
    monkeypatch.setenv("LOANPIPE_STATE_DIR", str(local_cloud.state_dir))
    assert main(["contract", "verify", str(sealed)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("VALID") and "timestamp: " in out
    # and a tampered copy is rejected
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(sealed.read_bytes().replace(b"/Creator (loanpipe)", b"/Creator (loanpipX)", 1))
    assert main(["contract", "verify", str(tampered)]) == 1
