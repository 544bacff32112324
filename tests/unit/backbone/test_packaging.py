"""What ships where, and the check `make build` fails on (loanpipe_infra.deploy): native code Lambda's python3.13
runtime would refuse is named, whatever builds it; the seal's pyHanko rides with the contract function alone."""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath

import pytest

from loanpipe.domain.environment import EnvironmentSettings
from loanpipe_infra.deploy import elf
from loanpipe_infra.deploy.sizes import function_layers

ROOT = Path(__file__).resolve().parents[3]


def _system_library(name: str) -> Path:
    for directory in ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64"):
        if (Path(directory) / name).exists():
            return (Path(directory) / name).resolve()
    pytest.skip(f"no {name} on this machine")


@pytest.mark.parametrize(("version", "too_new"), [
    ("GLIBC_2.17", False), ("GLIBC_2.34", False), ("GLIBC_2.35", True), ("GLIBC_2.36", True),
    ("GLIBC_PRIVATE", True), ("GLIBCXX_3.4.29", False), ("GLIBCXX_3.4.30", True), ("CXXABI_1.3.13", False),
    ("CXXABI_1.3.14", True), ("GCC_7.0.0", False), ("GCC_12.0.0", True), ("OPENSSL_3.0.0", False),
])
def test_symbol_versions_are_judged_against_amazon_linux_2023(version, too_new):
    assert elf.version_too_new(version) is too_new


def test_a_library_of_this_machine_is_refused_for_its_newer_glibc(tmp_path):
    # Given a layer that ships this machine's (Debian 12) libstdc++ in lib/
    (tmp_path / "lib").mkdir()
    shutil.copy(_system_library("libstdc++.so.6"), tmp_path / "lib" / "libstdc++.so.6")
    # When the layer is checked as Lambda mounts it
    count, refusals = elf.check([elf.Tree(tmp_path, PurePosixPath("/opt"))])
    # Then the library is named with a glibc version the runtime does not have
    assert count == 1
    assert any(r.path == "/opt/lib/libstdc++.so.6" and "GLIBC_2.3" in r.reason for r in refusals), refusals


def test_a_needed_library_is_found_where_the_loader_looks_or_refused(tmp_path):
    # Given an executable that needs a library of its own (Debian's tesseract needs libtesseract)
    binary = Path(shutil.which("tesseract") or pytest.skip("no tesseract on this machine")).resolve()
    (tmp_path / "bin").mkdir()
    shutil.copy(binary, tmp_path / "bin" / "tesseract")
    # When it ships alone, Then the library it needs is named as missing
    _, refusals = elf.check([elf.Tree(tmp_path, PurePosixPath("/opt"))])
    assert any("libtesseract.so.5, which is neither in the runtime nor shipped" in r.reason for r in refusals)
    # And when the library ships in /opt/lib (LD_LIBRARY_PATH on Lambda), that need is met
    (tmp_path / "lib").mkdir()
    shutil.copy(_system_library("libtesseract.so.5"), tmp_path / "lib" / "libtesseract.so.5")
    _, refusals = elf.check([elf.Tree(tmp_path, PurePosixPath("/opt"))])
    assert not any("needs libtesseract.so.5," in r.reason for r in refusals)


def _requirements(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").lower().splitlines()
    return [line.split("==")[0].strip() for line in lines if line.strip() and not line.startswith("#")]


def test_only_the_contract_function_carries_the_seal_and_no_layer_the_opencv_wheel(template):
    # Given the layers each function runs with and what each layer installs
    layers = function_layers(template)
    requirements = {name: _requirements(ROOT / "layers" / name / "requirements.txt")
                    for name in ("common", "seal", "vision")}
    # Then pyHanko is in the seal layer, which only the contract function lists
    assert [name for name, listed in layers.items() if "SealLayer" in listed] == ["ContractFunction"]
    assert "pyhanko" in requirements["seal"] and "pyhanko" not in requirements["common"]
    # And the vision layer installs no OpenCV wheel (build-opencv.sh builds the modules the extract function calls)
    assert not [name for name in requirements["vision"] if name.startswith("opencv")]


class _Settings(EnvironmentSettings):
    applications_table: str
    upload_url_ttl_seconds: int = 900
    tsa_url: str | None = None


def test_settings_are_read_from_the_environment_and_given_values_win(monkeypatch):
    # Given the variables a template sets (names upper case, values strings)
    monkeypatch.setenv("APPLICATIONS_TABLE", "apps")
    monkeypatch.setenv("UPLOAD_URL_TTL_SECONDS", "600")
    monkeypatch.delenv("TSA_URL", raising=False)
    # Then the model reads and types them, keeps defaults for what is unset, and a given value wins
    assert _Settings() == _Settings(applications_table="apps", upload_url_ttl_seconds=600, tsa_url=None)
    assert _Settings(applications_table="other").applications_table == "other"


def test_a_missing_required_setting_fails_at_start(monkeypatch):
    monkeypatch.delenv("APPLICATIONS_TABLE", raising=False)
    with pytest.raises(ValueError, match="applications_table"):
        _Settings()
