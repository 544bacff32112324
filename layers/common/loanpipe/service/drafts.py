"""The end of a capture that never reached a decision: the officer cancels it, or it expires.

A draft holds a customer's ID number: while it is open it counts as an open application for the
concurrent-application check of every other application with that number. So an open capture ends:
the officer who made it cancels it (``cancel_application``: CANCELLED with a reason code, audited), or it
expires (``expire_drafts``: EXPIRED, audited) at its ``capture_expires_at``: the configured time
(``DRAFT_OPEN_HOURS``, the template's ``DraftOpenHours``) after it was created or reopened by a reviewer's
retake request. Both are terminal; the officer sees them, with the
reason, in the application's view.

The sweep runs on a schedule (the ``DraftSweepFunction``, every 15 minutes on AWS and on the local cloud);
it reads the open captures through the state index and expires each in one conditional write, so a capture
submitted or cancelled at the same moment is never expired over its new state.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from loanpipe.domain.errors import Conflict
from loanpipe.domain.lifecycle import UPLOAD_OPEN_STATES, AppState
from loanpipe.domain.records import CAPTURE_OPEN_FOR, ApplicationRecord, utcnow
from loanpipe.service.access import Caller, require_owner
from loanpipe.service.ports import ApplicationRepository
from loanpipe.service.transitions import Change, apply_change, move_application

log = logging.getLogger(__name__)
SWEEP_ACTOR = "system:draft-sweep"


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Literal["customer_withdrew", "captured_in_error", "duplicate_capture"]
    note: str = Field(default="", max_length=500)


@dataclass(frozen=True)
class SweepResult:
    expired: list[str]
    still_open: int


def cancel_application(repo: ApplicationRepository, caller: Caller, application_id: str,
                       request: CancelRequest) -> ApplicationRecord:
    """The owning officer ends an open capture (DRAFT or SUBMITTED) before any decision."""

    def change_fn(record: ApplicationRecord) -> Change:
        require_owner(caller, record)
        if record.state == AppState.CANCELLED:
            raise Conflict("already_cancelled", "the application is cancelled already")
        if record.state not in UPLOAD_OPEN_STATES:
            raise Conflict("not_cancellable", f"the application is {record.state}: only an open capture is "
                                              "cancelled")
        change: Change = Change()
        record.closed_reason = request.reason
        move_application(record, AppState.CANCELLED, change, actor=caller.user, action="application.cancelled",
                         reason=request.reason, note=request.note)
        return change

    return apply_change(repo, application_id, change_fn).record


def expire_drafts(repo: ApplicationRepository, open_for: timedelta = CAPTURE_OPEN_FOR, now: datetime | None = None,
                  limit: int = 1000) -> SweepResult:
    """Expire every open capture past its time (``capture_expires_at``, or ``open_for`` after its creation on
    records older than that field); returns the ids expired and how many stay open."""
    now = now or utcnow()
    expired: list[str] = []
    still_open = 0
    for state in (AppState.DRAFT, AppState.SUBMITTED):
        for record in repo.records_in_state(state.value, limit=limit):
            due = record.capture_due(open_for)
            if due is None or due > now:
                still_open += 1
                continue
            applied = apply_change(repo, record.application_id, lambda r: _expire(r, open_for, now))
            if applied.change is not None:
                expired.append(record.application_id)
    log.info("draft sweep", extra={"expired": len(expired), "still_open": still_open})
    return SweepResult(expired, still_open)


def _expire(record: ApplicationRecord, open_for: timedelta, now: datetime) -> Change | None:
    due = record.capture_due(open_for)
    if due is None or due > now:  # submitted, cancelled or reopened since it was listed
        return None
    change: Change = Change()
    record.closed_reason = "draft_expired"
    move_application(record, AppState.EXPIRED, change, actor=SWEEP_ACTOR, action="application.expired",
                     reason="draft_expired", due=due.isoformat())
    return change
