"""Fault injection for the local cloud's workers (chaos runs and reliability tests), switched on by configuration.

The local cloud passes ``LOANPIPE_LOCAL_FAULTS`` (JSON) to the worker processes of the functions it names; the
worker (``localcloud.worker``) asks ``Faults`` what to do with each invocation. Production code knows nothing of
it: the handlers and the ``loanpipe`` package run unchanged, and on AWS the variable does not exist.

Configuration (every share is a probability per invocation, 0 by default)::

    {"functions": ["ExtractFunction", ...],   # whose workers get faults (logical ids)
     "seed": 7,
     "raise_before": 0.05,    # raise before the handler runs (nothing done)
     "raise_after": 0.05,     # raise after the handler ran (the work is done, the invocation reports failure)
     "timeout": 0.03,         # hang past the deadline after the handler ran: the pool kills the worker
     "kill": 0.03,            # the process dies mid-handler (SIGKILL-like exit 137, as the OOM killer does),
     "kill_within": 2.0,      #   at a random moment within this many seconds of the start
     "throttle": 0.1,         # a DynamoDB call answered ProvisionedThroughputExceededException (botocore
                              #   retries it as the SDK does on AWS; a call that draws it five times fails)
     "kill_once_file": null,  # a path: the first invocation that creates it is killed kill_within s in (tests)
     "off_file": null}        # a path: no faults while it exists

Each injected fault is written to the function's log (stderr) as ``chaos-fault <kind>``, for the run's counts.
"""

from __future__ import annotations

import json
import os
import random
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

ENV = "LOANPIPE_LOCAL_FAULTS"
KILLED_EXIT = 137  # what a process killed by SIGKILL (the OOM killer) reports


@dataclass
class Faults:
    raise_before: float = 0.0
    raise_after: float = 0.0
    timeout: float = 0.0
    kill: float = 0.0
    kill_within: float = 2.0
    throttle: float = 0.0
    kill_once_file: str | None = None
    off_file: str | None = None  # while this file exists, no fault is injected (an operator "fixed the cause")
    seed: int = 0

    @classmethod
    def from_environment(cls) -> Faults | None:
        raw = os.environ.get(ENV)
        if not raw:
            return None
        config = json.loads(raw)
        known = {name: config[name] for name in cls.__dataclass_fields__ if name in config}
        return cls(**known)

    def __post_init__(self) -> None:
        self._random = random.Random(f"{self.seed}:{os.getpid()}")
        self._timer: threading.Timer | None = None

    def _draw(self, share: float, kind: str = "") -> bool:
        if share <= 0 or (self.off_file and os.path.exists(self.off_file)):
            return False
        drawn = self._random.random() < share
        if drawn and kind:
            sys.stderr.write(f"chaos-fault {kind}\n")
            sys.stderr.flush()
        return drawn

    # ------------------------------------------------------------------ per invocation
    def before(self) -> None:
        """Called before the handler: maybe raise, maybe arm a kill for some moment during the handler."""
        once = self._kill_once()
        if once or self._draw(self.kill, "kill"):
            delay = self.kill_within if once else self._random.uniform(0.0, self.kill_within)
            self._timer = threading.Timer(delay, lambda: os._exit(KILLED_EXIT))
            self._timer.daemon = True
            self._timer.start()
        if self._draw(self.raise_before, "raise_before"):
            raise InjectedFault("injected fault before the handler")

    def after(self, deadline: float) -> None:
        """Called after the handler returned (or raised): maybe hang past the deadline, maybe raise."""
        if self._timer is not None:  # the handler ended before its kill: it lives
            self._timer.cancel()
            self._timer = None
        if self._draw(self.timeout, "timeout"):
            time.sleep(max(0.0, deadline - time.time()) + 5.0)
        if self._draw(self.raise_after, "raise_after"):
            raise InjectedFault("injected fault after the handler")

    def _kill_once(self) -> bool:
        if not self.kill_once_file:
            return False
        try:
            os.close(os.open(self.kill_once_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return False
        return True

    # ------------------------------------------------------------------ DynamoDB throttling
    def install_throttling(self) -> None:
        """A botocore hook on the default session's DynamoDB calls: a share answered with a throttle."""
        if self.throttle <= 0:
            return
        import boto3

        boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        boto3.DEFAULT_SESSION.events.register("before-send.dynamodb", self._throttled)

    def _throttled(self, request: Any = None, **_: Any) -> Any:
        if not self._draw(self.throttle, "throttle"):
            return None
        from botocore.awsrequest import AWSResponse

        body = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                           "message": "The level of configured provisioned throughput for the table was exceeded "
                                      "(injected)"}).encode()

        class _Raw:
            def stream(self, **_: Any):
                yield body

        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "injected"}
        return AWSResponse(request.url if request else "", 400, headers, _Raw())


class InjectedFault(RuntimeError):
    """An exception the chaos configuration raised (never seen outside the local cloud)."""
