"""Contract function: approved applications (contract queue) -> contract PDF awaiting signature."""

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
from loanpipe.messages import ContractRequested
from loanpipe.observability import make_logger, make_metrics, make_tracer
from loanpipe.stages.contracting import ContractConfig, ContractDeps, handle_contract
from loanpipe.stages.policy_source import policy_in_force

logger = make_logger()
tracer = make_tracer()
metrics = make_metrics()
processor = BatchProcessor(event_type=EventType.SQS)


class Settings(BaseSettings):
    applications_table: str
    idempotency_table: str
    event_bus_name: str
    contracts_bucket: str
    loanpipe_font_path: str | None = None
    lender_name: str = "示范汽车金融有限公司"
    credit_policy: str = "default"


@functools.cache
def settings() -> Settings:
    return Settings()


@functools.cache
def deps() -> ContractDeps:
    config = settings()
    return ContractDeps(
        repo=DynamoApplicationRepository(client("dynamodb"), config.applications_table),
        blobs=S3BlobStore(client("s3")),
        queue=SqsStageQueue(client("sqs")),
        events=EventBridgePublisher(client("events"), config.event_bus_name),
        config=ContractConfig(config.contracts_bucket, config.lender_name, config.loanpipe_font_path),
        policy=policy_in_force(config.credit_policy),
    )


@functools.cache
def idempotency() -> IdempotencyConfig:
    return IdempotencyConfig(event_key_jmespath="key", expires_after_seconds=24 * 3600,
                             raise_on_no_idempotency_key=True)


@functools.cache
def idempotent_contract():
    store = DynamoDBPersistenceLayer(table_name=settings().idempotency_table, boto3_client=client("dynamodb"))

    @idempotent_function(data_keyword_argument="request", config=idempotency(), persistence_store=store)
    def process(request: dict) -> dict:
        return {"outcome": handle_contract(ContractRequested.model_validate(request["message"]), deps())}

    return process


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    message = ContractRequested.model_validate_json(record.body)
    logger.set_correlation_id(message.application_id)
    result = idempotent_contract()(request={"key": message.idempotency_key(), "message": message.model_dump()})
    logger.info("contract request handled", outcome=result["outcome"], round=message.round)
    metrics.add_metric(name=f"Contract_{result['outcome']}", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> dict:
    idempotency().register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
