"""Validate function: complete applications (validate queue) -> validation report -> score queue."""

from __future__ import annotations

import functools

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
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


@functools.cache
def idempotency() -> IdempotencyConfig:
    # Business key: application id + stage + round (never the SQS message id).
    return IdempotencyConfig(event_key_jmespath="key", expires_after_seconds=24 * 3600,
                             raise_on_no_idempotency_key=True)


@functools.cache
def idempotent_validation():
    store = DynamoDBPersistenceLayer(table_name=settings().idempotency_table, boto3_client=client("dynamodb"))

    @idempotent_function(data_keyword_argument="request", config=idempotency(), persistence_store=store)
    def process(request: dict) -> dict:
        return {"outcome": handle_validation(ValidateRequested.model_validate(request["message"]), deps())}

    return process


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    message = ValidateRequested.model_validate_json(record.body)
    logger.set_correlation_id(message.application_id)
    result = idempotent_validation()(request={"key": message.idempotency_key(), "message": message.model_dump()})
    logger.info("validation request handled", outcome=result["outcome"], round=message.round,
                trigger=message.trigger)
    metrics.add_metric(name=f"Validation_{result['outcome']}", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> dict:
    idempotency().register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
