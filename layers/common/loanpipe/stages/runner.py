"""What every queue-driven stage handler does around its stage: parse the versioned message, take the
application id as the logs' correlation id, run the stage once per business key (powertools Idempotency
on application + stage + round, never the SQS message id), then log and count the outcome.

A malformed message raises (pydantic ValidationError): it is reported as a batch item failure, retried,
and reaches the DLQ after maxReceiveCount, where operators see it; it never blocks the rest of its batch.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from loanpipe.adapters.clients import client

IDEMPOTENCY_HOURS = 24


def business_key_idempotency() -> IdempotencyConfig:
    """Idempotency on the ``key`` of the payload (a business key), kept a day."""
    return IdempotencyConfig(event_key_jmespath="key", expires_after_seconds=IDEMPOTENCY_HOURS * 3600,
                             raise_on_no_idempotency_key=True)


class StageRunner:
    def __init__(self, message_type: type, stage: Callable[[Any, Any], str], deps: Callable[[], Any],
                 idempotency_table: Callable[[], str], *, logger: Logger, metrics: Metrics, metric_prefix: str):
        self._message_type = message_type
        self._stage = stage
        self._deps = deps
        self._table = idempotency_table
        self._logger = logger
        self._metrics = metrics
        self._prefix = metric_prefix
        self.idempotency = business_key_idempotency()

    @functools.cached_property
    def _run_once(self) -> Callable[..., dict]:
        store = DynamoDBPersistenceLayer(table_name=self._table(), boto3_client=client("dynamodb"))

        @idempotent_function(data_keyword_argument="request", config=self.idempotency, persistence_store=store)
        def run(request: dict) -> dict:
            return {"outcome": self._stage(self._message_type.model_validate(request["message"]), self._deps())}

        return run

    def __call__(self, record: SQSRecord) -> None:
        message = self._message_type.model_validate_json(record.body)
        self._logger.set_correlation_id(message.application_id)
        result = self._run_once(request={"key": message.idempotency_key(), "message": message.model_dump()})
        self._logger.info("stage request handled", stage=self._prefix, outcome=result["outcome"], round=message.round)
        self._metrics.add_metric(name=f"{self._prefix}_{result['outcome']}", unit=MetricUnit.Count, value=1)
