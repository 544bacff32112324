"""The HTTP API of field officers, reviewers and operators, on powertools' ``APIGatewayHttpResolver``.

The routes are those of template.yaml (the HttpApi events of ApiFunction; a unit test keeps the two equal):
the field app's and the signing ceremony's here, the back office's in ``backoffice`` (a Router included
below). Each route parses its request, calls the service and answers JSON with ``cache-control: no-store``;
the caller, the dependencies and the request helpers are in ``web``.

- What a user can get wrong answers ``{"error": code, "message"}`` with the status of its typed error
  (``loanpipe.domain.errors``); a malformed request (``web.malformed``: a body not sent as JSON is 415, one that
  is not JSON 400 ``bad_json``, a path id that cannot be one 400 ``bad_id``) is refused on every route alike;
  invalid fields are 422 with the fields named and their values never echoed (they can hold personal data); an
  illegal transition is 409.
  Anything else is the platform's fault and propagates (the function fails: 500).

Each route imports the services it calls when it is first called (``web`` says why).
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.metrics import MetricUnit
from pydantic_core import ValidationError  # pydantic's (pydantic.ValidationError), without pydantic's models

from loanpipe.domain.errors import Conflict, Forbidden, UserInputError
from loanpipe.domain.lifecycle import AppState, IllegalTransition
from loanpipe.entry.backoffice import router as backoffice
from loanpipe.entry.observability import make_logger, make_metrics
from loanpipe.entry.web import (
    DOWNLOAD_URL_SECONDS,
    Deps,
    SignedIn,
    audit_reveal,
    flag,
    limit,
    malformed,
    page,
    query,
    read_body,
    reply,
    send,
    viewable,
)

logger = make_logger()
metrics = make_metrics()
app = APIGatewayHttpResolver(serializer=partial(json.dumps, ensure_ascii=False, default=str))


def _correlate(router: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
    """The logs' correlation id is the request id until the application is known, then the application id."""
    application_id = router.current_event.path_parameters.get("application_id")
    if application_id:
        logger.set_correlation_id(application_id)
    return next_middleware(router)


def _well_formed(router: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
    """A malformed request is refused before its route runs, whether or not the route reads a body."""
    refused = malformed(router.current_event)
    if refused is not None:
        logger.info("request refused", error=refused.code, status=refused.status)
        return reply(refused.status, {"error": refused.code, "message": refused.message})
    return next_middleware(router)


app.use(middlewares=[_well_formed, _correlate])


# ------------------------------------------------------------------ errors
@app.exception_handler(ValidationError)
def _invalid_fields(exc: ValidationError) -> Response:
    # Never echo the submitted values back (they can hold personal data): location and message only.
    details = [{"field": ".".join(str(p) for p in error["loc"]), "message": error["msg"]} for error in exc.errors()]
    return reply(422, {"error": "invalid_request", "message": "the request has invalid fields", "details": details})


@app.exception_handler(UserInputError)
def _refused(exc: UserInputError) -> Response:
    logger.info("request refused", error=exc.code, status=exc.status)
    return reply(exc.status, {"error": exc.code, "message": exc.message})


@app.exception_handler(IllegalTransition)
def _illegal_transition(exc: IllegalTransition) -> Response:
    return reply(409, {"error": "illegal_transition", "message": str(exc)})


@app.not_found
def _no_route(exc: NotFoundError) -> Response:
    return reply(404, {"error": "not_found", "message": "no such route"})


# ------------------------------------------------------------------ the field app
@app.post("/applications")
def create(caller: SignedIn, deps: Deps) -> Response:
    from loanpipe.domain.application import ApplicationRequest
    from loanpipe.service.intake import create_application
    from loanpipe.service.views import application_view

    declared = read_body(app.current_event, ApplicationRequest, decimal_numbers=True).declared()
    record = create_application(deps.repo, caller, declared, replay=flag(app.current_event, "replay"))
    metrics.add_metric(name="ApplicationsCreated", unit=MetricUnit.Count, value=1)
    logger.set_correlation_id(record.application_id)
    logger.info("application created")
    return reply(201, application_view(record, caller))


@app.get("/applications")
def list_applications(caller: SignedIn, deps: Deps) -> Response:
    event = app.current_event
    state = query(event, "state")
    if state is not None:
        if state not in AppState._value2member_map_:
            raise UserInputError("bad_state", f"state must be one of {', '.join(AppState)}")
        if not caller.back_office:
            raise Forbidden("only the back office lists by state")
        found = deps.repo.list_by_state(state, limit=limit(event), cursor=query(event, "cursor"))
    else:
        found = deps.repo.list_by_officer(caller.user, limit=limit(event), cursor=query(event, "cursor"))
    return reply(200, page(found))


@app.get("/applications/<application_id>")
def get_application(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    from loanpipe.service.views import application_view

    record = viewable(deps, caller, application_id)
    reveal = flag(app.current_event, "reveal") and caller.back_office
    if reveal:
        audit_reveal(deps, record.application_id, caller.user, "application")
    return reply(200, application_view(record, caller, reveal=reveal))


@app.post("/applications/<application_id>/documents")
def upload_slot(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    from loanpipe.service.intake import UploadRequest, request_upload

    grant = request_upload(deps.repo, deps.blobs, deps.intake, caller, application_id,
                           read_body(app.current_event, UploadRequest))
    return reply(201, grant)


@app.post("/applications/<application_id>/submit")
def submit(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    from loanpipe.service.intake import SubmitRequest, submit_application
    from loanpipe.service.views import application_view

    record, change = submit_application(deps.repo, deps.blobs, deps.intake, caller, application_id,
                                        read_body(app.current_event, SubmitRequest))
    send(deps, change)
    return reply(202, application_view(record, caller))


# ------------------------------------------------------------------ what came of an application
@app.get("/applications/<application_id>/decision")
def decision(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    from loanpipe.service.views import application_view

    record = viewable(deps, caller, application_id)
    if record.decision is None:
        raise Conflict("no_decision", f"the application is {record.state}; there is no decision yet")
    body = application_view(record, caller)["decision"]
    report = deps.repo.get_report(record.application_id, record.round, "decision")
    if report is not None:
        body["explanation"] = report.get("explanation")
        body["terms"] = report.get("terms")
    return reply(200, body)


@app.get("/applications/<application_id>/contract")
def contract(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    record = viewable(deps, caller, application_id)
    if record.contract is None:
        raise Conflict("no_contract", f"the application is {record.state}; there is no contract yet")
    url = deps.blobs.presigned_get(deps.contracts_bucket, record.contract.key, DOWNLOAD_URL_SECONDS)
    body: dict[str, Any] = {"url": url, "sha256": record.contract.sha256, "pages": record.contract.pages,
                            "number": record.contract.number}
    signed = record.signing.signed if record.signing else None
    if signed is not None and record.signing and record.signing.contract_sha256 == record.contract.sha256:
        body["signed"] = {"url": deps.blobs.presigned_get(deps.contracts_bucket, signed.key, DOWNLOAD_URL_SECONDS),
                          "sha256": signed.sha256, "sealed_at": signed.sealed_at.isoformat()}
    return reply(200, body)


# ------------------------------------------------------------------ the signing ceremony at the door
@app.post("/applications/<application_id>/signing/code")
def signing_code(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    from loanpipe.service.signing import CodeRequest, request_code

    answer, change = request_code(deps.repo, deps.sms, deps.signing, caller, application_id,
                                  read_body(app.current_event, CodeRequest))
    send(deps, change)
    return reply(202, answer)


@app.post("/applications/<application_id>/signing/signature")
def signing_signature(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    from loanpipe.service.signing import SignatureUpload, capture_signature

    answer, change = capture_signature(deps.repo, deps.blobs, deps.signing, caller, application_id,
                                       read_body(app.current_event, SignatureUpload))
    send(deps, change)
    return reply(202, answer)


@app.post("/review/<application_id>/signing/unlock")
def signing_unlock(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    from loanpipe.service.signing import UnlockRequest, unlock_signing

    note = read_body(app.current_event, UnlockRequest).note
    return reply(200, unlock_signing(deps.repo, caller, application_id, note))


# ------------------------------------------------------------------ the back office (review desk, item page, audit)
app.include_router(backoffice)
