"""SQS event-source mappings, as Lambda runs them.

A poller per (function, queue): it receives up to BatchSize messages, invokes the function with an
SQS event, deletes what succeeded and leaves what failed on the queue. Failed messages come back
after their visibility timeout and, after maxReceiveCount receives, SQS moves them to the DLQ.

One local difference, on purpose: AWS leaves a failed message invisible for the whole visibility
timeout (6 x the function timeout, minutes). Locally the poller shortens that wait to
``retry_delay`` seconds, so a poison message reaches its DLQ in seconds instead of half an hour.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from loanpipe_infra.localcloud.runtime import FunctionPool
from loanpipe_infra.localcloud.specs import REGION, SqsEventSource

log = logging.getLogger(__name__)


def sqs_event(messages: list[dict], source: SqsEventSource) -> dict:
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": message.get("MessageAttributes", {}),
                "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),  # noqa: S324
                "eventSource": "aws:sqs",
                "eventSourceARN": source.queue_arn,
                "awsRegion": REGION,
            }
            for message in messages
        ]
    }


class QueuePoller:
    def __init__(self, sqs: Any, pool: FunctionPool, source: SqsEventSource, retry_delay: float | None = None,
                 concurrency: int | None = None):
        self._sqs = sqs
        self._pool = pool
        self.source = source
        self._retry_delay = retry_delay
        self.visibility_timeout = self._visibility_timeout()
        self._concurrency = concurrency or pool.concurrency
        self._stop = threading.Event()
        self._executor = ThreadPoolExecutor(max_workers=self._concurrency,
                                            thread_name_prefix=f"poll-{pool.spec.logical_id}")
        self._inflight = threading.Semaphore(self._concurrency)
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"poller-{source.name}")
        self.batches = 0
        self.failed_items = 0
        self.lost_batches = 0
        self.pickups: list[tuple[float, float]] = []  # (time received, age in s since sent): queue wait, for benchmarks
        self._generation = 0  # bumped by crash(): batches of an older generation are forgotten
        self._busy = 0
        self._busy_lock = threading.Lock()

    def _visibility_timeout(self) -> int:
        attrs = self._sqs.get_queue_attributes(QueueUrl=self.source.queue_url,
                                               AttributeNames=["VisibilityTimeout"])["Attributes"]
        return int(attrs.get("VisibilityTimeout", 30))

    def retry_after(self, died: bool, elapsed: float) -> int:
        """Seconds until a failed message is visible again (see the module's docstring)."""
        if self._retry_delay is None:
            return self.visibility_timeout
        wait = float(self._retry_delay)
        if died:  # the dead invocation's idempotency lock holds until its deadline
            wait = max(wait, self._pool.spec.timeout - elapsed + 1)
        return max(0, min(int(round(wait)), self.visibility_timeout))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._executor.shutdown(wait=True, cancel_futures=True)

    def crash(self) -> None:
        """The poller dies and restarts mid-batch (chaos): the batches it was running finish in their functions,
        but their results are lost, so nothing is deleted and their messages come back after the queue's
        visibility timeout, as when Lambda's poller loses a batch."""
        self._generation += 1

    @property
    def busy(self) -> bool:
        with self._busy_lock:
            return self._busy > 0

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._inflight.acquire(timeout=0.5):
                continue
            try:
                messages = self._receive()
            except Exception:  # the poller must outlive any error: log, back off, go on
                log.exception("receive from %s failed", self.source.name)
                self._inflight.release()
                self._stop.wait(1.0)
                continue
            if not messages:
                self._inflight.release()
                continue
            now = time.time()
            self.pickups += [(now, now - int(m.get("Attributes", {}).get("SentTimestamp", now * 1000)) / 1000)
                             for m in messages]
            with self._busy_lock:
                self._busy += 1
            self._executor.submit(self._process, messages, self._generation)

    def _receive(self) -> list[dict]:
        response = self._sqs.receive_message(
            QueueUrl=self.source.queue_url,
            MaxNumberOfMessages=max(1, min(self.source.batch_size, 10)),
            WaitTimeSeconds=1,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return response.get("Messages", [])

    def _process(self, messages: list[dict], generation: int = 0) -> None:
        try:
            self.batches += 1
            started = time.monotonic()
            result = self._pool.invoke(sqs_event(messages, self.source))
            if generation != self._generation:
                self.lost_batches += 1
                return
            died = not result.ok and (result.error_type or "").startswith(("Sandbox.", "Runtime.Exit"))
            wait = self.retry_after(died, time.monotonic() - started)
            by_id = {message["MessageId"]: message for message in messages}
            if not result.ok:
                failed = set(by_id)
            elif self.source.report_batch_item_failures and isinstance(result.result, dict):
                failures = result.result.get("batchItemFailures") or []
                failed = {item.get("itemIdentifier") for item in failures}
                if failed - set(by_id):
                    # An identifier that is not in the batch: Lambda treats the whole batch as failed.
                    failed = set(by_id)
            else:
                failed = set()
            done = [by_id[mid] for mid in by_id if mid not in failed]
            if done:
                self._sqs.delete_message_batch(
                    QueueUrl=self.source.queue_url,
                    Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
                )
            for mid in failed:
                self.failed_items += 1
                self._retry_later(by_id[mid], wait)
        except Exception:
            log.exception("processing a batch from %s failed", self.source.name)
        finally:
            with self._busy_lock:
                self._busy -= 1
            self._inflight.release()

    def _retry_later(self, message: dict, wait: int) -> None:
        if wait >= self.visibility_timeout:
            return  # the message comes back after the queue's visibility timeout by itself
        try:
            self._sqs.change_message_visibility(
                QueueUrl=self.source.queue_url,
                ReceiptHandle=message["ReceiptHandle"],
                VisibilityTimeout=wait,
            )
        except ClientError:
            log.warning("could not shorten the visibility of a failed message; it returns after the timeout")


def wait_until_idle(sqs: Any, pollers: list[QueuePoller], timeout: float, settle: float = 1.0) -> bool:
    """True once every polled queue is empty (visible and in flight) and no batch runs, for ``settle`` s."""
    deadline = time.monotonic() + timeout
    quiet_since: float | None = None
    while time.monotonic() < deadline:
        busy = any(poller.busy for poller in pollers)
        if not busy:
            for poller in pollers:
                attrs = sqs.get_queue_attributes(
                    QueueUrl=poller.source.queue_url,
                    AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
                )["Attributes"]
                if int(attrs["ApproximateNumberOfMessages"]) or int(attrs["ApproximateNumberOfMessagesNotVisible"]):
                    busy = True
                    break
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= settle:
            return True
        time.sleep(0.2)
    return False
