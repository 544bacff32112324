"""Validate function: complete applications (validate queue) -> validation report -> score queue."""

from __future__ import annotations

import functools

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic_settings import BaseSettings

from loanpipe.adapters.aws import EventBridgePublisher, S3BlobStore, SqsStageQueue
from loanpipe.adapters.clients import client
from loanpipe.adapters.dynamo import DynamoApplicationRepository
from loanpipe.adapters.fraud import CognitoOfficerDirectory, DynamoImageIndex, DynamoOpenApplications
from loanpipe.messages import ValidateRequested
from loanpipe.observability import make_logger, make_metrics, make_tracer
from loanpipe.rules.ports import FraudPorts
from loanpipe.stages.policy_source import policy_in_force
from loanpipe.stages.runner import StageRunner
from loanpipe.stages.validation import ValidateConfig, ValidateDeps, handle_validation

logger = make_logger()
tracer = make_tracer()
metrics = make_metrics()
processor = BatchProcessor(event_type=EventType.SQS)


class Settings(BaseSettings):
    applications_table: str
    idempotency_table: str
    event_bus_name: str
    results_bucket: str
    image_index_table: str
    score_queue_url: str
    user_pool_id: str
    credit_policy: str = "default"


@functools.cache
def settings() -> Settings:
    return Settings()


@functools.cache
def deps() -> ValidateDeps:
    config = settings()
    policy = policy_in_force(config.credit_policy)
    repo = DynamoApplicationRepository(client("dynamodb"), config.applications_table)
    return ValidateDeps(
        repo=repo,
        blobs=S3BlobStore(client("s3")),
        queue=SqsStageQueue(client("sqs")),
        events=EventBridgePublisher(client("events"), config.event_bus_name),
        config=ValidateConfig(config.results_bucket, config.score_queue_url),
        policy=policy,
        fraud=FraudPorts(
            image_index=DynamoImageIndex(client("dynamodb"), config.image_index_table,
                                         policy.fraud.duplicate_max_distance),
            open_applications=DynamoOpenApplications(repo),
            officer_directory=CognitoOfficerDirectory(client("cognito-idp"), config.user_pool_id),
        ),
    )


runner = StageRunner(ValidateRequested, handle_validation, deps, lambda: settings().idempotency_table, logger=logger,
                     metrics=metrics, metric_prefix="Validation")


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> dict:
    runner.idempotency.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=runner, processor=processor, context=context)
