"""One Lambda execution environment: a process that imports a handler once and serves invocations.

Started by ``runtime.FunctionPool`` with the function's environment. The protocol runs over the
original stdout (one JSON line per invocation and per answer); everything the handler prints or logs
goes to stderr, which the pool sends to the function's log file.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import time
import traceback
import uuid


class LambdaContext:
    """The attributes of the Lambda context object that handlers and powertools read."""

    def __init__(self, function_name: str, memory_mb: int, deadline: float, request_id: str, arn: str):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = arn
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"local/{os.getpid()}"
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


def _peak_rss_kb() -> int:
    """This environment's peak resident memory (VmHWM). Not ``ru_maxrss``: Linux carries a process's maxrss
    across fork and exec, so a worker started by the big local-cloud process would report the parent's size."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _usage() -> tuple[float, float, int, int]:
    """CPU seconds so far of this environment and of the programs it ran (Tesseract); its peak RSS and the largest
    child's ``ru_maxrss`` in kB (an upper bound: a child forked from this process starts at this process's size)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime, _peak_rss_kb(), children.ru_maxrss)


def measured(before: tuple[float, float, int, int]) -> dict:
    """What one invocation cost, as Lambda's REPORT line would tell: the CPU it spent (its own and its child
    processes'), the environment's peak memory so far, and the largest child's beside it."""
    after = _usage()
    return {"cpu_s": round(after[0] - before[0], 6), "child_cpu_s": round(after[1] - before[1], 6),
            "max_rss_kb": after[2], "child_max_rss_kb": after[3]}


def _faults():
    """Chaos configuration of the local cloud (``localcloud.faults``), None when off (always, outside chaos)."""
    from loanpipe_infra.localcloud.faults import Faults

    faults = Faults.from_environment()
    if faults:
        faults.install_throttling()
    return faults


def main() -> int:
    code_dir, handler_spec = sys.argv[1], sys.argv[2]
    protocol = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # handler output -> the log file
    sys.stdout = sys.stderr
    sys.path.insert(0, code_dir)
    module_name, function_name = handler_spec.rsplit(".", 1)
    function_arn = os.environ.get("LOANPIPE_FUNCTION_ARN", "")
    memory_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
    faults = _faults()
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
        protocol.write(json.dumps({"ready": True}) + "\n")
    except Exception as exc:  # an import error is reported like Lambda's Runtime.ImportModuleError
        protocol.write(json.dumps({"ready": False, "errorType": type(exc).__name__, "errorMessage": str(exc)}) + "\n")
        return 1
    for line in sys.stdin:
        request = json.loads(line)
        request_id = request.get("request_id") or str(uuid.uuid4())
        context = LambdaContext(os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local"), memory_mb,
                                request["deadline"], request_id, function_arn)
        before = _usage()
        try:
            if faults:
                faults.before()
            try:
                result = handler(request["event"], context)
            finally:
                if faults:
                    faults.after(request["deadline"])
            answer = {"ok": True, "result": result}
        except Exception as exc:
            traceback.print_exc()
            answer = {"ok": False, "errorType": type(exc).__name__, "errorMessage": str(exc)}
        answer["usage"] = measured(before)
        try:
            protocol.write(json.dumps(answer, default=str) + "\n")
        except (TypeError, ValueError) as exc:
            failure = {"ok": False, "errorType": "Runtime.MarshalError", "errorMessage": str(exc),
                       "usage": answer["usage"]}
            protocol.write(json.dumps(failure) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
