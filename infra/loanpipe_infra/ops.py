"""Operations: queue depths and dead-letter redrive (local cloud; on AWS the same calls work with
the stack's queue URLs)."""

from __future__ import annotations

import json

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


def redrive(state: LocalCloudState, stage: str, limit: int = 1000) -> int:
    """Move dead letters back to the stage queue (what an operator does once the cause is fixed).

    On AWS, ``sqs start-message-move-task`` does the same server-side; moving message by message keeps
    the body intact and deletes each dead letter only after its copy was sent."""
    queue_id, dlq_id = STAGE_QUEUES[stage]
    sqs = state.client("sqs")
    target, source = state.resources[queue_id]["Ref"], state.resources[dlq_id]["Ref"]
    moved = 0
    while moved < limit:
        messages = sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                       MessageAttributeNames=["All"]).get("Messages", [])
        if not messages:
            break
        for message in messages:
            sqs.send_message(QueueUrl=target, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=source, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved


def dead_letters(state: LocalCloudState, stage: str) -> list[dict]:
    """Peek at the dead letters of a stage (bodies parsed when they are JSON)."""
    _, dlq_id = STAGE_QUEUES[stage]
    sqs = state.client("sqs")
    messages = sqs.receive_message(QueueUrl=state.resources[dlq_id]["Ref"], MaxNumberOfMessages=10,
                                   VisibilityTimeout=0, WaitTimeSeconds=0).get("Messages", [])
    out = []
    for message in messages:
        try:
            out.append(json.loads(message["Body"]))
        except json.JSONDecodeError:
            out.append({"raw": message["Body"][:200]})
    return out
