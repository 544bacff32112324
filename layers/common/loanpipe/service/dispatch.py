"""Carry out an outbox after its transition was written."""

from __future__ import annotations

from loanpipe.service.ports import EventPublisher, Outbox, StageQueue


def dispatch(outbox: Outbox, queue: StageQueue, events: EventPublisher) -> None:
    for queue_url, body in outbox.messages:
        queue.send(queue_url, body)
    for detail_type, detail in outbox.events:
        events.publish(detail_type, detail)
    for action in outbox.after:
        action()
