"""The fan-in: an application goes to validation exactly when it is submitted and its capture is
complete (or, on a final submission, settled). Decided inside the conditional write that completes
it, so exactly one writer wins; the message it sends is idempotent on (application, stage, round)."""

from __future__ import annotations

from loanpipe.domain.lifecycle import AppState
from loanpipe.domain.records import ApplicationRecord
from loanpipe.service.messages import ValidateRequested
from loanpipe.service.transitions import Change, move_application


def start_validation_if_ready(record: ApplicationRecord, change: Change, *, actor: str,
                              validate_queue_url: str) -> bool:
    if not record.ready_for_validation():
        return False
    trigger = "capture_complete" if record.capture_complete() else "final_submission"
    move_application(record, AppState.VALIDATING, change, actor=actor, action="application.validation_started",
                     trigger=trigger, round=record.round)
    message = ValidateRequested(application_id=record.application_id, round=record.round, trigger=trigger)
    change.outbox.messages.append((validate_queue_url, message.model_dump_json()))
    return True


def resend_if_validating(record: ApplicationRecord, change: Change, validate_queue_url: str) -> None:
    """A retried writer whose earlier send may have failed sends again (the consumer is idempotent)."""
    if record.state == AppState.VALIDATING:
        trigger = "capture_complete" if record.capture_complete() else "final_submission"
        message = ValidateRequested(application_id=record.application_id, round=record.round, trigger=trigger)
        change.outbox.messages.append((validate_queue_url, message.model_dump_json()))
