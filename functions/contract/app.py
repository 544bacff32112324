"""Contract function: approved applications (contract queue) -> contract PDF awaiting signature.

The wiring lives in ``loanpipe.entry.bootstrap``; settings and clients are built on the first message.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from loanpipe.entry.bootstrap import stage_runner
from loanpipe.entry.observability import make_logger, make_metrics, make_tracer

logger = make_logger()
tracer = make_tracer()
metrics = make_metrics()
runner = stage_runner("contract", logger=logger, metrics=metrics)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return runner.handle_batch(event, context)
