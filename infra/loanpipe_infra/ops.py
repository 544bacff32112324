"""Operations: queue depths, stalled applications and dead-letter redrive (local cloud; on AWS the same calls
work with the stack's queue URLs and table name)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from loanpipe_infra.localcloud.cloud import LocalCloudState

STAGE_QUEUES = {
    "extract": ("ExtractQueue", "ExtractDLQ"),
    "validate": ("ValidateQueue", "ValidateDLQ"),
    "score": ("ScoreQueue", "ScoreDLQ"),
    "contract": ("ContractQueue", "ContractDLQ"),
}


def _depth(sqs, url: str) -> tuple[int, int]:
    attrs = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])


def queue_depths(state: LocalCloudState) -> list[dict]:
    sqs = state.client("sqs")
    rows = []
    for stage, (queue_id, dlq_id) in STAGE_QUEUES.items():
        visible, in_flight = _depth(sqs, state.resources[queue_id]["Ref"])
        dead, _ = _depth(sqs, state.resources[dlq_id]["Ref"])
        rows.append({"queue": stage, "visible": visible, "in_flight": in_flight, "dead_letters": dead})
    return rows


def redrive(state: LocalCloudState, stage: str, limit: int = 1000, held_wait: float = 5.0) -> int:
    """Move dead letters back to the stage queue (what an operator does once the cause is fixed).

    On AWS, ``sqs start-message-move-task`` does the same server-side; moving message by message keeps
    the body intact and deletes each dead letter only after its copy was sent. Dead letters the stall recorder
    holds in flight (it peeks at each for 2 s every minute) are waited for, up to ``held_wait`` s."""
    queue_id, dlq_id = STAGE_QUEUES[stage]
    sqs = state.client("sqs")
    target, source = state.resources[queue_id]["Ref"], state.resources[dlq_id]["Ref"]
    moved = 0
    deadline = time.monotonic() + held_wait
    while moved < limit:
        messages = sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                       MessageAttributeNames=["All"]).get("Messages", [])
        if not messages:
            visible, held = _depth(sqs, source)
            if (visible or held) and time.monotonic() < deadline:
                continue
            break
        for message in messages:
            sqs.send_message(QueueUrl=target, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=source, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved


def dead_letters(state: LocalCloudState, stage: str, raw: bool = False) -> list:
    """Peek at the dead letters of a stage (bodies parsed when they are JSON; ``raw``: the bodies as sent)."""
    _, dlq_id = STAGE_QUEUES[stage]
    sqs = state.client("sqs")
    messages = sqs.receive_message(QueueUrl=state.resources[dlq_id]["Ref"], MaxNumberOfMessages=10,
                                   VisibilityTimeout=0, WaitTimeSeconds=0).get("Messages", [])
    if raw:
        return [message["Body"] for message in messages]
    out = []
    for message in messages:
        try:
            out.append(json.loads(message["Body"]))
        except json.JSONDecodeError:
            out.append({"raw": message["Body"][:200]})
    return out


# What "stalled" means for an application with no recorded stall: it waits in a working state (a message should
# be on its way) and its stage's queue holds nothing, visible or in flight, for longer than the threshold.
_WORKING = {"VALIDATING": "validate", "SCORING": "score", "APPROVED": "contract"}
_OPEN_STATES = ("DRAFT", "SUBMITTED", "VALIDATING", "SCORING", "IN_REVIEW", "APPROVED", "AWAITING_SIGNATURE")


def _age(since: datetime, now: datetime) -> int:
    return int((now - since).total_seconds())


def stalled(state: LocalCloudState, older_than: float = 900.0, now: datetime | None = None) -> list[dict]:
    """Stalled applications, oldest first: each with its stage, cause and age in seconds.

    - a stall recorded on the application (``service.stalls``: the stage raised on its last attempt, or its
      dead letter was recorded by the stall recorder) while its stage has not completed;
    - an application waiting in a working state (or a document being read) for longer than ``older_than`` s
      while its stage's queue holds no message at all: cause ``no_message_in_flight``;
    - a dead letter that names no application: cause ``unreadable_dead_letter``."""
    from loanpipe.adapters.dynamo import DynamoApplicationRepository

    now = now or datetime.now(UTC)
    sqs = state.client("sqs")
    repo = DynamoApplicationRepository(state.client("dynamodb"), state.resources["ApplicationsTable"]["Ref"])
    idle = {stage: sum(_depth(sqs, state.resources[queue_id]["Ref"])) == 0
            for stage, (queue_id, _) in STAGE_QUEUES.items()}
    rows: list[dict] = []
    for app_state in _OPEN_STATES:
        for record in repo.records_in_state(app_state, limit=100_000):
            rows += _stalls_of(record, idle, older_than, now)
    rows += _unreadable_dead_letters(state)
    return sorted(rows, key=lambda row: -row["age_seconds"])


def _stalls_of(record, idle: dict[str, bool], older_than: float, now: datetime) -> list[dict]:
    base = {"application_id": record.application_id, "state": record.state.value}
    live = record.live_stalls()
    if live:
        return [{**base, "stage": s.stage, "cause": s.cause, "error": s.error, "document_id": s.document_id,
                 "age_seconds": _age(s.since, now)} for s in live]
    rows = []
    stage = _WORKING.get(record.state.value)
    if stage and idle[stage] and _age(record.updated_at, now) > older_than:
        rows.append({**base, "stage": stage, "cause": "no_message_in_flight", "error": None, "document_id": None,
                     "age_seconds": _age(record.updated_at, now)})
    for doc in record.documents.values():
        since = doc.uploaded_at or doc.requested_at
        if doc.state.value == "EXTRACTING" and idle["extract"] and _age(since, now) > older_than:
            rows.append({**base, "stage": "extract", "cause": "no_message_in_flight", "error": None,
                         "document_id": doc.document_id, "age_seconds": _age(since, now)})
    return rows


def _unreadable_dead_letters(state: LocalCloudState) -> list[dict]:
    from loanpipe.service.stalls import stalls_of_dead_letter

    rows = []
    for stage in STAGE_QUEUES:
        for body in dead_letters(state, stage, raw=True):
            if not stalls_of_dead_letter(body):
                rows.append({"application_id": None, "state": None, "stage": stage, "cause": "unreadable_dead_letter",
                             "error": None, "document_id": None, "age_seconds": 0})
    return rows


def stalled_lines(rows: list[dict]) -> list[str]:
    """``loanpipe ops stalled`` as an operator reads it: one line per stall, then the count."""
    lines = []
    for row in rows:
        where = f" document {row['document_id']}" if row["document_id"] else ""
        error = f" ({row['error']})" if row["error"] else ""
        lines.append(f"{row['application_id'] or '-':<28} {row['state'] or '-':<19} {row['stage']:<9} "
                     f"{row['cause']}{error}{where}  {row['age_seconds']} s")
    return [*lines, f"{len(rows)} stalled"]
