"""Shared test configuration: the project root and the template, read once."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def template() -> dict:
    from loanpipe_infra.localcloud.template import load_template

    return load_template(ROOT / "template.yaml")
