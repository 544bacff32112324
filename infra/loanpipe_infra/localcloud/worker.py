"""One Lambda execution environment: a process that imports a handler once and serves invocations.

Started by ``runtime.FunctionPool`` with the function's environment. The protocol runs over the
original stdout (one JSON line per invocation and per answer); everything the handler prints or logs
goes to stderr, which the pool sends to the function's log file.
"""

from __future__ import annotations

import importlib
import json
import os
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
        try:
            protocol.write(json.dumps(answer, default=str) + "\n")
        except (TypeError, ValueError) as exc:
            failure = {"ok": False, "errorType": "Runtime.MarshalError", "errorMessage": str(exc)}
            protocol.write(json.dumps(failure) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
