"""Contract function: approved applications (contract queue) -> contract PDF awaiting signature."""

from __future__ import annotations

import functools

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic_settings import BaseSettings

from loanpipe.adapters.aws import EventBridgePublisher, S3BlobStore, SqsStageQueue
from loanpipe.adapters.clients import client
from loanpipe.adapters.dynamo import DynamoApplicationRepository
from loanpipe.messages import ContractRequested
from loanpipe.observability import make_logger, make_metrics, make_tracer
from loanpipe.stages.contracting import ContractConfig, ContractDeps, handle_contract
from loanpipe.stages.policy_source import policy_in_force
from loanpipe.stages.runner import StageRunner

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


runner = StageRunner(ContractRequested, handle_contract, deps, lambda: settings().idempotency_table, logger=logger,
                     metrics=metrics, metric_prefix="Contract")


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> dict:
    runner.idempotency.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=runner, processor=processor, context=context)
