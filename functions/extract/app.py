"""Extract function: S3 upload notifications (extract queue) -> document fields, retake or rejection."""

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
from loanpipe.documents.extract import extract_document
from loanpipe.documents.forensics import image_evidence
from loanpipe.messages import S3EventRecord, S3Notification
from loanpipe.observability import make_logger, make_metrics, make_tracer
from loanpipe.stages.extraction import ExtractConfig, ExtractDeps, handle_upload
from loanpipe.stages.intake import parse_upload_key
from loanpipe.stages.runner import business_key_idempotency

logger = make_logger()
tracer = make_tracer()
metrics = make_metrics()
processor = BatchProcessor(event_type=EventType.SQS)

SAFETY_MARGIN_SECONDS = 10.0  # left to write the outcome after reading the document


class Settings(BaseSettings):
    applications_table: str
    idempotency_table: str
    event_bus_name: str
    uploads_bucket: str
    results_bucket: str
    validate_queue_url: str


@functools.cache
def settings() -> Settings:
    return Settings()


@functools.cache
def deps() -> ExtractDeps:
    config = settings()
    return ExtractDeps(
        repo=DynamoApplicationRepository(client("dynamodb"), config.applications_table),
        blobs=S3BlobStore(client("s3")),
        queue=SqsStageQueue(client("sqs")),
        events=EventBridgePublisher(client("events"), config.event_bus_name),
        config=ExtractConfig(config.uploads_bucket, config.results_bucket, config.validate_queue_url),
        read_document=extract_document,
        image_evidence=image_evidence,
    )


@functools.cache
def idempotency() -> IdempotencyConfig:
    # The business key of an upload: bucket + key + ETag (never the SQS message id).
    return business_key_idempotency()


@functools.cache
def idempotent_upload():
    store = DynamoDBPersistenceLayer(table_name=settings().idempotency_table, boto3_client=client("dynamodb"))

    @idempotent_function(data_keyword_argument="upload", config=idempotency(), persistence_store=store)
    def process(upload: dict, budget_seconds: float) -> dict:
        return handle_upload(S3EventRecord.model_validate(upload["record"]), deps(), budget_seconds).as_dict()

    return process


@tracer.capture_method
def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    notification = S3Notification.model_validate_json(record.body)  # malformed -> retried, then the DLQ
    if notification.is_test_event:
        return
    for upload in notification.Records:
        owner = parse_upload_key(upload.key)
        logger.set_correlation_id(owner[0] if owner else None)
        budget = 45.0
        if lambda_context is not None:
            budget = max(5.0, lambda_context.get_remaining_time_in_millis() / 1000 - SAFETY_MARGIN_SECONDS)
        outcome = idempotent_upload()(upload={"key": upload.idempotency_key(), "record": upload.model_dump()},
                                      budget_seconds=budget)
        logger.info("upload handled", document_id=outcome.get("document_id"), outcome=outcome["outcome"],
                    reasons=outcome.get("reasons"))
        metrics.add_metric(name=f"Upload_{outcome['outcome']}", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> dict:
    idempotency().register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
