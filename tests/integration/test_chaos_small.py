"""The chaos run's driver and reconciliation, small, on the tests' local cloud: one application whose every S3 event
is delivered a second time out of order, and the reconciliation of ``make chaos`` over what it left in the stores
and on the event bus (the faults of ``make chaos`` are not injected here: their retries wait for the functions'
timeouts, minutes)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_applications_with_every_upload_delivered_twice_reconcile_exactly_once(local_cloud, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))  # the benchmarks run as `python -m benchmarks.X` from the root
    from benchmarks.runkit import AppRun, Driver, Redeliverer, drain_queue, make_corpus, reconcile, tap_event_bus

    # Given cheap generated documents and a tap on the event bus
    [folder] = make_corpus(tmp_path / "corpus", 1, seed=5)
    tap = tap_event_bus(local_cloud)
    redeliver = Redeliverer(local_cloud, seed=5, max_delay=5.0)
    driver = Driver(local_cloud, tmp_path / "contracts", on_uploaded=redeliver.add)
    redeliver.start()
    # When an application goes through, each upload's S3 event sent again, shuffled and late
    runs = [AppRun(0, folder)]
    deadline = time.monotonic() + 300
    for run in runs:
        driver.drive(run, deadline)
    redeliver.drain()
    assert local_cloud.wait_idle(300)
    sqs = local_cloud.client("sqs")
    result = reconcile(local_cloud, runs, drain_queue(sqs, tap), drain_queue(sqs, local_cloud.queue_url(
        "DisbursementQueue")), only_runs=True)
    # Then every object is one document settled once, the application decided once, not stuck
    assert result["ok"], result["problems"]
    assert result["counts"]["uploaded_objects"] == redeliver.sent >= 4
    assert all(run.step == "done" for run in runs), [run.as_dict() for run in runs]
