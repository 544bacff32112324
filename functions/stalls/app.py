"""Stall recorder: dead letters of the stage queues -> a stage failure recorded on the application.

A stage whose function died on a message's last attempt (killed, out of memory, timed out) cannot say so
itself; this function, every minute, reads the stage DLQs and records each stall on its application so the
officer and the back office see it; the dead letters stay for ``loanpipe ops redrive``. The wiring lives in
``loanpipe.entry.stalls``.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from loanpipe.entry.observability import make_logger, make_metrics
from loanpipe.entry.stalls import dead_letter_recorder, prepare

logger = make_logger()
metrics = make_metrics()
record_dead_letters = dead_letter_recorder(logger=logger, metrics=metrics)
__all__ = ["handler", "prepare"]  # prepare: what the first run builds (the Lambda-like smoke test calls it)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return record_dead_letters(event, context)
