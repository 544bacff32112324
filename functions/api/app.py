"""API function: the HTTP API of field officers, reviewers and operators (routes in template.yaml).

The routes, their parsing and their error answers live in ``loanpipe.entry.http`` (the back office's in
``loanpipe.entry.backoffice``, a Router the app includes); the wiring in
``loanpipe.entry.bootstrap.api_deps`` (settings and clients are built on the first request).
"""

from __future__ import annotations

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from loanpipe.entry.http import app, logger, metrics
from loanpipe.entry.observability import make_tracer

tracer = make_tracer()


# The correlation id is the request id until the application is known, then the application id.
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
