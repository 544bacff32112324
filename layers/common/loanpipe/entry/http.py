"""The HTTP API of field officers, reviewers and operators, on powertools' ``APIGatewayHttpResolver``.

The routes are those of template.yaml (the HttpApi events of ApiFunction; a unit test keeps the two equal).
Each route parses its request, calls the service and answers JSON with ``cache-control: no-store``.

- The caller is the user of the Cognito JWT claims the authorizer put into the event (payload 2.0); a token
  without a user gets 401. Roles come from the ``cognito:groups`` claim; the service checks them (403).
- What a user can get wrong answers ``{"error": code, "message"}`` with the status of its typed error
  (``loanpipe.domain.errors``); a body that is not JSON is 400 ``bad_json``; invalid fields are 422 with the
  fields named and their values never echoed (they can hold personal data); an illegal transition is 409.
  Anything else is the platform's fault and propagates (the function fails: 500).
- Dependencies come from the composition root through ``Depends(api_deps)``, built on the first request;
  tests put in-memory fakes in ``app.dependency_overrides[api_deps]``.
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from functools import partial
from typing import Annotated, Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ValidationError

from loanpipe.domain.application import DeclaredApplication
from loanpipe.domain.audit import AuditEntry
from loanpipe.domain.errors import Conflict, Forbidden, NotFound, UserInputError
from loanpipe.domain.lifecycle import AppState, IllegalTransition
from loanpipe.domain.records import ApplicationRecord, utcnow
from loanpipe.entry.bootstrap import ApiDeps, api_deps
from loanpipe.entry.observability import make_logger, make_metrics
from loanpipe.service.access import Caller, parse_groups, require_view
from loanpipe.service.dispatch import dispatch
from loanpipe.service.intake import SubmitRequest, UploadRequest, create_application, request_upload, submit_application
from loanpipe.service.ports import Page
from loanpipe.service.review import FieldCorrections, ReviewDecision, claim, correct_fields, decide, review_queue
from loanpipe.service.signing import CodeRequest, SignatureUpload, capture_signature, request_code, unlock_signing
from loanpipe.service.transitions import Change, apply_change
from loanpipe.service.views import application_view, document_view

JSON_UTF8 = "application/json; charset=utf-8"
DOWNLOAD_URL_SECONDS = 300  # presigned GETs of images and contracts

logger = make_logger()
metrics = make_metrics()
app = APIGatewayHttpResolver(serializer=partial(json.dumps, ensure_ascii=False, default=str))

Model = TypeVar("Model", bound=BaseModel)


class Unauthenticated(UserInputError):
    status = 401

    def __init__(self) -> None:
        super().__init__("unauthorized", "no user in the token")


def signed_in_caller() -> Caller:
    """The user the authorizer vouched for, with the roles of their Cognito groups."""
    context = app.current_event.raw_event.get("requestContext") or {}
    claims = ((context.get("authorizer") or {}).get("jwt") or {}).get("claims") or {}
    user = claims.get("username") or claims.get("cognito:username") or ""
    if not user:
        raise Unauthenticated()
    return Caller(user=user, roles=parse_groups(claims.get("cognito:groups")))


# Route parameters: the caller is resolved first, so a request without a user gets 401 before anything else.
SignedIn = Annotated[Caller, Depends(signed_in_caller)]
Deps = Annotated[ApiDeps, Depends(api_deps)]


# ------------------------------------------------------------------ request and response
def _reply(status: int, body: Any) -> Response:
    return Response(status_code=status, content_type=JSON_UTF8, body=body, headers={"Cache-Control": "no-store"})


def _body(model: type[Model], *, decimal_numbers: bool = False) -> Model:
    """The JSON body as ``model``; no body reads as ``{}``. ``decimal_numbers``: numbers with a fraction are
    read as Decimal (amounts in a declared application), never as float."""
    event = app.current_event
    text = event.body or ""
    if event.is_base64_encoded:  # decoded leniently: bytes that are not UTF-8 end as a refused body, not a crash
        text = base64.b64decode(text).decode("utf-8", errors="replace")
    if not text.strip():
        return model.model_validate({})
    try:
        data = json.loads(text, parse_float=Decimal if decimal_numbers else None)
    except json.JSONDecodeError as exc:
        raise UserInputError("bad_json", "the request body is not valid JSON") from exc
    return model.model_validate(data)


def _query(name: str) -> str | None:
    return app.current_event.query_string_parameters.get(name)


def _flag(name: str) -> bool:
    return str(_query(name) or "").lower() in ("1", "true", "yes")


def _limit() -> int:
    try:
        return max(1, min(int(_query("limit") or 50), 200))
    except ValueError as exc:
        raise UserInputError("bad_limit", "limit must be a number") from exc


def _page(page: Page) -> dict:
    return {"items": [item.__dict__ for item in page.items], "cursor": page.cursor}


def _send(deps: ApiDeps, change: Change | None) -> None:
    if change is not None:
        dispatch(change.outbox, deps.queue, deps.events)


def _correlate(router: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
    """The logs' correlation id is the request id until the application is known, then the application id."""
    application_id = router.current_event.path_parameters.get("application_id")
    if application_id:
        logger.set_correlation_id(application_id)
    return next_middleware(router)


app.use(middlewares=[_correlate])


# ------------------------------------------------------------------ errors
@app.exception_handler(ValidationError)
def _invalid_fields(exc: ValidationError) -> Response:
    # Never echo the submitted values back (they can hold personal data): location and message only.
    details = [{"field": ".".join(str(p) for p in error["loc"]), "message": error["msg"]} for error in exc.errors()]
    return _reply(422, {"error": "invalid_request", "message": "the request has invalid fields", "details": details})


@app.exception_handler(UserInputError)
def _refused(exc: UserInputError) -> Response:
    logger.info("request refused", error=exc.code, status=exc.status)
    return _reply(exc.status, {"error": exc.code, "message": exc.message})


@app.exception_handler(IllegalTransition)
def _illegal_transition(exc: IllegalTransition) -> Response:
    return _reply(409, {"error": "illegal_transition", "message": str(exc)})


@app.not_found
def _no_route(exc: NotFoundError) -> Response:
    return _reply(404, {"error": "not_found", "message": "no such route"})


# ------------------------------------------------------------------ the field app
@app.post("/applications")
def create(caller: SignedIn, deps: Deps) -> Response:
    declared = _body(DeclaredApplication, decimal_numbers=True)
    record = create_application(deps.repo, caller, declared, replay=_flag("replay"))
    metrics.add_metric(name="ApplicationsCreated", unit=MetricUnit.Count, value=1)
    logger.set_correlation_id(record.application_id)
    logger.info("application created")
    return _reply(201, application_view(record, caller))


@app.get("/applications")
def list_applications(caller: SignedIn, deps: Deps) -> Response:
    state = _query("state")
    if state is not None:
        if state not in AppState._value2member_map_:
            raise UserInputError("bad_state", f"state must be one of {', '.join(AppState)}")
        if not caller.back_office:
            raise Forbidden("only the back office lists by state")
        page = deps.repo.list_by_state(state, limit=_limit(), cursor=_query("cursor"))
    else:
        page = deps.repo.list_by_officer(caller.user, limit=_limit(), cursor=_query("cursor"))
    return _reply(200, _page(page))


@app.get("/applications/<application_id>")
def get_application(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    record = _viewable(deps, caller, application_id)
    reveal = _flag("reveal") and caller.back_office
    if reveal:
        _audit_reveal(deps, record.application_id, caller.user, "application")
    return _reply(200, application_view(record, caller, reveal=reveal))


@app.post("/applications/<application_id>/documents")
def upload_slot(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    grant = request_upload(deps.repo, deps.blobs, deps.intake, caller, application_id, _body(UploadRequest))
    return _reply(201, grant)


@app.get("/applications/<application_id>/documents/<document_id>")
def get_document(application_id: str, document_id: str, caller: SignedIn, deps: Deps) -> Response:
    record = _viewable(deps, caller, application_id)
    doc = record.documents.get(document_id)
    if doc is None:
        raise NotFound("document")
    reveal = _flag("reveal") and caller.back_office
    if reveal:
        _audit_reveal(deps, record.application_id, caller.user, "document", doc.document_id)
    view = document_view(doc, reveal=reveal)
    if caller.back_office and doc.uploaded_at:
        view["image_url"] = deps.blobs.presigned_get(deps.intake.uploads_bucket, doc.key, DOWNLOAD_URL_SECONDS)
    if caller.back_office and doc.result_key:
        result = json.loads(deps.blobs.get(deps.results_bucket, doc.result_key))
        view["transactions"] = result.get("transactions", [])
        view["text"] = result.get("text", "")
    return _reply(200, view)


@app.patch("/applications/<application_id>/documents/<document_id>")
def correct_document(application_id: str, document_id: str, caller: SignedIn, deps: Deps) -> Response:
    record = correct_fields(deps.repo, caller, application_id, document_id, _body(FieldCorrections))
    return _reply(200, application_view(record, caller))


@app.post("/applications/<application_id>/submit")
def submit(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    record, change = submit_application(deps.repo, deps.blobs, deps.intake, caller, application_id,
                                        _body(SubmitRequest))
    _send(deps, change)
    return _reply(202, application_view(record, caller))


# ------------------------------------------------------------------ what came of an application
@app.get("/applications/<application_id>/audit")
def audit(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    record = _viewable(deps, caller, application_id)
    entries = deps.repo.audit_trail(record.application_id)
    return _reply(200, {"application_id": record.application_id,
                        "entries": [entry.model_dump(mode="json") for entry in entries]})


@app.get("/applications/<application_id>/decision")
def decision(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    record = _viewable(deps, caller, application_id)
    if record.decision is None:
        raise Conflict("no_decision", f"the application is {record.state}; there is no decision yet")
    body = application_view(record, caller)["decision"]
    report = deps.repo.get_report(record.application_id, record.round, "decision")
    if report is not None:
        body["explanation"] = report.get("explanation")
        body["terms"] = report.get("terms")
    return _reply(200, body)


@app.get("/applications/<application_id>/contract")
def contract(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    record = _viewable(deps, caller, application_id)
    if record.contract is None:
        raise Conflict("no_contract", f"the application is {record.state}; there is no contract yet")
    url = deps.blobs.presigned_get(deps.contracts_bucket, record.contract.key, DOWNLOAD_URL_SECONDS)
    body: dict[str, Any] = {"url": url, "sha256": record.contract.sha256, "pages": record.contract.pages,
                            "number": record.contract.number}
    signed = record.signing.signed if record.signing else None
    if signed is not None and record.signing and record.signing.contract_sha256 == record.contract.sha256:
        body["signed"] = {"url": deps.blobs.presigned_get(deps.contracts_bucket, signed.key, DOWNLOAD_URL_SECONDS),
                          "sha256": signed.sha256, "sealed_at": signed.sealed_at.isoformat()}
    return _reply(200, body)


# ------------------------------------------------------------------ the signing ceremony at the door
@app.post("/applications/<application_id>/signing/code")
def signing_code(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    answer, change = request_code(deps.repo, deps.sms, deps.signing, caller, application_id, _body(CodeRequest))
    _send(deps, change)
    return _reply(202, answer)


@app.post("/applications/<application_id>/signing/signature")
def signing_signature(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    answer, change = capture_signature(deps.repo, deps.blobs, deps.signing, caller, application_id,
                                       _body(SignatureUpload))
    _send(deps, change)
    return _reply(202, answer)


class UnlockRequest(BaseModel):
    note: str = ""


@app.post("/review/<application_id>/signing/unlock")
def signing_unlock(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    return _reply(200, unlock_signing(deps.repo, caller, application_id, _body(UnlockRequest).note))


# ------------------------------------------------------------------ the back office
@app.get("/review")
def queue(caller: SignedIn, deps: Deps) -> Response:
    return _reply(200, _page(review_queue(deps.repo, caller, limit=_limit(), cursor=_query("cursor"))))


@app.post("/review/<application_id>/claim")
def claim_review(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    return _reply(200, application_view(claim(deps.repo, caller, application_id), caller))


@app.post("/review/<application_id>/decision")
def decide_review(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    record, change = decide(deps.repo, deps.review, caller, application_id, _body(ReviewDecision))
    _send(deps, change)
    return _reply(200, application_view(record, caller))


def _viewable(deps: ApiDeps, caller: Caller, application_id: str) -> ApplicationRecord:
    record = deps.repo.get(application_id)
    require_view(caller, record)
    return record


def _audit_reveal(deps: ApiDeps, application_id: str, user: str, what: str, document_id: str | None = None) -> None:
    """Revealing an unmasked ID number is itself an audited event (a write with the version check)."""

    def change_fn(record: ApplicationRecord) -> Change:
        return Change(audit=[AuditEntry(at=utcnow(), actor=user, action="personal_data.revealed",
                                        document_id=document_id, detail={"what": what})])

    apply_change(deps.repo, application_id, change_fn)
