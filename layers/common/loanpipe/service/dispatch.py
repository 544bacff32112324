"""Carry out an outbox after its transition was written."""

from __future__ import annotations

from loanpipe.service.ports import EventPublisher, Outbox, StageQueue


def dispatch(outbox: Outbox, queue: StageQueue, events: EventPublisher) -> None:
    for queue_url, body in outbox.messages:
        queue.send(queue_url, body)
    for event in outbox.events:
        events.publish(event)
    for action in outbox.after:
        action()
