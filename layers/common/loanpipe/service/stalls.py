"""Stage failures made visible: a stage that gave up on an application is recorded on it.

Two writers record a stall, each for the case only it can see:
- the stage runner, when the stage raises on the message's last attempt (cause ``stage_error``, with the
  exception's class name);
- the stall recorder (``functions/stalls``), on every dead letter of the stage queues: when no stall is
  recorded for that message yet, its last attempt ended without an answer (cause ``no_answer``: the function
  was killed, ran out of memory or timed out, and so could not record anything itself).

A stall is recorded only while the stage named by the dead letter still has to run (``ApplicationRecord.
stall_live``): a duplicate that dead-lettered after its original completed records nothing. Once the stage
completes (after ``loanpipe ops redrive``), the stall is no longer live and the officer's and the back office's
views stop showing it; the entry stays on the record, and the audit trail keeps ``stage.stalled``.
"""

from __future__ import annotations

from pydantic import ValidationError

from loanpipe.domain.audit import AuditEntry
from loanpipe.domain.errors import NotFound
from loanpipe.domain.records import ApplicationRecord, StageStall, utcnow
from loanpipe.service.messages import S3Notification, parse_stage_message
from loanpipe.service.ports import ApplicationRepository
from loanpipe.service.transitions import Change, apply_change

ACTOR = "system:stalls"
STAGE_ERROR = "stage_error"
NO_ANSWER = "no_answer"
MAX_KEPT = 20  # stalls kept on a record (live ones always; the oldest settled ones are dropped beyond this)

CAUSE_TEXTS = {
    STAGE_ERROR: {"zh": "处理环节出错，已转入死信队列，运维已收到告警",
                  "en": "the stage failed; its message is in the dead-letter queue and operations are alerted"},
    NO_ANSWER: {"zh": "处理环节未响应（被终止、内存不足或超时），已转入死信队列，运维已收到告警",
                "en": "the stage did not answer (killed, out of memory or timed out); its message is in the "
                      "dead-letter queue and operations are alerted"},
}


def stalls_of_message(message: object, cause: str, error: str | None = None) -> list[tuple[str, StageStall]]:
    """(application id, stall) for one stage message: an upload (``S3EventRecord``) or a stage request."""
    from loanpipe.service.intake import parse_upload_key

    now = utcnow()
    kind = getattr(message, "kind", None)
    if kind is None:  # an upload
        owner = parse_upload_key(message.key)  # type: ignore[attr-defined]
        if owner is None:
            return []
        return [(owner[0], StageStall(stage="extract", cause=cause, error=error, document_id=owner[1], since=now))]
    return [(message.application_id,  # type: ignore[attr-defined]
             StageStall(stage=kind, cause=cause, error=error, round=message.round,  # type: ignore[attr-defined]
                        ceremony_id=getattr(message, "ceremony_id", None), since=now))]


def stalls_of_dead_letter(body: str) -> list[tuple[str, StageStall]]:
    """The stalls a dead letter stands for (``no_answer`` unless a stall is recorded already); [] when the body
    names no application (a malformed message: it stays in the DLQ for operators, ``loanpipe ops stalled``)."""
    try:
        notification = S3Notification.model_validate_json(body)
    except ValidationError:
        notification = None
    if notification is not None and (notification.Records or notification.is_test_event):
        return [pair for upload in notification.Records for pair in stalls_of_message(upload, NO_ANSWER)]
    try:
        return stalls_of_message(parse_stage_message(body), NO_ANSWER)
    except ValidationError:
        return []


def record_stall(repo: ApplicationRepository, application_id: str, stall: StageStall) -> bool:
    """Record ``stall`` on the application (audited ``stage.stalled``) unless its stage has completed or the same
    message is recorded already. True when it was recorded now."""

    def change(record: ApplicationRecord) -> Change[bool] | None:
        if not record.stall_live(stall) or any(stall.same_message(s) for s in record.live_stalls()):
            return None
        live = record.live_stalls()
        settled = [s for s in record.stalls if not record.stall_live(s)]
        room = max(0, MAX_KEPT - len(live) - 1)
        record.stalls = [*(settled[len(settled) - room:] if room else []), *live, stall]
        entry = AuditEntry(at=stall.since, actor=ACTOR, action="stage.stalled", document_id=stall.document_id,
                           detail={"stage": stall.stage, "cause": stall.cause, "error": stall.error,
                                   "round": stall.round})
        return Change(audit=[entry], result=True)

    try:
        return bool(apply_change(repo, application_id, change).result)
    except NotFound:
        return False


def stall_view(stall: StageStall) -> dict:
    """A stall as the officer's tablet and the back office show it (no personal data: codes and ids)."""
    return {"stage": stall.stage, "cause": stall.cause, "error": stall.error, "document_id": stall.document_id,
            "since": stall.since.isoformat(), "text": CAUSE_TEXTS.get(stall.cause, {})}
