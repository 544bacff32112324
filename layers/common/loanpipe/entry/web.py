"""What every route module of the API shares: the signed-in caller, the dependencies, reading a request and
answering JSON. The routes live in ``http`` (the app, the field app's routes) and ``backoffice`` (a Router of the
review desk's routes, included by the app); both read the request through the helpers here.

- The caller is the user of the Cognito JWT claims the authorizer put into the event (payload 2.0); a token
  without a user gets 401. Roles come from the ``cognito:groups`` claim; the service checks them (403).
- Dependencies come from the composition root through ``Depends(api_deps)``, built on the first request;
  tests put in-memory fakes in ``app.dependency_overrides[api_deps]``.
- Importing the route modules imports no pydantic model and no service: each route imports the services it calls
  when it is first called (a field officer's request does not load the review desk's), so the API function's cold
  start is powertools' resolver and the routes' table (``tests/unit/backbone/test_cold_imports.py``).
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from aws_lambda_powertools.event_handler import Depends, Request, Response
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from loanpipe.domain.errors import UserInputError
from loanpipe.entry.bootstrap import ApiDeps, api_deps
from loanpipe.service.access import Caller, parse_groups, require_view

if TYPE_CHECKING:
    from pydantic import BaseModel

    from loanpipe.domain.records import ApplicationRecord
    from loanpipe.service.ports import Page
    from loanpipe.service.transitions import Change

JSON_UTF8 = "application/json; charset=utf-8"
DOWNLOAD_URL_SECONDS = 300  # presigned GETs of images and contracts

Model = TypeVar("Model", bound="BaseModel")


class Unauthenticated(UserInputError):
    status = 401

    def __init__(self) -> None:
        super().__init__("unauthorized", "no user in the token")


def signed_in_caller(request: Request) -> Caller:
    """The user the authorizer vouched for, with the roles of their Cognito groups."""
    context = request.resolved_event.raw_event.get("requestContext") or {}
    claims = ((context.get("authorizer") or {}).get("jwt") or {}).get("claims") or {}
    user = claims.get("username") or claims.get("cognito:username") or ""
    if not user:
        raise Unauthenticated()
    return Caller(user=user, roles=parse_groups(claims.get("cognito:groups")))


# Route parameters: the caller is resolved first, so a request without a user gets 401 before anything else.
SignedIn = Annotated[Caller, Depends(signed_in_caller)]
Deps = Annotated[ApiDeps, Depends(api_deps)]


def reply(status: int, body: Any) -> Response:
    return Response(status_code=status, content_type=JSON_UTF8, body=body, headers={"Cache-Control": "no-store"})


def read_body(event: BaseProxyEvent, model: type[Model], *, decimal_numbers: bool = False) -> Model:
    """The JSON body as ``model``; no body reads as ``{}``. ``decimal_numbers``: numbers with a fraction are
    read as Decimal (amounts in a declared application), never as float."""
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


def query(event: BaseProxyEvent, name: str) -> str | None:
    return event.query_string_parameters.get(name)


def flag(event: BaseProxyEvent, name: str) -> bool:
    return str(query(event, name) or "").lower() in ("1", "true", "yes")


def limit(event: BaseProxyEvent) -> int:
    try:
        return max(1, min(int(query(event, "limit") or 50), 200))
    except ValueError as exc:
        raise UserInputError("bad_limit", "limit must be a number") from exc


def page(found: Page) -> dict:
    return {"items": [item.__dict__ for item in found.items], "cursor": found.cursor}


def send(deps: ApiDeps, change: Change | None) -> None:
    if change is not None:
        from loanpipe.service.dispatch import dispatch

        dispatch(change.outbox, deps.queue, deps.events)


def viewable(deps: ApiDeps, caller: Caller, application_id: str) -> ApplicationRecord:
    record = deps.repo.get(application_id)
    require_view(caller, record)
    return record


def audit_reveal(deps: ApiDeps, application_id: str, user: str, what: str, document_id: str | None = None) -> None:
    """Revealing an unmasked ID number is itself an audited event (a write with the version check)."""
    from loanpipe.domain.audit import AuditEntry
    from loanpipe.domain.records import utcnow
    from loanpipe.service.transitions import Change, apply_change

    def change_fn(record: ApplicationRecord) -> Change:
        return Change(audit=[AuditEntry(at=utcnow(), actor=user, action="personal_data.revealed",
                                        document_id=document_id, detail={"what": what})])

    apply_change(deps.repo, application_id, change_fn)
