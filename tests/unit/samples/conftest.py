"""Batches generated once per test session (generation takes a few seconds per ten applications)."""

from __future__ import annotations

import pytest

from testkit.samples import DEFECTS, generate_applications, generate_documents

# every defect once, then two clean applications; the clean tier keeps the batch quick
DEFECT_BATCH = [*DEFECTS, "clean", "clean"]


@pytest.fixture(scope="session")
def defect_batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("defect_batch")
    return generate_applications(out, len(DEFECT_BATCH), seed=3, tier="clean", defects=DEFECT_BATCH)


@pytest.fixture(scope="session")
def clean_batch(tmp_path_factory):
    """Clean applications over every tier (phone photos, hard photos, scans, statement photos and PDFs)."""
    out = tmp_path_factory.mktemp("clean_batch")
    applications = []
    for tier, seed in (("phone", 21), ("hard", 22), (None, 23)):
        applications += generate_applications(out / (tier or "mixed"), 3, seed=seed, tier=tier)
    return applications


@pytest.fixture(scope="session")
def document_set(tmp_path_factory):
    out = tmp_path_factory.mktemp("documents")
    return out, generate_documents(out, 24, seed=5)
