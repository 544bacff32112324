"""The local Lambda runtime: timeouts kill the execution environment, crashes are contained."""

from __future__ import annotations

import json
import textwrap
import uuid

import pytest

from integration.support import dead_letter_bodies, queue_depth, wait_for
from loanpipe_infra.localcloud.pollers import QueuePoller
from loanpipe_infra.localcloud.runtime import FunctionPool
from loanpipe_infra.localcloud.specs import FunctionSpec, SqsEventSource

pytestmark = pytest.mark.integration

HANDLER = textwrap.dedent('''
    import json, os, time

    def handler(event, context):
        if event.get("Records"):  # an SQS batch of one: its body is the request
            event = json.loads(event["Records"][0]["body"])
        if event.get("sleep"):
            time.sleep(event["sleep"])
        if event.get("exit"):
            os._exit(3)
        if event.get("raise"):
            raise ValueError("bad event")
        if event.get("allocate_mb"):
            held = b"x" * (event["allocate_mb"] << 20)  # touched: resident, as a decoded stream would be
            time.sleep(0.2)
            return {"held": len(held)}
        return {"pid": os.getpid(), "env": os.environ.get("GREETING"),
                "remaining_ms": context.get_remaining_time_in_millis()}
''')


@pytest.fixture
def pool(tmp_path):
    code = tmp_path / "fn"
    code.mkdir()
    (code / "app.py").write_text(HANDLER)
    spec = FunctionSpec(logical_id="SleepyFunction", name="sleepy", code_dir=code, handler="app.handler", timeout=2,
                        memory_mb=128, environment={"GREETING": "ni hao"}, reserved_concurrency=None, layers=[])
    pool = FunctionPool(spec, {}, tmp_path, concurrency=1)
    yield pool
    pool.close()


def test_a_function_sees_its_environment_and_its_remaining_time(pool):
    result = pool.invoke({})
    assert result.ok and result.result["env"] == "ni hao"
    assert 0 < result.result["remaining_ms"] <= 2000


def test_an_invocation_past_the_timeout_is_killed_and_the_next_one_gets_a_fresh_environment(pool):
    first = pool.invoke({})
    timed_out = pool.invoke({"sleep": 5})
    assert not timed_out.ok and timed_out.error_type == "Sandbox.Timedout"
    after = pool.invoke({})
    assert after.ok and after.result["pid"] != first.result["pid"]


def test_a_handler_error_is_reported_and_the_environment_stays_warm(pool):
    first = pool.invoke({})
    failed = pool.invoke({"raise": True})
    assert not failed.ok and failed.error_type == "ValueError" and failed.error_message == "bad event"
    assert pool.invoke({}).result["pid"] == first.result["pid"]


def test_a_crashing_environment_is_replaced(pool):
    crashed = pool.invoke({"exit": True})
    assert not crashed.ok and crashed.error_type == "Runtime.ExitError"
    assert pool.invoke({}).ok


def test_an_invocation_over_the_memory_size_is_killed_and_reported_as_lambda_reports_it(pool):
    # Given a warm execution environment of a function with MemorySize 128
    first = pool.invoke({})
    assert first.ok and 0 < first.max_memory_mb < 128
    # When an invocation holds 300 MB
    over = pool.invoke({"allocate_mb": 300})
    # Then it fails as on Lambda: out of memory, the environment killed, the next invocation in a fresh one
    assert not over.ok and over.error_type == "Runtime.OutOfMemory"
    assert "Runtime exited with error: signal: killed" in over.error_message
    assert "MemorySize 128 MB" in over.error_message
    assert over.max_memory_mb > 128
    after = pool.invoke({})
    assert after.ok and after.result["pid"] != first.result["pid"]


def test_an_invocation_within_the_memory_size_is_not_disturbed(pool):
    within = pool.invoke({"allocate_mb": 40})
    assert within.ok and within.result["held"] == 40 << 20 and within.max_memory_mb < 128


def test_a_message_whose_invocation_runs_out_of_memory_comes_back_and_after_max_receive_count_is_dead_lettered(
        local_cloud, pool):
    # Given a queue with a DLQ after 2 receives, polled for the 128 MB function as Lambda polls it
    sqs = local_cloud.client("sqs")
    name = f"oom-{uuid.uuid4().hex[:8]}"
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "30", "RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    poller = QueuePoller(sqs, pool, SqsEventSource(name=name, queue_arn=arn, queue_url=url, batch_size=1,
                                                   maximum_concurrency=None, report_batch_item_failures=True),
                         retry_delay=1)
    # When a message makes every invocation hold 300 MB
    body = json.dumps({"allocate_mb": 300})
    sqs.send_message(QueueUrl=url, MessageBody=body)
    poller.start()
    try:
        wait_for(lambda: queue_depth(sqs, dlq), lambda depth: depth == 1, timeout=60)
    finally:
        poller.stop()
    # Then each receive ran out of memory, and the message is in the DLQ, not lost and not on the queue
    assert pool.errors == 2 and pool.invocations == 2
    assert dead_letter_bodies(sqs, dlq) == [body] and queue_depth(sqs, url) == 0
