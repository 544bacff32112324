"""The local Lambda runtime: timeouts kill the execution environment, crashes are contained."""

from __future__ import annotations

import textwrap

import pytest

from loanpipe_infra.localcloud.runtime import FunctionPool
from loanpipe_infra.localcloud.specs import FunctionSpec

pytestmark = pytest.mark.integration

HANDLER = textwrap.dedent('''
    import os, subprocess, sys, time

    def handler(event, context):
        if event.get("burn"):  # CPU seconds of its own, then a child process's, then memory held
            started = time.process_time()
            while time.process_time() - started < event["burn"]:
                pass
            child = "import time\\nwhile time.process_time() < %r: pass" % event["burn"]
            subprocess.run([sys.executable, "-c", child], check=True)
            held = bytearray(event["megabytes"] << 20)
            held[::4096] = b"x" * len(held[::4096])
            return {"held": len(held)}
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


def test_each_invocation_records_its_cpu_with_its_child_processes_and_the_peak_memory(tmp_path):
    """What Lambda's REPORT line says (duration, max memory used) plus CPU, the child's (Tesseract's) included."""
    code = tmp_path / "fn"
    code.mkdir()
    (code / "app.py").write_text(HANDLER)
    spec = FunctionSpec(logical_id="BusyFunction", name="busy", code_dir=code, handler="app.handler", timeout=60,
                        memory_mb=256, environment={}, reserved_concurrency=None, layers=[])
    pool = FunctionPool(spec, {}, tmp_path, concurrency=1)
    try:
        light = pool.invoke({})
        heavy = pool.invoke({"burn": 0.3, "megabytes": 96})
    finally:
        pool.close()
    assert light.ok and heavy.ok
    light_entry, heavy_entry = pool.log.since(0)
    assert heavy_entry.cpu_s >= 0.6 * 0.95  # its own loop and the child's, each at least 0.3 s of CPU
    assert light_entry.cpu_s < 0.2
    assert heavy_entry.max_rss_mb >= 96 > light_entry.max_rss_mb
    assert heavy_entry.duration_ms >= light_entry.duration_ms
