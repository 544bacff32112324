"""The chaos run's driver and reconciliation, small, on the tests' local cloud: two applications (the second
reuses the first one's pictures), every S3 event delivered a second time out of order, the reconciliation of
``make chaos`` over what they left in the stores and on the event bus."""

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
    # When two applications go through, each upload's S3 event sent again, shuffled and late
    runs = [AppRun(0, folder), AppRun(1, folder)]
    deadline = time.monotonic() + 300
    for run in runs:
        driver.drive(run, deadline)
    redeliver.drain()
    assert local_cloud.wait_idle(300)
    sqs = local_cloud.client("sqs")
    result = reconcile(local_cloud, runs, drain_queue(sqs, tap), drain_queue(sqs, local_cloud.queue_url(
        "DisbursementQueue")), only_runs=True)
    # Then every object is one document settled once, no application decided twice, none stuck
    assert result["ok"], result["problems"]
    assert result["counts"]["uploaded_objects"] == redeliver.sent >= 8
    assert all(run.step == "done" for run in runs), [run.as_dict() for run in runs]
