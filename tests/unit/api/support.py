"""Sample events of ``events/`` (API Gateway HTTP API payload 2.0 with Cognito JWT claims) and small edits of them."""

from __future__ import annotations

import copy
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SAMPLE_ID = "LA01SAMPLE0000000000000000"  # the application id in the samples' paths


def sample(name: str) -> dict:
    """A sample event of ``events/`` (a fresh copy each time)."""
    return copy.deepcopy(json.loads((ROOT / "events" / name).read_text()))


def signed_in_as(event: dict, user: str, *groups: str) -> dict:
    """The event with the claims of a Cognito user in ``groups`` (the HTTP API's ``[a b]`` string form)."""
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    claims["username"] = user
    claims["cognito:groups"] = "[" + " ".join(groups) + "]"
    return event


def for_application(event: dict, application_id: str) -> dict:
    """The event with the sample's application id replaced by ``application_id`` in its path."""
    event["pathParameters"]["application_id"] = application_id
    event["rawPath"] = event["rawPath"].replace(SAMPLE_ID, application_id)
    request = event["requestContext"]["http"]
    request["path"] = request["path"].replace(SAMPLE_ID, application_id)
    return event


def request(method: str, path: str, body: dict | None = None, user: str | None = None, groups: tuple[str, ...] = (),
            query: dict[str, str] | None = None) -> dict:
    """The event API Gateway sends for ``method path`` (a concrete path, e.g. ``/review/LA01.../claim``) from
    ``user`` in Cognito ``groups``; no user: a token without one (the authorizer's claims are absent)."""
    event = sample("api_review_queue.json")
    names = {"applications": "application_id", "review": "application_id", "documents": "document_id"}
    parts = path.strip("/").split("/")
    parameters = {names[parts[i - 1]]: part for i, part in enumerate(parts)
                  if i > 0 and parts[i - 1] in names and part not in ("signing",)}
    template = "/" + "/".join("{" + names[parts[i - 1]] + "}" if i > 0 and parts[i - 1] in names
                              and part not in ("signing",) else part for i, part in enumerate(parts))
    event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} {template}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/dev" + path
    event["requestContext"]["http"]["method"] = method
    event["pathParameters"] = parameters or None
    event["queryStringParameters"] = query
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in (query or {}).items())
    event["body"] = json.dumps(body, ensure_ascii=False) if body is not None else None
    if user is None:
        event["requestContext"]["authorizer"] = None
    else:
        signed_in_as(event, user, *groups)
    return event
