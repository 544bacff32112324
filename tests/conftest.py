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


@pytest.fixture(scope="session")
def local_cloud(tmp_path_factory):
    """One local cloud for the integration and end-to-end tests (failed messages retried after 1 s, or once the
    idempotency lock of an invocation that died has lapsed). One fault is armed by a test only: removing the file
    ``cloud.kill_once_file`` makes the next extract invocation die mid-read (``localcloud.faults``)."""
    from loanpipe_infra.localcloud.cloud import LocalCloud

    state_dir = tmp_path_factory.mktemp("localcloud")
    kill_once = state_dir / "extract-killed-once"
    kill_once.touch()  # disarmed
    # Killed 0.15 s in: after the idempotency lock is taken, before an ID card photo is read (about 0.4 CPU s warm;
    # at 0.5 s a quick read could finish first and the kill never came)
    cloud = LocalCloud(ROOT, retry_delay=1, state_dir=state_dir,
                       faults={"functions": ["ExtractFunction"], "kill_once_file": str(kill_once), "kill_within": 0.15})
    cloud.kill_once_file = kill_once
    cloud.start()
    yield cloud
    cloud.stop()


@pytest.fixture(scope="session")
def officer_api(local_cloud):
    from loanpipe_infra.client import ApiClient

    return ApiClient(local_cloud.state.api_url, local_cloud.token("field_officer", "FO-0012"))


@pytest.fixture(scope="session")
def reviewer_api(local_cloud):
    from loanpipe_infra.client import ApiClient

    return ApiClient(local_cloud.state.api_url, local_cloud.token("reviewer", "reviewer-1"))
