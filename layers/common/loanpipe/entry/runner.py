"""What every queue-driven stage handler does around its stage: parse the versioned message, take the
application id as the logs' correlation id, run the stage once per business key (powertools Idempotency
on the message's ``idempotency_key()``: application + stage + round, or bucket + key + ETag for an upload;
never the SQS message id), then log and count the outcome.

A malformed message raises (pydantic ValidationError): it is reported as a batch item failure, retried,
and reaches the DLQ after maxReceiveCount, where operators see it; it never blocks the rest of its batch.

The machinery is built on the first batch (or by ``prepare``), not when the handler is imported: powertools'
batch utilities (with asyncio), its idempotency (with boto3), pydantic and the stage's message model.

When the stage raises on a message's last attempt (its receive count has reached the queue's maxReceiveCount,
read once from the queue's redrive policy), the runner records the failure on the application before the
message goes to the DLQ (``on_exhausted``: ``service.stalls``), so the officer sees a stage that gave up
instead of "wait". A function that dies cannot do this; the stall recorder does it from the dead letter.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

if TYPE_CHECKING:
    # Imported on the first message: powertools' batch brings asyncio, its idempotency boto3.
    from aws_lambda_powertools import Logger, Metrics
    from aws_lambda_powertools.utilities.batch import BatchProcessor
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from pydantic import BaseModel, TypeAdapter

IDEMPOTENCY_HOURS = 24
SAFETY_MARGIN_SECONDS = 10.0  # left to the stage to write its outcome after its own work
DEFAULT_BUDGET_SECONDS = 45.0  # outside Lambda (no context): the extract function's read budget


def business_key_idempotency() -> IdempotencyConfig:
    """Idempotency on the ``key`` of the payload (a business key), kept a day."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(event_key_jmespath="key", expires_after_seconds=IDEMPOTENCY_HOURS * 3600,
                             raise_on_no_idempotency_key=True)


def time_budget(context: LambdaContext | None) -> float:
    """Seconds the stage may spend on its own work in this invocation."""
    if context is None:
        return DEFAULT_BUDGET_SECONDS
    return max(5.0, context.get_remaining_time_in_millis() / 1000 - SAFETY_MARGIN_SECONDS)


class StageRunner:
    """Runs ``stage(message, deps, budget_seconds=...)`` once per business key for every message of a record.

    ``message_type()`` returns the stage's message model, or a discriminated union of models (one queue carrying
    several kinds of message); it is called on the first message. ``messages(record)`` turns one SQS record into
    the stage's messages (one, or several for an S3 notification; none for S3's test event). The stage returns
    its outcome: a string, or a dict with an ``outcome`` key and what else the logs should carry.
    """

    def __init__(self, message_type: Callable[[], Any], stage: Callable[..., Any], deps: Callable[[], Any],
                 idempotency_table: Callable[[], str], dynamodb: Callable[[], Any], *, logger: Logger,
                 metrics: Metrics, metric_prefix: str,
                 messages: Callable[[SQSRecord], Iterable[BaseModel]] | None = None,
                 correlation_id: Callable[[Any], str | None] | None = None,
                 on_exhausted: Callable[[Any, BaseException], None] | None = None,
                 max_receive_count: Callable[[str], int | None] | None = None):
        self._message_type = message_type
        self._stage = stage
        self._deps = deps
        self._table = idempotency_table
        self._dynamodb = dynamodb
        self._logger = logger
        self._metrics = metrics
        self._prefix = metric_prefix
        self._messages = messages or (lambda record: [self._adapter.validate_json(record.body)])
        self._correlation_id = correlation_id or (lambda message: message.application_id)
        self._on_exhausted = on_exhausted
        self._max_receive_count = functools.cache(max_receive_count) if max_receive_count else None
        self._context: LambdaContext | None = None

    def prepare(self) -> None:
        """Build now what the first batch would build: the batch processor, the message model, the idempotency
        store (its DynamoDB client) and the stage's dependencies (settings, clients, policy). Calls no AWS API."""
        _ = self.processor, self._adapter, self._run_once
        self._deps()

    @functools.cached_property
    def processor(self) -> BatchProcessor:
        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

        return BatchProcessor(event_type=EventType.SQS)

    @functools.cached_property
    def _adapter(self) -> TypeAdapter[BaseModel]:
        from pydantic import TypeAdapter

        return TypeAdapter(self._message_type())

    @functools.cached_property
    def idempotency(self) -> IdempotencyConfig:
        return business_key_idempotency()

    @functools.cached_property
    def _run_once(self) -> Callable[..., dict]:
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, idempotent_function

        store = DynamoDBPersistenceLayer(table_name=self._table(), boto3_client=self._dynamodb())

        @idempotent_function(data_keyword_argument="request", config=self.idempotency, persistence_store=store)
        def run(request: dict, budget_seconds: float) -> dict:
            message = self._adapter.validate_python(request["message"])
            outcome = self._stage(message, self._deps(), budget_seconds=budget_seconds)
            return outcome if isinstance(outcome, dict) else {"outcome": str(outcome)}

        return run

    def _last_attempt(self, record: SQSRecord) -> bool:
        if self._max_receive_count is None:
            return False
        try:
            limit = self._max_receive_count(record.event_source_arn)
        except Exception:  # noqa: BLE001 - cannot tell: the stall recorder still records it from the DLQ
            self._logger.warning("could not read the queue's redrive policy", exc_info=True)
            return False
        return limit is not None and int(record.attributes.approximate_receive_count) >= limit

    def _run(self, record: SQSRecord, message: BaseModel) -> dict:
        try:
            return self._run_once(request={"key": message.idempotency_key(), "message": message.model_dump()},
                                  budget_seconds=time_budget(self._context))
        except Exception as exc:
            # A key in progress elsewhere is a duplicate: the copy that holds it does the work (or dies, and
            # its own message is retried), so it is no stage failure.
            duplicate = type(exc).__name__ == "IdempotencyAlreadyInProgressError"
            if self._on_exhausted is not None and not duplicate and self._last_attempt(record):
                try:
                    self._on_exhausted(message, exc)
                except Exception:  # noqa: BLE001 - the stall recorder records it from the DLQ instead
                    self._logger.warning("could not record the stage failure", exc_info=True)
            raise

    def __call__(self, record: SQSRecord) -> None:
        for message in self._messages(record):
            self._logger.set_correlation_id(self._correlation_id(message))
            result = self._run(record, message)
            details = {k: v for k, v in result.items() if k != "outcome"}
            if hasattr(message, "round"):
                details["round"] = message.round
            self._logger.info("stage request handled", stage=self._prefix, outcome=result["outcome"], **details)
            self._metrics.add_metric(name=f"{self._prefix}_{result['outcome']}", unit=MetricUnit.Count, value=1)

    def handle_batch(self, event: dict, context: LambdaContext) -> dict:
        """The whole SQS batch, reported as partial failures (one bad record never fails the others)."""
        from aws_lambda_powertools.utilities.batch import process_partial_response

        self._context = context
        self.idempotency.register_lambda_context(context)
        return process_partial_response(event=event, record_handler=self, processor=self.processor,
                                        context=context)
