"""Lambda-like execution of the template's functions on this machine.

Each function gets a pool of worker processes (warm execution environments) started with the
function's own environment variables; the pool size is the function's concurrency. An invocation
that outlives the function's timeout kills its worker, as Lambda does, and is reported as an error.
A worker that crashes is replaced; the caller (poller or gateway) sees an invocation error.

Memory is enforced as Lambda enforces it (a cgroup on the sandbox's resident memory), not with
``RLIMIT_AS``: a warm extract worker maps about twice what it holds (measured: 925 MB of address space,
421 MB resident after a 3-page scan; numpy, OpenCV and ONNX Runtime reserve address space they never touch),
so an address-space limit at ``MemorySize`` would fail allocations Lambda allows. While an invocation runs,
a watchdog reads the worker's peak resident memory (``VmHWM``, so a spike between two looks is not missed)
plus what its child processes (Tesseract) hold; above ``MemorySize`` the worker is killed and the invocation
reported as Lambda reports it (``Runtime.OutOfMemory``, "Runtime exited with error: signal: killed"): the
message comes back and, after maxReceiveCount, goes to the DLQ.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loanpipe_infra.localcloud.specs import FunctionSpec

log = logging.getLogger(__name__)

MEMORY_POLL_SECONDS = 0.05
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
_MB = 1024 * 1024


def _read(path: str) -> str:
    with open(path) as handle:
        return handle.read()


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        found.extend(int(child) for child in _read(f"/proc/{pid}/task/{task}/children").split())
    return found


def memory_used_mb(pid: int) -> float:
    """What Lambda would count for the execution environment: the worker's peak resident memory (VmHWM) and
    the resident memory of its descendants now, in MB. 0 once the process is gone."""
    try:
        status = _read(f"/proc/{pid}/status")
        peak_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
        pending = _children(pid)
    except (OSError, StopIteration, ValueError):
        return 0.0
    total = peak_kb * 1024
    seen: set[int] = set()
    while pending:
        child = pending.pop()
        if child in seen:
            continue
        seen.add(child)
        try:
            total += int(_read(f"/proc/{child}/statm").split()[1]) * _PAGE_BYTES
            pending.extend(_children(child))
        except (OSError, ValueError, IndexError):
            continue
    return total / _MB


@dataclass
class InvocationResult:
    ok: bool
    result: Any = None
    error_type: str | None = None
    error_message: str | None = None
    duration_ms: float = 0.0
    max_memory_mb: float = 0.0  # as Lambda's REPORT line: the environment's peak resident memory
    usage: dict | None = None  # the worker's figures for this invocation (worker.measured): CPU and peak RSS


_TIMED_OUT = object()
_PENDING = object()


@dataclass(frozen=True)
class Invocation:
    """One invocation's figures, as Lambda reports them (duration, max memory used) plus the CPU it spent."""

    duration_ms: float
    cpu_s: float  # the environment's own CPU plus its child processes' (Tesseract)
    max_rss_mb: float  # the environment's peak RSS so far (Lambda's "Max Memory Used")
    child_max_rss_mb: float  # the largest child process's maxrss (Tesseract), an upper bound (see worker._usage)
    ok: bool
    ended_at: float  # epoch seconds when the answer came back (it started duration_ms earlier)


class InvocationLog:
    """The figures of a function's invocations (the benchmarks read them); kept up to ``limit`` entries."""

    def __init__(self, limit: int = 200_000):
        self._limit = limit
        self._lock = threading.Lock()
        self.entries: list[Invocation] = []

    def record(self, result: InvocationResult) -> None:
        usage = result.usage or {}
        entry = Invocation(result.duration_ms, usage.get("cpu_s", 0.0) + usage.get("child_cpu_s", 0.0),
                           usage.get("max_rss_kb", 0) / 1024, usage.get("child_max_rss_kb", 0) / 1024, result.ok,
                           time.time())
        with self._lock:
            if len(self.entries) < self._limit:
                self.entries.append(entry)

    def since(self, start: int) -> list[Invocation]:
        with self._lock:
            return list(self.entries[start:])


class _Worker:
    def __init__(self, spec: FunctionSpec, env: dict[str, str], log_path: Path):
        self.spec = spec
        self._log = open(log_path, "ab")  # noqa: SIM115 - lives as long as the worker
        self.process = subprocess.Popen(
            [sys.executable, "-m", "loanpipe_infra.localcloud.worker", str(spec.code_dir), spec.handler],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=env,
            cwd=str(spec.code_dir),
            text=True,
            bufsize=1,
        )
        self._answers: queue.Queue[dict | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True, name=f"worker-read-{spec.logical_id}")
        self._reader.start()
        self.ready: dict | None = None

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                self._answers.put(json.loads(line))
            except json.JSONDecodeError:
                continue
        self._answers.put(None)  # the process ended

    def wait_ready(self, timeout: float) -> dict:
        if self.ready is None:
            try:
                answer = self._answers.get(timeout=timeout)
            except queue.Empty:
                answer = None
            self.ready = answer or {"ready": False, "errorType": "Runtime.InitError",
                                    "errorMessage": "the execution environment did not start"}
        return self.ready

    def invoke(self, event: dict, timeout: float) -> InvocationResult:
        started = time.monotonic()
        ready = self.wait_ready(timeout=max(timeout, 60))
        if not ready.get("ready"):
            return InvocationResult(False, error_type=ready.get("errorType"), error_message=ready.get("errorMessage"))
        request = {"event": event, "deadline": time.time() + timeout, "request_id": str(uuid.uuid4())}
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps(request, default=str) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            return InvocationResult(False, error_type="Runtime.ExitError", error_message="the worker process exited")
        answer, used = self._await_answer(started + timeout + 0.5)
        duration_ms = (time.monotonic() - started) * 1000
        if used > self.spec.memory_mb:
            self.kill()
            return InvocationResult(False, error_type="Runtime.OutOfMemory",
                                    error_message=f"Runtime exited with error: signal: killed (out of memory: "
                                                  f"{used:.0f} MB used, MemorySize {self.spec.memory_mb} MB)",
                                    duration_ms=duration_ms, max_memory_mb=used)
        if answer is _TIMED_OUT:
            self.kill()
            return InvocationResult(False, error_type="Sandbox.Timedout",
                                    error_message=f"Task timed out after {timeout:.2f} seconds",
                                    duration_ms=duration_ms, max_memory_mb=used)
        if answer is None:  # its output closed: the process is ending; reaped here, so it is never reused
            self.kill()
            return InvocationResult(False, error_type="Runtime.ExitError",
                                    error_message=f"the worker exited with {self.process.poll()}",
                                    duration_ms=duration_ms, max_memory_mb=used)
        if answer.get("ok"):
            return InvocationResult(True, result=answer.get("result"), duration_ms=duration_ms, max_memory_mb=used,
                                    usage=answer.get("usage"))
        return InvocationResult(False, error_type=answer.get("errorType"), error_message=answer.get("errorMessage"),
                                duration_ms=duration_ms, max_memory_mb=used, usage=answer.get("usage"))

    def _await_answer(self, deadline: float) -> tuple[Any, float]:
        """The worker's answer (None: it exited; ``_TIMED_OUT``) and the memory it used, watched every
        ``MEMORY_POLL_SECONDS``: it stops waiting as soon as the environment is over its ``MemorySize``."""
        used = 0.0
        while True:
            try:
                answer = self._answers.get(timeout=max(0.01, min(MEMORY_POLL_SECONDS, deadline - time.monotonic())))
            except queue.Empty:
                answer = _TIMED_OUT if time.monotonic() >= deadline else _PENDING
            used = max(used, memory_used_mb(self.process.pid))
            if answer is not _PENDING or used > self.spec.memory_mb:
                return answer, used

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.alive:
            self.process.kill()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self._log.close()


class FunctionPool:
    """At most ``concurrency`` warm workers for one function; callers block while all are busy."""

    def __init__(self, spec: FunctionSpec, base_env: dict[str, str], log_dir: Path, concurrency: int):
        self.spec = spec
        self.concurrency = max(1, concurrency)
        self._env = self._environment(spec, base_env)
        self._log_path = log_dir / f"{spec.logical_id}.log"
        self._idle: list[_Worker] = []
        self._count = 0
        self._lock = threading.Condition()
        self._closed = False
        self.invocations = 0
        self.errors = 0
        self.log = InvocationLog()
        self.error_types: Counter[str] = Counter()

    @staticmethod
    def _environment(spec: FunctionSpec, base_env: dict[str, str]) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "POWERTOOLS_"))}
        env.update(base_env)
        env.update(spec.environment)
        env.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "LOANPIPE_FUNCTION_ARN": f"arn:aws:lambda:local:function:{spec.name}",
                # botocore puts it in its User-Agent: the local cloud counts each function's AWS calls by it
                "AWS_SDK_UA_APP_ID": spec.logical_id,
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def warm(self) -> None:
        """Start one worker ahead of the first invocation (the cold start happens now)."""
        with self._lock:
            if self._count >= self.concurrency:
                return
            self._count += 1
        worker = _Worker(self.spec, self._env, self._log_path)
        worker.wait_ready(timeout=120)
        self._release(worker)

    def invoke(self, event: dict) -> InvocationResult:
        worker = self._acquire()
        try:
            result = worker.invoke(event, timeout=float(self.spec.timeout))
        except Exception:
            worker.kill()
            raise
        finally:
            self._release(worker)
        self.invocations += 1
        self.log.record(result)
        if not result.ok:
            self.errors += 1
            self.error_types[result.error_type or "unknown"] += 1
            log.warning("%s invocation failed: %s %s", self.spec.logical_id, result.error_type, result.error_message)
        return result

    def _acquire(self) -> _Worker:
        with self._lock:
            while True:
                if self._closed:
                    raise RuntimeError("the local cloud is stopping")
                if self._idle:
                    return self._idle.pop()
                if self._count < self.concurrency:
                    self._count += 1
                    break
                self._lock.wait()
        return _Worker(self.spec, self._env, self._log_path)

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            if worker.alive and not self._closed:
                self._idle.append(worker)
            else:
                worker.kill()
                self._count -= 1
            self._lock.notify()

    def available(self) -> bool:
        with self._lock:
            return bool(self._idle) or self._count < self.concurrency

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            self._lock.notify_all()
        for worker in idle:
            worker.kill()
