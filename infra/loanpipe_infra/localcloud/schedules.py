"""``Schedule`` events of the template's functions on the local cloud: EventBridge's scheduled invocations.

A timer per schedule invokes the function with the event EventBridge sends (``detail-type: Scheduled Event``)
every period of its ``rate(...)`` expression, the first time one period after the cloud started. Only
``rate`` expressions are run (``cron`` ones are refused when the template is read, so none is silently
skipped). ``fire`` runs one at once: what an operator, the demo or a test does instead of waiting.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from datetime import UTC, datetime

from loanpipe_infra.localcloud.runtime import FunctionPool, InvocationResult
from loanpipe_infra.localcloud.specs import ACCOUNT_ID, REGION, ScheduleSource
from loanpipe_infra.localcloud.template import TemplateError

log = logging.getLogger(__name__)
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> int:
    """``rate(15 minutes)`` -> 900."""
    match = _RATE.match(expression.strip())
    if match is None:
        raise TemplateError(f"schedule {expression!r}: the local cloud runs rate(N unit) expressions only")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]


def scheduled_event(rule_name: str) -> dict:
    """The event EventBridge gives a function on a schedule."""
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": ACCOUNT_ID, "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "region": REGION,
            "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{rule_name}"], "detail": {}}


class ScheduleTimer:
    def __init__(self, pool: FunctionPool, source: ScheduleSource):
        self.pool = pool
        self.source = source
        self._lock = threading.Lock()  # one run at a time (the scheduled functions' reserved concurrency is 1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"schedule-{source.name}")
        self.runs = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def fire(self) -> InvocationResult:
        with self._lock:
            result = self.pool.invoke(scheduled_event(f"{self.pool.spec.logical_id}-{self.source.name}"))
            self.runs += 1
        if result.ok:
            log.info("%s ran on schedule: %s", self.pool.spec.logical_id, json.dumps(result.result, default=str)[:200])
        return result

    def _run(self) -> None:
        while not self._stop.wait(self.source.rate_seconds):
            try:
                self.fire()
            except Exception:  # a failed run is the function's; the next period runs again, as on AWS
                log.exception("scheduled run of %s failed", self.pool.spec.logical_id)
