"""The composition root: every function's dependencies, built once per execution environment from settings.

Handlers (``functions/*/app.py``) call ``stage_runner(name, ...)`` or ``api_deps()`` and nothing else of the
wiring; benchmarks and tests build the same graph with other adapters through the ``*_deps`` builders.
Nothing here runs at import time: settings are read and clients created on the first message.

Importing this module imports no pydantic model, no powertools utility and no boto3 (a handler imports it when its
execution environment starts; ``tests/unit/backbone/test_cold_imports.py`` keeps it so): the settings models
(``entry.settings``), the messages between stages (``service.messages``) and each stage's services are imported
when the stage is first built.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

# A function imports what its own stage needs when it is built (its first message or request), nothing of the
# other stages: the API does not load scoring, validation or the OCR stack; boto3 comes with the first client.
if TYPE_CHECKING:
    from aws_lambda_powertools import Logger, Metrics
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    from loanpipe.contracts.seal import SigningIdentity
    from loanpipe.entry.runner import StageRunner
    from loanpipe.entry.settings import (
        ContractSettings,
        ExtractSettings,
        ScoreSettings,
        StageSettings,
        ValidateSettings,
    )
    from loanpipe.policy.model import Policy
    from loanpipe.service.contracting import ContractDeps
    from loanpipe.service.erasure import ErasePorts
    from loanpipe.service.extraction import ExtractDeps
    from loanpipe.service.intake import IntakeConfig
    from loanpipe.service.messages import (
        ContractRequested,
        S3EventRecord,
        ScoreRequested,
        SealRequested,
        ValidateRequested,
    )
    from loanpipe.service.ports import ApplicationRepository, BlobStore, EventPublisher, StageQueue
    from loanpipe.service.review import ReviewConfig
    from loanpipe.service.scoring import ScoreDeps
    from loanpipe.service.sealing import SealDeps, Sealer
    from loanpipe.service.signing import SigningConfig, SmsSender
    from loanpipe.service.validation import ValidateDeps
    from loanpipe.validation.ports import FraudPorts


@dataclass(frozen=True)
class Ports:
    """The platform every stage runs on: boto3 adapters on AWS (``_ports``), in-memory fakes in tests and
    benchmarks (``testkit``), handed to the same ``*_deps`` builders."""

    repo: ApplicationRepository
    blobs: BlobStore
    queue: StageQueue
    events: EventPublisher


def _ports(settings: StageSettings) -> Ports:
    """The AWS adapters: DynamoDB, S3, SQS, EventBridge; the clients every stage does not need on every message
    are made when first used."""
    from loanpipe.adapters.aws import EventBridgePublisher, S3BlobStore, SqsStageQueue
    from loanpipe.adapters.clients import client, deferred_client
    from loanpipe.adapters.dynamo import DynamoApplicationRepository

    return Ports(repo=DynamoApplicationRepository(client("dynamodb"), settings.applications_table),
                 blobs=S3BlobStore(deferred_client("s3")), queue=SqsStageQueue(deferred_client("sqs")),
                 events=EventBridgePublisher(deferred_client("events"), settings.event_bus_name))


def extract_deps(settings: ExtractSettings, ports: Ports, *, read_document: Callable[..., Any],
                 image_evidence: Callable[[bytes, str], Any] | None = None) -> ExtractDeps:
    """``read_document``: ``loanpipe.extraction.extract.extract_document`` on AWS; ``image_evidence``:
    ``loanpipe.extraction.forensics.image_evidence`` (None: no forensics)."""
    from loanpipe.service.extraction import ExtractConfig, ExtractDeps

    return ExtractDeps(repo=ports.repo, blobs=ports.blobs, queue=ports.queue, events=ports.events,
                       config=ExtractConfig(settings.uploads_bucket, settings.results_bucket,
                                            settings.validate_queue_url),
                       read_document=read_document, image_evidence=image_evidence)


def validate_deps(settings: ValidateSettings, ports: Ports, fraud: FraudPorts) -> ValidateDeps:
    from loanpipe.service.policy_source import policy_in_force
    from loanpipe.service.validation import ValidateConfig, ValidateDeps

    return ValidateDeps(repo=ports.repo, blobs=ports.blobs, queue=ports.queue, events=ports.events,
                        config=ValidateConfig(settings.results_bucket, settings.score_queue_url),
                        policy=policy_in_force(settings.credit_policy), fraud=fraud)


def score_deps(settings: ScoreSettings, ports: Ports) -> ScoreDeps:
    from loanpipe.service.policy_source import policy_in_force
    from loanpipe.service.scoring import ScoreConfig, ScoreDeps

    return ScoreDeps(repo=ports.repo, blobs=ports.blobs, queue=ports.queue, events=ports.events,
                     config=ScoreConfig(settings.results_bucket, settings.contract_queue_url),
                     policy=policy_in_force(settings.credit_policy))


def contract_deps(settings: ContractSettings, ports: Ports) -> ContractDeps:
    # The PDF stack (reportlab) is imported here, not at module level: only the contract function pays for it.
    from loanpipe.service.contracting import ContractConfig, ContractDeps
    from loanpipe.service.policy_source import policy_in_force

    return ContractDeps(repo=ports.repo, blobs=ports.blobs, queue=ports.queue, events=ports.events,
                        config=ContractConfig(settings.contracts_bucket, settings.lender_name,
                                              settings.loanpipe_font_path),
                        policy=policy_in_force(settings.credit_policy))


def contract_signing_identity(settings: ContractSettings) -> SigningIdentity:
    """The lender's seal: the KMS key and the certificate chain from Secrets Manager (read when called; the
    contract function calls it when it first seals). Raises ``SealError`` when the template did not name them
    or the secret holds no chain for that key."""
    from loanpipe.adapters.clients import client
    from loanpipe.adapters.signing import load_signing_identity
    from loanpipe.contracts.seal import SealError

    if not (settings.contract_signing_key_id and settings.contract_signing_chain_secret):
        raise SealError("the contract function has no CONTRACT_SIGNING_KEY_ID or CONTRACT_SIGNING_CHAIN_SECRET")
    return load_signing_identity(client("secretsmanager"), client("kms"), settings.contract_signing_chain_secret,
                                 settings.contract_signing_key_id, settings.contract_tsa_url)


def seal_deps(settings: ContractSettings, ports: Ports, sealer: Sealer) -> SealDeps:
    from loanpipe.service.sealing import SealDeps

    return SealDeps(repo=ports.repo, blobs=ports.blobs, queue=ports.queue, events=ports.events,
                    contracts_bucket=settings.contracts_bucket, seal=sealer)


@dataclass(frozen=True)
class ContractStageDeps:
    """The contract function renders contracts and seals signed ones (one queue, two kinds of message)."""

    contract: ContractDeps
    seal: SealDeps


def kms_sealer(settings: ContractSettings) -> Sealer:
    """Seal with the lender's KMS key and the chain in Secrets Manager, both read on the first seal (a function
    without them still renders contracts; its seal requests fail, are retried and reach the DLQ)."""

    identity = functools.cache(lambda: contract_signing_identity(settings))

    def seal(contract_pdf: bytes, signature_png: bytes, consent: Any) -> bytes:
        from loanpipe.contracts.seal import seal_contract

        return seal_contract(contract_pdf, signature_png, consent, identity())

    return seal


def _aws_contract_deps(settings: ContractSettings) -> ContractStageDeps:
    ports = _ports(settings)
    return ContractStageDeps(contract_deps(settings, ports), seal_deps(settings, ports, kms_sealer(settings)))


def _aws_extract_deps(settings: ExtractSettings) -> ExtractDeps:
    # The OCR stack is imported here, not at module level: only the extract function pays for it.
    from loanpipe.extraction.extract import extract_document
    from loanpipe.extraction.forensics import image_evidence

    return extract_deps(settings, _ports(settings), read_document=extract_document, image_evidence=image_evidence)


def _aws_validate_deps(settings: ValidateSettings) -> ValidateDeps:
    from loanpipe.adapters.clients import client
    from loanpipe.adapters.fraud import CognitoOfficerDirectory, DynamoImageIndex, DynamoOpenApplications
    from loanpipe.service.policy_source import policy_in_force
    from loanpipe.validation.ports import FraudPorts

    ports = _ports(settings)
    policy = policy_in_force(settings.credit_policy)
    fraud = FraudPorts(
        image_index=DynamoImageIndex(client("dynamodb"), settings.image_index_table,
                                     policy.fraud.duplicate_max_distance),
        open_applications=DynamoOpenApplications(ports.repo),
        officer_directory=CognitoOfficerDirectory(client("cognito-idp"), settings.user_pool_id),
    )
    return validate_deps(settings, ports, fraud)


def _handle_contract(message: ContractRequested | SealRequested, deps: ContractStageDeps) -> Any:
    from loanpipe.service.messages import SealRequested

    if isinstance(message, SealRequested):
        from loanpipe.service.sealing import handle_seal

        return handle_seal(message, deps.seal)
    from loanpipe.service.contracting import handle_contract

    return handle_contract(message, deps.contract)


def _uploads(record: SQSRecord) -> list[S3EventRecord]:
    from loanpipe.service.messages import S3Notification

    notification = S3Notification.model_validate_json(record.body)  # malformed -> retried, then the DLQ
    return [] if notification.is_test_event else notification.Records


def _upload_owner(upload: S3EventRecord) -> str | None:
    from loanpipe.service.intake import parse_upload_key

    owner = parse_upload_key(upload.key)
    return owner[0] if owner else None


@dataclass(frozen=True)
class _Stage:
    settings_model: str  # its settings model in ``loanpipe.entry.settings``
    build: Callable[[Any], Any]
    message_model: str  # its message model (or a discriminated union of them) in ``loanpipe.service.messages``
    run: Callable[..., Any]
    metric_prefix: str
    messages: Callable[[SQSRecord], Any] | None = None
    correlation_id: Callable[[Any], str | None] | None = None

    @property
    def settings(self) -> type[StageSettings]:
        from loanpipe.entry import settings

        return getattr(settings, self.settings_model)  # type: ignore[no-any-return]

    @property
    def message(self) -> Any:
        from loanpipe.service import messages

        return getattr(messages, self.message_model)


def _run_extract(upload: S3EventRecord, deps: ExtractDeps, budget_seconds: float) -> dict:
    from loanpipe.service.extraction import handle_upload

    return handle_upload(upload, deps, budget_seconds).as_dict()


def _run_validate(message: ValidateRequested, deps: ValidateDeps, budget_seconds: float) -> Any:
    from loanpipe.service.validation import handle_validation

    return handle_validation(message, deps)


def _run_score(message: ScoreRequested, deps: ScoreDeps, budget_seconds: float) -> Any:
    from loanpipe.service.scoring import handle_scoring

    return handle_scoring(message, deps)


STAGES: dict[str, _Stage] = {
    "extract": _Stage("ExtractSettings", _aws_extract_deps, "S3EventRecord", _run_extract, "Upload",
                      messages=_uploads, correlation_id=_upload_owner),
    "validate": _Stage("ValidateSettings", _aws_validate_deps, "ValidateRequested", _run_validate, "Validation"),
    "score": _Stage("ScoreSettings", lambda settings: score_deps(settings, _ports(settings)), "ScoreRequested",
                    _run_score, "Decision"),
    "contract": _Stage("ContractSettings", _aws_contract_deps, "ContractQueueMessage",
                       lambda message, deps, budget_seconds: _handle_contract(message, deps), "Contract"),
}


def _dynamodb() -> Any:
    from loanpipe.adapters.clients import client

    return client("dynamodb")


def stage_runner(name: str, *, logger: Logger, metrics: Metrics) -> StageRunner:
    """The runner of one queue-driven function; its settings and dependencies are built on first use."""
    from loanpipe.entry.runner import StageRunner  # the batch and idempotency machinery: not the API's

    stage = STAGES[name]
    settings = functools.cache(lambda: stage.settings())
    deps = functools.cache(lambda: stage.build(settings()))
    return StageRunner(lambda: stage.message, stage.run, deps, lambda: settings().idempotency_table,
                       _dynamodb, logger=logger, metrics=metrics, metric_prefix=stage.metric_prefix,
                       messages=stage.messages, correlation_id=stage.correlation_id,
                       on_exhausted=_record_exhausted(settings), max_receive_count=_max_receive_count)


def _record_exhausted(settings: Callable[[], Any]) -> Callable[[Any, BaseException], None]:
    """``entry.stalls.record_exhausted``, imported when a last attempt fails (not when the function starts)."""

    def record(message: Any, error: BaseException) -> None:
        from loanpipe.entry.stalls import record_exhausted

        record_exhausted(settings)(message, error)

    return record


def _max_receive_count(queue_arn: str) -> int | None:
    from loanpipe.entry.stalls import max_receive_count

    return max_receive_count(queue_arn)


# ------------------------------------------------------------------ the HTTP API


@dataclass(frozen=True)
class ApiDeps:
    """What the API's routes need: the ports (fakes in unit tests) and where the stages' artefacts are."""

    repo: ApplicationRepository
    blobs: BlobStore
    queue: StageQueue
    events: EventPublisher
    intake: IntakeConfig
    review: ReviewConfig
    results_bucket: str
    contracts_bucket: str
    sms: SmsSender
    signing: SigningConfig
    policy: Policy = field(default_factory=lambda: _default_policy())
    erasure: ErasePorts | None = None  # what an erase reaches (None: this API erases nothing)


def _default_policy() -> Policy:
    from loanpipe.policy.model import default_policy

    return default_policy()


@functools.cache
def api_deps() -> ApiDeps:
    """The API function's dependencies, built from its settings on the first request and kept for the
    execution environment. Routes take them with ``Depends(api_deps)``; tests override that dependency."""
    from loanpipe.adapters.aws import SnsSmsSender
    from loanpipe.adapters.clients import client, deferred_client
    from loanpipe.adapters.fraud import DynamoImageIndex
    from loanpipe.entry.settings import ApiSettings
    from loanpipe.service.erasure import ErasePorts, ErasureConfig
    from loanpipe.service.intake import IntakeConfig
    from loanpipe.service.policy_source import policy_in_force
    from loanpipe.service.review import ReviewConfig
    from loanpipe.service.signing import SigningConfig

    settings = ApiSettings()
    p = _ports(settings)
    policy = policy_in_force(settings.credit_policy)
    open_for = timedelta(hours=settings.draft_open_hours)
    return ApiDeps(repo=p.repo, blobs=p.blobs, queue=p.queue, events=p.events,
                   intake=IntakeConfig(settings.uploads_bucket, settings.validate_queue_url,
                                       settings.upload_url_ttl_seconds, open_for),
                   review=ReviewConfig(settings.validate_queue_url, settings.contract_queue_url, policy.review,
                                       open_for),
                   results_bucket=settings.results_bucket, contracts_bucket=settings.contracts_bucket,
                   sms=SnsSmsSender(deferred_client("sns"), settings.sms_sender_id),
                   signing=SigningConfig(settings.contracts_bucket, settings.contract_queue_url,
                                         settings.signing_code_ttl_seconds),
                   policy=policy,
                   erasure=ErasePorts(p.repo, p.blobs, DynamoImageIndex(client("dynamodb"), settings.image_index_table,
                                                                       policy.fraud.duplicate_max_distance),
                                      ErasureConfig(settings.uploads_bucket, settings.results_bucket,
                                                    settings.contracts_bucket)))
