"""The local Lambda runtime: timeouts kill the execution environment, crashes are contained."""

from __future__ import annotations

import textwrap

import pytest

from loanpipe_infra.localcloud.runtime import FunctionPool
from loanpipe_infra.localcloud.specs import FunctionSpec

pytestmark = pytest.mark.integration

HANDLER = textwrap.dedent('''
    import os, time

    def handler(event, context):
        if event.get("sleep"):
            time.sleep(event["sleep"])
        if event.get("exit"):
            os._exit(3)
        if event.get("raise"):
            raise ValueError("bad event")
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
