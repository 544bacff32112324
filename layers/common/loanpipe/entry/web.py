"""What every route module of the API shares: the signed-in caller, the dependencies, reading a request and
answering JSON. The routes live in ``http`` (the app, the field app's routes) and ``backoffice`` (a Router of the
review desk's routes, included by the app); both read the request through the helpers here.

- The caller is the user of the Cognito JWT claims the authorizer put into the event (payload 2.0); a token
  without a user gets 401. Roles come from the ``cognito:groups`` claim; the service checks them (403).
- Dependencies come from the composition root through ``Depends(api_deps)``, built on the first request;
  tests put in-memory fakes in ``app.dependency_overrides[api_deps]``.
- A malformed request is refused before any route runs (``malformed``), the same way on every route: a body
  not declared as JSON is 415 ``unsupported_media_type``; a body that is not JSON, nests deeper than
  ``MAX_JSON_DEPTH``, carries a number of thousands of digits or text that is not Unicode is 400
  ``bad_json``; a path id that cannot be an id is 400 ``bad_id``.
- Importing the route modules imports no pydantic model and no service: each route imports the services it calls
  when it is first called (a field officer's request does not load the review desk's), so the API function's cold
  start is powertools' resolver and the routes' table (``tests/unit/backbone/test_cold_imports.py``).
"""

from __future__ import annotations

import base64
import json
import re
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
MAX_JSON_DEPTH = 32  # the deepest request the API takes nests 4 levels
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # application and document ids (new_id: a prefix and 22 base32 characters)
_JSON_TYPE = re.compile(r"application/([a-z0-9.+-]+\+)?json", re.IGNORECASE)
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


class UnsupportedMediaType(UserInputError):
    status = 415

    def __init__(self) -> None:
        super().__init__("unsupported_media_type", "the request body must be JSON sent as application/json")


def _body_text(event: BaseProxyEvent) -> str:
    text = event.body or ""
    if event.is_base64_encoded:  # decoded leniently: bytes that are not UTF-8 end as a refused body, not a crash
        text = base64.b64decode(text).decode("utf-8", errors="replace")
    return text


def _check_value(value: Any, depth: int = 0) -> None:
    """Nesting within ``MAX_JSON_DEPTH``, strings that are Unicode (no lone surrogates such as ``"\\ud800"``)."""
    if depth > MAX_JSON_DEPTH:
        raise UserInputError("bad_json", f"the request body nests deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise UserInputError("bad_json", "the request body holds text that is not Unicode") from exc
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_value(key, depth + 1)
            _check_value(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_value(item, depth + 1)


def parse_body(event: BaseProxyEvent, *, decimal_numbers: bool = False) -> Any:
    """The request's JSON body (None when there is none), refused as ``malformed`` describes."""
    text = _body_text(event)
    if not text.strip():
        return None
    content_type = (event.headers or {}).get("content-type") or ""
    if not _JSON_TYPE.fullmatch(content_type.split(";", 1)[0].strip()):
        raise UnsupportedMediaType()
    try:
        # NaN and Infinity are read (as Decimal for amounts): the model names the field they are refused for.
        data = json.loads(text, parse_float=Decimal if decimal_numbers else None,
                          parse_constant=Decimal if decimal_numbers else None)
    except RecursionError as exc:
        raise UserInputError("bad_json", f"the request body nests deeper than {MAX_JSON_DEPTH} levels") from exc
    except ValueError as exc:  # JSONDecodeError, and integers of more digits than Python converts
        raise UserInputError("bad_json", "the request body is not valid JSON") from exc
    _check_value(data)
    return data


def malformed(event: BaseProxyEvent) -> UserInputError | None:
    """Why the request is malformed whatever its route (its path ids, its body), or None."""
    for name, value in (event.path_parameters or {}).items():
        if not _ID.fullmatch(value or ""):
            return UserInputError("bad_id", f"{name} is not an identifier")
    try:
        parse_body(event)
    except UserInputError as refused:
        return refused
    return None


def read_body(event: BaseProxyEvent, model: type[Model], *, decimal_numbers: bool = False) -> Model:
    """The JSON body as ``model``; no body reads as ``{}``. ``decimal_numbers``: numbers with a fraction are
    read as Decimal (amounts in a declared application), never as float."""
    data = parse_body(event, decimal_numbers=decimal_numbers)
    return model.model_validate({} if data is None else data)


def query(event: BaseProxyEvent, name: str) -> str | None:
    return event.query_string_parameters.get(name)


def flag(event: BaseProxyEvent, name: str) -> bool:
    return str(query(event, name) or "").lower() in ("1", "true", "yes")


def limit(event: BaseProxyEvent) -> int:
    """The page size asked for: 1 or more (more than 200 reads as 200); absent or empty: 50."""
    text = query(event, "limit") or "50"
    if not text.isascii() or not text.isdigit() or len(text) > 6 or int(text) < 1:
        raise UserInputError("bad_limit", "limit must be a whole number from 1")
    return min(int(text), 200)


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
