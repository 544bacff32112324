"""Stage failures made visible (``service.stalls``), the wiring: the runner's record of a stage that raised on
its last attempt, and the stall recorder (``functions/stalls``) that records every dead letter of the stage queues
on its application. Built on first use, as the rest of the composition root."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from loanpipe.domain.environment import EnvironmentSettings

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger, Metrics


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
    """The stall recorder (functions/stalls): it reads the stage DLQs and writes the applications table."""

    applications_table: str
    extract_dlq_url: str
    validate_dlq_url: str
    score_dlq_url: str
    contract_dlq_url: str

    def dead_letter_queues(self) -> list[str]:
        return [self.extract_dlq_url, self.validate_dlq_url, self.score_dlq_url, self.contract_dlq_url]


@functools.cache
def _settings() -> StallSettings:
    return StallSettings()


def prepare() -> None:
    """Build what the first run builds (settings, the table and queue clients), without calling AWS."""
    from loanpipe.adapters.clients import client
    from loanpipe.adapters.dynamo import DynamoApplicationRepository
    from loanpipe.service.stalls import record_stall  # noqa: F401 - imported for its first run

    DynamoApplicationRepository(client("dynamodb"), _settings().applications_table)
    client("sqs")


PEEK_SECONDS = 2  # how long a dead letter is invisible while the recorder reads it (redrive waits for it)
MAX_PER_QUEUE = 1000  # dead letters read per queue and run (the rest on the next run)


def peek_dead_letters(sqs: Any, queue_url: str, limit: int = MAX_PER_QUEUE) -> list[dict]:
    """The dead letters of a queue, each once, without deleting any (each is invisible for ``PEEK_SECONDS``)."""
    seen: dict[str, dict] = {}
    while len(seen) < limit:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=PEEK_SECONDS,
                                    WaitTimeSeconds=0, AttributeNames=["SentTimestamp"]).get("Messages", [])
        fresh = [m for m in batch if m["MessageId"] not in seen]
        if not fresh:
            break
        seen.update((m["MessageId"], m) for m in fresh)
    return list(seen.values())


def dead_letter_recorder(*, logger: Logger, metrics: Metrics) -> Callable[[dict, Any], dict]:
    """The stall recorder's handler body (every minute): each dead letter of a stage queue is recorded on its
    application (``service.stalls``: cause ``no_answer`` unless the stage's last attempt recorded its error).
    The dead letters stay where they are, for the DLQ alarms and ``loanpipe ops redrive``. A dead letter that
    names no application is counted and logged; ``loanpipe ops stalled`` lists it."""
    settings = _settings

    def handle(event: dict, context: Any) -> dict:
        from aws_lambda_powertools.metrics import MetricUnit

        from loanpipe.adapters.clients import client
        from loanpipe.adapters.dynamo import DynamoApplicationRepository
        from loanpipe.service.stalls import record_stall, stalls_of_dead_letter

        repo = DynamoApplicationRepository(client("dynamodb"), settings().applications_table)
        counts = {"dead_letters": 0, "recorded": 0, "unattached": 0}
        for queue_url in settings().dead_letter_queues():
            for message in peek_dead_letters(client("sqs"), queue_url):
                counts["dead_letters"] += 1
                pairs = stalls_of_dead_letter(message.get("Body", ""))
                counts["unattached"] += not pairs
                for application_id, stall in pairs:
                    if record_stall(repo, application_id, stall):
                        counts["recorded"] += 1
                        logger.info("stage stalled", application_id=application_id, stage=stall.stage,
                                    cause=stall.cause)
        metrics.add_metric(name="StagesStalled", unit=MetricUnit.Count, value=counts["recorded"])
        if counts["unattached"]:
            logger.warning("dead letters that name no application", count=counts["unattached"])
        return counts

    return handle
