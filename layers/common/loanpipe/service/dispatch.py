"""Carry out an outbox after its transition was written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from loanpipe.domain.records import ApplicationRecord
from loanpipe.service.ports import ApplicationRepository, EventPublisher, Outbox, StageQueue
from loanpipe.service.transitions import Applied, Change, apply_change

R = TypeVar("R")


class StagePorts(Protocol):
    """What a stage's deps give ``apply_and_dispatch``: the application table, the queues, the bus."""

    repo: ApplicationRepository
    queue: StageQueue
    events: EventPublisher


def dispatch(outbox: Outbox, queue: StageQueue, events: EventPublisher) -> None:
    for queue_url, body in outbox.messages:
        queue.send(queue_url, body)
    for event in outbox.events:
        events.publish(event)
    for action in outbox.after:
        action()


def apply_and_dispatch(deps: StagePorts, application_id: str,
                       change_fn: Callable[[ApplicationRecord], Change[R] | None]) -> Applied[R]:
    """``apply_change``, then send what the applied change put in its outbox (nothing when it declined)."""
    applied = apply_change(deps.repo, application_id, change_fn)
    if applied.change is not None:
        dispatch(applied.change.outbox, deps.queue, deps.events)
    return applied
