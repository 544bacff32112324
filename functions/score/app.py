"""Score function: validated applications (score queue) -> approve / review / decline."""

from __future__ import annotations

import functools

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic_settings import BaseSettings

from loanpipe.adapters.aws import EventBridgePublisher, S3BlobStore, SqsStageQueue
from loanpipe.adapters.clients import client
from loanpipe.adapters.dynamo import DynamoApplicationRepository
from loanpipe.messages import ScoreRequested
from loanpipe.observability import make_logger, make_metrics, make_tracer
from loanpipe.stages.policy_source import policy_in_force
from loanpipe.stages.runner import StageRunner
from loanpipe.stages.scoring import ScoreConfig, ScoreDeps, handle_scoring

logger = make_logger()
tracer = make_tracer()
metrics = make_metrics()
processor = BatchProcessor(event_type=EventType.SQS)


class Settings(BaseSettings):
    applications_table: str
    idempotency_table: str
    event_bus_name: str
    results_bucket: str
    contract_queue_url: str
    credit_policy: str = "default"


@functools.cache
def settings() -> Settings:
    return Settings()


@functools.cache
def deps() -> ScoreDeps:
    config = settings()
    return ScoreDeps(
        repo=DynamoApplicationRepository(client("dynamodb"), config.applications_table),
        blobs=S3BlobStore(client("s3")),
        queue=SqsStageQueue(client("sqs")),
        events=EventBridgePublisher(client("events"), config.event_bus_name),
        config=ScoreConfig(config.results_bucket, config.contract_queue_url),
        policy=policy_in_force(config.credit_policy),
    )


runner = StageRunner(ScoreRequested, handle_scoring, deps, lambda: settings().idempotency_table, logger=logger,
                     metrics=metrics, metric_prefix="Decision")


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> dict:
    runner.idempotency.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=runner, processor=processor, context=context)
