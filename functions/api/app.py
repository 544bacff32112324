"""API function: the HTTP API of field officers, reviewers and operators (routes in template.yaml)."""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from loanpipe.adapters.aws import EventBridgePublisher, S3BlobStore, SqsStageQueue
from loanpipe.adapters.clients import client
from loanpipe.adapters.dynamo import DynamoApplicationRepository
from loanpipe.adapters.uploads import S3UploadSigner
from loanpipe.domain.application import DeclaredApplication
from loanpipe.domain.audit import AuditEntry
from loanpipe.domain.errors import Conflict, Forbidden, NotFound, UserInputError
from loanpipe.domain.lifecycle import AppState, IllegalTransition
from loanpipe.domain.records import utcnow
from loanpipe.entry.observability import make_logger, make_metrics, make_tracer
from loanpipe.service.access import Caller, parse_groups, require_view
from loanpipe.service.dispatch import dispatch
from loanpipe.service.intake import (
    IntakeConfig,
    SubmitRequest,
    UploadRequest,
    create_application,
    request_upload,
    submit_application,
)
from loanpipe.service.review import (
    FieldCorrections,
    ReviewConfig,
    ReviewDecision,
    claim,
    correct_fields,
    decide,
    review_queue,
)
from loanpipe.service.transitions import Change, apply_change
from loanpipe.service.views import application_view, document_view

logger = make_logger()
tracer = make_tracer()
metrics = make_metrics()


class Settings(BaseSettings):
    applications_table: str
    idempotency_table: str
    event_bus_name: str
    uploads_bucket: str
    results_bucket: str
    contracts_bucket: str
    validate_queue_url: str
    contract_queue_url: str
    upload_url_ttl_seconds: int = 900


@functools.cache
def settings() -> Settings:
    return Settings()


@functools.cache
def repo() -> DynamoApplicationRepository:
    return DynamoApplicationRepository(client("dynamodb"), settings().applications_table)


def intake_config() -> IntakeConfig:
    config = settings()
    return IntakeConfig(config.uploads_bucket, config.validate_queue_url, config.upload_url_ttl_seconds)


def review_config() -> ReviewConfig:
    return ReviewConfig(settings().validate_queue_url, settings().contract_queue_url)


def send(change: Change | None) -> None:
    if change is not None:
        dispatch(change.outbox, SqsStageQueue(client("sqs")),
                 EventBridgePublisher(client("events"), settings().event_bus_name))


# ------------------------------------------------------------------ request helpers
class Request:
    def __init__(self, event: dict):
        self.event = event
        claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt", {}).get("claims") or {}
        user = claims.get("username") or claims.get("cognito:username") or ""
        self.caller = Caller(user=user, roles=parse_groups(claims.get("cognito:groups")))
        self.path = event.get("pathParameters") or {}
        self.query = event.get("queryStringParameters") or {}

    def json(self) -> Any:
        body = self.event.get("body") or ""
        if self.event.get("isBase64Encoded"):
            body = base64.b64decode(body).decode("utf-8", errors="replace")
        if not body.strip():
            return {}
        try:
            return json.loads(body)
        except json.JSONDecodeError as exc:
            raise UserInputError("bad_json", "the request body is not valid JSON") from exc

    def model(self, model: type, *, parse_float_decimal: bool = False) -> Any:
        if parse_float_decimal:
            from decimal import Decimal

            body = self.event.get("body") or "{}"
            try:
                data = json.loads(body, parse_float=Decimal)
            except json.JSONDecodeError as exc:
                raise UserInputError("bad_json", "the request body is not valid JSON") from exc
            return model.model_validate(data)
        return model.model_validate(self.json())

    def flag(self, name: str) -> bool:
        return str(self.query.get(name, "")).lower() in ("1", "true", "yes")

    def limit(self) -> int:
        try:
            return max(1, min(int(self.query.get("limit", 50)), 200))
        except ValueError as exc:
            raise UserInputError("bad_limit", "limit must be a number") from exc


def respond(status: int, body: Any) -> dict:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json; charset=utf-8", "cache-control": "no-store"},
        "body": json.dumps(body, ensure_ascii=False, default=str),
    }


def _validation_errors(exc: ValidationError) -> list[dict]:
    # Never echo the submitted values back (they can hold personal data): location and message only.
    return [{"field": ".".join(str(p) for p in error["loc"]), "message": error["msg"]} for error in exc.errors()]


# ------------------------------------------------------------------ routes
def create(request: Request) -> dict:
    declared = request.model(DeclaredApplication, parse_float_decimal=True)
    record = create_application(repo(), request.caller, declared, replay=request.flag("replay"))
    metrics.add_metric(name="ApplicationsCreated", unit=MetricUnit.Count, value=1)
    logger.set_correlation_id(record.application_id)
    logger.info("application created")
    return respond(201, application_view(record, request.caller))


def list_applications(request: Request) -> dict:
    caller = request.caller
    state = request.query.get("state")
    if state is not None:
        if state not in AppState._value2member_map_:
            raise UserInputError("bad_state", f"state must be one of {', '.join(AppState)}")
        if not caller.back_office:
            raise Forbidden("only the back office lists by state")
        page = repo().list_by_state(state, limit=request.limit(), cursor=request.query.get("cursor"))
    else:
        page = repo().list_by_officer(caller.user, limit=request.limit(), cursor=request.query.get("cursor"))
    return respond(200, {"items": [item.__dict__ for item in page.items], "cursor": page.cursor})


def get_application(request: Request) -> dict:
    record = repo().get(request.path["application_id"])
    require_view(request.caller, record)
    reveal = request.flag("reveal") and request.caller.back_office
    if reveal:
        _audit_reveal(record.application_id, request.caller.user, "application")
    return respond(200, application_view(record, request.caller, reveal=reveal))


def _audit_reveal(application_id: str, user: str, what: str, document_id: str | None = None) -> None:
    """Revealing an unmasked ID number is itself an audited event (a write with the version check)."""
    def change_fn(record):
        return Change(audit=[AuditEntry(at=utcnow(), actor=user, action="personal_data.revealed",
                                        document_id=document_id, detail={"what": what})])

    apply_change(repo(), application_id, change_fn)


def upload_slot(request: Request) -> dict:
    upload = request_upload(repo(), S3UploadSigner(client("s3")), intake_config(), request.caller,
                            request.path["application_id"], request.model(UploadRequest))
    return respond(201, upload)


def get_document(request: Request) -> dict:
    record = repo().get(request.path["application_id"])
    require_view(request.caller, record)
    doc = record.documents.get(request.path["document_id"])
    if doc is None:
        raise NotFound("document")
    reveal = request.flag("reveal") and request.caller.back_office
    if reveal:
        _audit_reveal(record.application_id, request.caller.user, "document", doc.document_id)
    view = document_view(doc, reveal=reveal)
    if request.caller.back_office and doc.uploaded_at:
        view["image_url"] = client("s3").generate_presigned_url(
            "get_object", Params={"Bucket": settings().uploads_bucket, "Key": doc.key}, ExpiresIn=300
        )
    if request.caller.back_office and doc.result_key:
        stored = client("s3").get_object(Bucket=settings().results_bucket, Key=doc.result_key)
        result = json.loads(stored["Body"].read())
        view["transactions"] = result.get("transactions", [])
        view["text"] = result.get("text", "")
    return respond(200, view)


def correct_document(request: Request) -> dict:
    record = correct_fields(repo(), request.caller, request.path["application_id"], request.path["document_id"],
                            request.model(FieldCorrections))
    return respond(200, application_view(record, request.caller))


def submit(request: Request) -> dict:
    record, change = submit_application(repo(), S3BlobStore(client("s3")), intake_config(), request.caller,
                                        request.path["application_id"], request.model(SubmitRequest))
    send(change)
    return respond(202, application_view(record, request.caller))


def audit(request: Request) -> dict:
    record = repo().get(request.path["application_id"])
    require_view(request.caller, record)
    entries = repo().audit_trail(record.application_id)
    return respond(200, {"application_id": record.application_id,
                         "entries": [entry.model_dump(mode="json") for entry in entries]})


def decision(request: Request) -> dict:
    record = repo().get(request.path["application_id"])
    require_view(request.caller, record)
    if record.decision is None:
        raise Conflict("no_decision", f"the application is {record.state}; there is no decision yet")
    body = application_view(record, request.caller)["decision"]
    report = repo().get_report(record.application_id, record.round, "decision")
    if report is not None:
        body["explanation"] = report.get("explanation")
        body["terms"] = report.get("terms")
    return respond(200, body)


def contract(request: Request) -> dict:
    record = repo().get(request.path["application_id"])
    require_view(request.caller, record)
    if record.contract is None:
        raise Conflict("no_contract", f"the application is {record.state}; there is no contract yet")
    url = client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": settings().contracts_bucket, "Key": record.contract.key}, ExpiresIn=300
    )
    return respond(200, {"url": url, "sha256": record.contract.sha256, "pages": record.contract.pages})


def queue(request: Request) -> dict:
    page = review_queue(repo(), request.caller, limit=request.limit(), cursor=request.query.get("cursor"))
    return respond(200, {"items": [item.__dict__ for item in page.items], "cursor": page.cursor})


def claim_review(request: Request) -> dict:
    record = claim(repo(), request.caller, request.path["application_id"])
    return respond(200, application_view(record, request.caller))


def decide_review(request: Request) -> dict:
    record, change = decide(repo(), review_config(), request.caller, request.path["application_id"],
                            request.model(ReviewDecision))
    send(change)
    return respond(200, application_view(record, request.caller))


ROUTES: dict[str, Callable[[Request], dict]] = {
    "POST /applications": create,
    "GET /applications": list_applications,
    "GET /applications/{application_id}": get_application,
    "POST /applications/{application_id}/documents": upload_slot,
    "GET /applications/{application_id}/documents/{document_id}": get_document,
    "PATCH /applications/{application_id}/documents/{document_id}": correct_document,
    "POST /applications/{application_id}/submit": submit,
    "GET /applications/{application_id}/audit": audit,
    "GET /applications/{application_id}/decision": decision,
    "GET /applications/{application_id}/contract": contract,
    "GET /review": queue,
    "POST /review/{application_id}/claim": claim_review,
    "POST /review/{application_id}/decision": decide_review,
}


# The correlation id is the request id until the application is known, then the application id.
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    route = ROUTES.get(event.get("routeKey", ""))
    if route is None:
        return respond(404, {"error": "not_found", "message": "no such route"})
    request = Request(event)
    if not request.caller.user:
        return respond(401, {"error": "unauthorized", "message": "no user in the token"})
    application_id = request.path.get("application_id")
    if application_id:
        logger.set_correlation_id(application_id)
    try:
        return route(request)
    except ValidationError as exc:
        return respond(422, {"error": "invalid_request", "message": "the request has invalid fields",
                             "details": _validation_errors(exc)})
    except UserInputError as exc:
        logger.info("request refused", error=exc.code, status=exc.status)
        return respond(exc.status, {"error": exc.code, "message": exc.message})
    except IllegalTransition as exc:
        return respond(409, {"error": "illegal_transition", "message": str(exc)})
