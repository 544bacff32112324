"""The API function serves every route of template.yaml, behind the caller check."""

from __future__ import annotations

import re

from api.support import sample


def _template_routes(template: dict) -> list[tuple[str, str]]:
    events = template["Resources"]["ApiFunction"]["Properties"]["Events"].values()
    return sorted((e["Properties"]["Method"], e["Properties"]["Path"]) for e in events if e["Type"] == "HttpApi")


def _event_for(method: str, path: str) -> dict:
    """An event as API Gateway sends it for the route, with every path parameter filled in, and no user."""
    parameters = {name: f"X{name.upper()}" for name in re.findall(r"\{(\w+)\}", path)}
    concrete = re.sub(r"\{(\w+)\}", lambda m: parameters[m.group(1)], path)
    event = sample("api_review_queue.json")
    event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} {path}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/dev" + concrete
    event["requestContext"]["http"]["method"] = method
    event["pathParameters"] = parameters or None
    event["requestContext"]["authorizer"] = None
    return event


def test_every_route_of_the_template_reaches_its_function(call, template):
    # Given, for each route of the template, the event API Gateway sends from a token without a user
    routes = _template_routes(template)
    assert routes
    # When the API function handles them
    statuses = {f"{method} {path}": call(_event_for(method, path))[0] for method, path in routes}
    # Then each found its route (a route-less event is 404) and the caller check refused it
    assert statuses == dict.fromkeys(statuses, 401)


def test_a_method_the_template_does_not_declare_for_a_path_is_no_route(call):
    status, body = call(_event_for("DELETE", "/applications/{application_id}"))
    assert (status, body["message"]) == (404, "no such route")
