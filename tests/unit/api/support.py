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
