r"""The state machines of an application and of its documents.

Application
-----------
::

    DRAFT --submit--> SUBMITTED --(every required document EXTRACTED)--> VALIDATING --> SCORING
       ^                  |  ^                                                              |
       |                  |  +---- reviewer asks for a retake (round + 1) ----+             |
       |                  v                                                   |             v
       |            (waits while a document is RETAKE_REQUESTED)          IN_REVIEW <-- review
       |                                                                      |  |
    CANCELLED (officer, before a decision)                      approve ------+  +----- decline
    EXPIRED   (the capture was left open too long, swept)
                                                                   |                       |
    APPROVED --contract--> AWAITING_SIGNATURE --signature--> SIGNED            DECLINED <--+ (knock-out)

- Waiting states: DRAFT, SUBMITTED (capture or retake pending), IN_REVIEW (a human decides),
  AWAITING_SIGNATURE (the customer signs).
- Working states: VALIDATING, SCORING, APPROVED (a message is on its way; if it dead-letters,
  operators redrive it and the stage resumes, so the application is never lost).
- Terminal states: DECLINED, SIGNED, CANCELLED, EXPIRED.

An open capture (DRAFT or SUBMITTED) ends: the officer cancels it (CANCELLED, with a reason, audited), or it
expires (EXPIRED) when it is still open the configured time after it was opened (created, or reopened by a
reviewer's retake request): the draft sweep (``service.drafts.expire_drafts``) moves it, audited. Neither
counts as an open application for the concurrent-application check any more.

A "final" submission (the officer confirms no better photo can be taken) lets validation start
once every uploaded document has settled, even when a required slot is missing or unreadable;
validation then routes the application to review with ``document_missing`` /
``document_unreadable``.

Document
--------
::

    PENDING_UPLOAD --object created--> EXTRACTING --> EXTRACTED
                                                 \--> RETAKE_REQUESTED (quality gate; officer retakes)
                                                 \--> REJECTED_INPUT   (not a readable file)
    any of them --a new upload in the same slot--> SUPERSEDED

A document is one upload grant (a server-chosen key) and one file: the first object version written under
the key is pinned on the document and is its evidence. A file posted again under the same grant changes
nothing: it is recorded on the document and audited (``document.upload_refused``). A new photo of a slot
is a new document (a retake names the one it ``replaces``), so a settled document never goes back to
EXTRACTING.

Every transition is a conditional write on the application item's ``version`` and appends an
audit entry in the same transaction.
"""

from __future__ import annotations

from enum import StrEnum


class AppState(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    VALIDATING = "VALIDATING"
    SCORING = "SCORING"
    IN_REVIEW = "IN_REVIEW"
    APPROVED = "APPROVED"
    AWAITING_SIGNATURE = "AWAITING_SIGNATURE"
    SIGNED = "SIGNED"
    DECLINED = "DECLINED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


class DocState(StrEnum):
    PENDING_UPLOAD = "PENDING_UPLOAD"
    EXTRACTING = "EXTRACTING"
    EXTRACTED = "EXTRACTED"
    RETAKE_REQUESTED = "RETAKE_REQUESTED"
    REJECTED_INPUT = "REJECTED_INPUT"
    SUPERSEDED = "SUPERSEDED"


APP_TRANSITIONS: dict[AppState, frozenset[AppState]] = {
    AppState.DRAFT: frozenset({AppState.SUBMITTED, AppState.VALIDATING, AppState.CANCELLED, AppState.EXPIRED}),
    AppState.SUBMITTED: frozenset({AppState.VALIDATING, AppState.CANCELLED, AppState.EXPIRED}),
    AppState.VALIDATING: frozenset({AppState.SCORING, AppState.IN_REVIEW}),
    AppState.SCORING: frozenset({AppState.APPROVED, AppState.IN_REVIEW, AppState.DECLINED}),
    AppState.IN_REVIEW: frozenset({AppState.APPROVED, AppState.DECLINED, AppState.SUBMITTED, AppState.VALIDATING}),
    AppState.APPROVED: frozenset({AppState.AWAITING_SIGNATURE, AppState.IN_REVIEW}),
    AppState.AWAITING_SIGNATURE: frozenset({AppState.SIGNED, AppState.IN_REVIEW}),
    AppState.SIGNED: frozenset(),
    AppState.DECLINED: frozenset(),
    AppState.CANCELLED: frozenset(),
    AppState.EXPIRED: frozenset(),
}

TERMINAL_APP_STATES = frozenset(state for state, nexts in APP_TRANSITIONS.items() if not nexts)
WAITING_APP_STATES = frozenset({AppState.DRAFT, AppState.SUBMITTED, AppState.IN_REVIEW, AppState.AWAITING_SIGNATURE})
# States in which new uploads are accepted (the capture is still open).
UPLOAD_OPEN_STATES = frozenset({AppState.DRAFT, AppState.SUBMITTED})
# Applications that count as "open" for the concurrent-application check.
OPEN_APP_STATES = frozenset(set(AppState) - TERMINAL_APP_STATES)

DOC_TRANSITIONS: dict[DocState, frozenset[DocState]] = {
    DocState.PENDING_UPLOAD: frozenset({DocState.EXTRACTING, DocState.REJECTED_INPUT, DocState.SUPERSEDED}),
    DocState.EXTRACTING: frozenset(
        {DocState.EXTRACTED, DocState.RETAKE_REQUESTED, DocState.REJECTED_INPUT, DocState.SUPERSEDED}
    ),
    # A settled document never goes back to EXTRACTING: a new file is a new document (one grant, one file).
    DocState.EXTRACTED: frozenset({DocState.SUPERSEDED, DocState.RETAKE_REQUESTED}),
    DocState.RETAKE_REQUESTED: frozenset({DocState.SUPERSEDED}),
    DocState.REJECTED_INPUT: frozenset({DocState.SUPERSEDED}),
    DocState.SUPERSEDED: frozenset(),
}
SETTLED_DOC_STATES = frozenset({DocState.EXTRACTED, DocState.RETAKE_REQUESTED, DocState.REJECTED_INPUT})


class IllegalTransition(Exception):
    """A bug or a stale message: the state machine does not allow this move."""


def check_app_transition(current: AppState, target: AppState) -> None:
    if target not in APP_TRANSITIONS[current]:
        raise IllegalTransition(f"application cannot go from {current} to {target}")


def check_doc_transition(current: DocState, target: DocState) -> None:
    if target not in DOC_TRANSITIONS[current]:
        raise IllegalTransition(f"document cannot go from {current} to {target}")
