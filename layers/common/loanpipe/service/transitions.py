"""Optimistic, audited state changes of one application.

``apply_change`` reads the application, lets a pure function change a copy of it and write it back
only if nobody else wrote in between (conditional on ``version``); on a lost race it re-reads and
re-applies, so the function always decides on the newest state. The function returns what to audit,
what to send afterwards (``Outbox``) and what to tell its caller (``result``: an outcome decided on that
newest state, so no caller smuggles results out through variables its function writes to), or ``None``
when there is nothing to do (idempotent re-delivery).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from loanpipe.domain.audit import AuditEntry
from loanpipe.domain.errors import PlatformError, StaleWrite
from loanpipe.domain.lifecycle import AppState, DocState, check_app_transition, check_doc_transition
from loanpipe.domain.records import ApplicationRecord, DocumentRecord, utcnow
from loanpipe.service.ports import ApplicationRepository, Outbox

R = TypeVar("R")


@dataclass
class Change(Generic[R]):
    """What one application of a change function did. A ``Change`` that audits nothing and leaves the record
    as it was writes nothing; its outbox is still sent and its ``result`` still returned."""

    audit: list[AuditEntry] = field(default_factory=list)
    outbox: Outbox = field(default_factory=Outbox)
    result: R | None = None


@dataclass(frozen=True)
class Applied(Generic[R]):
    """The outcome of ``apply_change``: the record as stored now, the change that was applied (None when the
    change function declined) and the change's result."""

    record: ApplicationRecord
    change: Change[R] | None

    @property
    def result(self) -> R | None:
        return self.change.result if self.change is not None else None


def move_application(
    record: ApplicationRecord, target: AppState, change: Change, *, actor: str, action: str, **detail
) -> None:
    """Move the application to ``target`` (refusing moves the state machine forbids) and audit it."""
    check_app_transition(record.state, target)
    change.audit.append(
        AuditEntry(at=utcnow(), actor=actor, action=action, from_state=record.state, to_state=target, detail=detail)
    )
    record.state = target


def move_document(
    record: ApplicationRecord, doc: DocumentRecord, target: DocState, change: Change, *, actor: str, action: str,
    **detail,
) -> None:
    check_doc_transition(doc.state, target)
    change.audit.append(
        AuditEntry(
            at=utcnow(), actor=actor, action=action, from_state=doc.state, to_state=target,
            document_id=doc.document_id, detail={"slot": doc.slot.value, **detail},
        )
    )
    doc.state = target


def apply_change(
    repo: ApplicationRepository,
    application_id: str,
    change_fn: Callable[[ApplicationRecord], Change[R] | None],
    *,
    attempts: int = 8,
) -> Applied[R]:
    for attempt in range(attempts):
        stored = repo.get(application_id)
        working = stored.model_copy(deep=True)
        change = change_fn(working)
        if change is None:
            return Applied(stored, None)
        if working == stored and not change.audit:  # nothing to record, only side effects to (re)send
            return Applied(stored, change)
        working.version = stored.version + 1
        working.updated_at = utcnow()
        try:
            repo.save(working, stored.version, change.audit)
        except StaleWrite:
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
            continue
        return Applied(working, change)
    raise PlatformError(f"application {application_id} kept changing under {attempts} attempts")
