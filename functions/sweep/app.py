"""Draft sweep function: on a schedule, captures left open past their time become EXPIRED (audited).

The wiring lives in ``loanpipe.entry.housekeeping``; settings and the table client are built on the first run.
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from loanpipe.entry.housekeeping import prepare, sweep_drafts
from loanpipe.entry.observability import make_logger, make_metrics, make_tracer

logger = make_logger()
tracer = make_tracer()
metrics = make_metrics()
__all__ = ["handler", "prepare"]  # prepare: what the first run builds (the Lambda-like smoke test calls it)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> dict:
    result = sweep_drafts()
    metrics.add_metric(name="DraftsExpired", unit=MetricUnit.Count, value=len(result.expired))
    logger.info("drafts swept", expired=len(result.expired), still_open=result.still_open)
    return {"expired": result.expired, "still_open": result.still_open}
