"""Stage failures made visible (``service.stalls``), the wiring: the runner's record of a stage that raised on
its last attempt, and the stall recorder (``functions/stalls``) that records every dead letter of the stage queues
on its application. Built on first use, as the rest of the composition root."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics

from loanpipe.domain.environment import EnvironmentSettings


def max_receive_count(queue_arn: str) -> int | None:
    """The maxReceiveCount of a queue's redrive policy (None: the queue has none)."""
    import json

    from loanpipe.adapters.clients import client

    # The URL from the ARN (the function's role may read its queue's attributes, SQSPollerPolicy, not look it up).
    _, partition, _, region, account, name = queue_arn.split(":", 5)
    suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    url = f"https://sqs.{region}.{suffix}/{account}/{name}"
    policy = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]
    return int(json.loads(policy["RedrivePolicy"])["maxReceiveCount"]) if "RedrivePolicy" in policy else None


def record_exhausted(settings: Callable[[], Any]) -> Callable[[Any, BaseException], None]:
    """The stage raised on the message's last attempt: record the stall on its application."""

    def record(message: Any, error: BaseException) -> None:
        from loanpipe.adapters.clients import client
        from loanpipe.adapters.dynamo import DynamoApplicationRepository
        from loanpipe.service.stalls import STAGE_ERROR, record_stall, stalls_of_message

        repo = DynamoApplicationRepository(client("dynamodb"), settings().applications_table)
        for application_id, stall in stalls_of_message(message, STAGE_ERROR, type(error).__name__):
            record_stall(repo, application_id, stall)

    return record



class StallSettings(EnvironmentSettings):
    """The stall recorder (functions/stalls): it reads dead letters and writes the applications table."""

    applications_table: str


def dead_letter_recorder(*, logger: Logger, metrics: Metrics) -> Callable[[dict, Any], dict]:
    """The stall recorder's handler body: each dead letter of a stage queue is recorded on its application
    (``service.stalls``), then reported as failed so that it stays in its DLQ for ``loanpipe ops redrive``
    (a DLQ has no redrive policy of its own: it comes back after the DLQ's visibility timeout, and is recorded
    only once). A dead letter that names no application is logged; ``loanpipe ops stalled`` lists it."""
    settings = functools.cache(StallSettings)

    def handle(event: dict, context: Any) -> dict:
        from aws_lambda_powertools.metrics import MetricUnit

        from loanpipe.adapters.clients import client
        from loanpipe.adapters.dynamo import DynamoApplicationRepository
        from loanpipe.service.stalls import record_stall, stalls_of_dead_letter

        repo = DynamoApplicationRepository(client("dynamodb"), settings().applications_table)
        kept = []
        for record in event.get("Records", []):
            pairs = stalls_of_dead_letter(record.get("body", ""))
            if not pairs:
                logger.warning("dead letter names no application", queue=record.get("eventSourceARN"))
            for application_id, stall in pairs:
                logger.set_correlation_id(application_id)
                if record_stall(repo, application_id, stall):
                    logger.info("stage stalled", stage=stall.stage, cause=stall.cause)
                    metrics.add_metric(name="StageStalled", unit=MetricUnit.Count, value=1)
            kept.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": kept}

    return handle
