"""``loanpipe contract verify FILE [--trust-root CERT]``: exit 0 only for a contract that verifies."""

from __future__ import annotations

import pytest

from loanpipe_infra.cli import main


@pytest.fixture
def no_local_cloud(tmp_path, monkeypatch):
    monkeypatch.setenv("LOANPIPE_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def files(tmp_path, sealed, stranger_root):
    paths = {"sealed": tmp_path / "sealed.pdf", "tampered": tmp_path / "tampered.pdf",
             "root": tmp_path / "root.pem", "stranger": tmp_path / "stranger.pem"}
    paths["sealed"].write_bytes(sealed.pdf)
    paths["tampered"].write_bytes(sealed.pdf.replace(b"/Creator (loanpipe)", b"/Creator (loanpipX)", 1))
    paths["root"].write_bytes(sealed.root_pem)
    paths["stranger"].write_bytes(stranger_root)
    return {name: str(path) for name, path in paths.items()}


def test_a_sealed_contract_verifies_with_its_root(files, capsys):
    assert main(["contract", "verify", files["sealed"], "--trust-root", files["root"]]) == 0
    out = capsys.readouterr().out
    assert out.startswith("VALID: ") and "示范汽车金融有限公司" in out


def test_a_tampered_copy_is_rejected_with_the_reason(files, capsys):
    assert main(["contract", "verify", files["tampered"], "--trust-root", files["root"]]) == 1
    out = capsys.readouterr().out
    assert out.startswith("NOT VALID: ") and "The document was changed after it was signed" in out


def test_another_root_is_rejected(files, capsys):
    assert main(["contract", "verify", files["sealed"], "--trust-root", files["stranger"]]) == 1
    assert "does not chain to the trust root given" in capsys.readouterr().out


def test_without_a_trust_root_or_a_running_local_cloud_it_says_what_to_pass(files, no_local_cloud, capsys):
    assert main(["contract", "verify", files["sealed"]]) == 2
    assert "--trust-root CERT" in capsys.readouterr().err


def test_the_running_local_clouds_development_root_is_the_default(files, sealed, tmp_path, monkeypatch, capsys):
    # Given a local cloud state that names the development root (as `loanpipe local up` writes it)
    from loanpipe_infra.localcloud.cloud import LocalCloudState

    state_dir = tmp_path / "running"
    LocalCloudState(endpoint_url="http://127.0.0.1:1", api_url="http://127.0.0.1:2", user_pool_id="p",
                    user_pool_client_id="c", region="eu-west-1", resources={}, pid=1,
                    signing_root_pem=sealed.root_pem.decode()).write(state_dir / "local.json")
    monkeypatch.setenv("LOANPIPE_STATE_DIR", str(state_dir))
    # When a contract is verified without --trust-root, Then that root is used
    assert main(["contract", "verify", files["sealed"]]) == 0
    assert "the running local cloud's development root CA" in capsys.readouterr().out
