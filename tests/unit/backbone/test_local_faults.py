"""The local cloud's retry timing and its fault injection (what the chaos run and the reliability tests rely on)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from loanpipe_infra.localcloud.faults import Faults, InjectedFault
from loanpipe_infra.localcloud.pollers import QueuePoller
from loanpipe_infra.localcloud.schedules import rate_seconds
from loanpipe_infra.localcloud.template import TemplateError


class _Sqs:
    def get_queue_attributes(self, QueueUrl, AttributeNames):  # noqa: N803 - boto3's names
        return {"Attributes": {"VisibilityTimeout": "360"}}


def _poller(retry_delay):
    pool = SimpleNamespace(concurrency=1, spec=SimpleNamespace(logical_id="ExtractFunction", timeout=60))
    source = SimpleNamespace(name="Uploads", queue_url="http://local/123/extract", batch_size=1)
    return QueuePoller(_Sqs(), pool, source, retry_delay=retry_delay)


def test_a_failed_message_returns_after_the_queues_visibility_timeout_as_on_aws():
    assert _poller(None).retry_after(died=True, elapsed=2.0) == 360
    assert _poller(None).retry_after(died=False, elapsed=2.0) == 360


def test_a_shortened_retry_never_comes_before_a_dead_invocations_lock_lapses():
    # Given a test cloud retrying after 1 s, and an invocation that died 2 s into a 60 s function
    poller = _poller(1)
    # Then its message returns once the invocation's deadline (its idempotency lock's expiry) has passed
    assert poller.retry_after(died=True, elapsed=2.0) == 59
    # while a message whose invocation answered (its lock released) returns after 1 s
    assert poller.retry_after(died=False, elapsed=2.0) == 1


def test_schedules_run_at_their_rate():
    assert rate_seconds("rate(1 minute)") == 60 and rate_seconds("rate(2 hours)") == 7200
    with pytest.raises(TemplateError):
        rate_seconds("cron(0 12 * * ? *)")


def test_throttling_answers_dynamodb_as_aws_does_and_botocore_retries_it(monkeypatch):
    import boto3
    from botocore.exceptions import ClientError

    # Given every DynamoDB call throttled by the worker's hook
    monkeypatch.setenv("LOANPIPE_LOCAL_FAULTS", json.dumps({"throttle": 1.0}))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    faults = Faults.from_environment()
    faults.install_throttling()
    client = boto3.client("dynamodb", endpoint_url="http://127.0.0.1:9")
    # When a call is made, Then it fails as a throttle after the SDK's retries (no request left the process)
    with pytest.raises(ClientError) as throttled:
        client.get_item(TableName="t", Key={"pk": {"S": "x"}})
    assert throttled.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert throttled.value.response["ResponseMetadata"]["MaxAttemptsReached"]
    boto3.DEFAULT_SESSION = None


def test_faults_raise_before_or_after_the_handler_and_stop_when_switched_off(tmp_path):
    off = tmp_path / "off"
    faults = Faults(raise_before=1.0, raise_after=0.0, off_file=str(off))
    with pytest.raises(InjectedFault):
        faults.before()
    off.touch()
    faults.before()  # an operator fixed the cause: nothing is injected
