"""What each stage reports it did with one message.

The values are part of the operations interface: the runner counts each as the metric
``<Stage>_<value>`` (``Upload_extracted``, ``Decision_approve``...) and logs it as ``outcome``; dashboards and
alarms name them. Never rename a value; add a member for a new outcome.
"""

from __future__ import annotations

from enum import StrEnum


class ExtractOutcome(StrEnum):
    """An upload notification (metric prefix ``Upload``)."""

    EXTRACTED = "extracted"
    RETAKE_REQUESTED = "retake_requested"
    REJECTED_INPUT = "rejected_input"
    IGNORED = "ignored"  # not an upload of a slot of a known application
    DUPLICATE = "duplicate"  # this file was read already
    SUPERSEDED = "superseded"  # a newer upload of the slot decides
    REFUSED = "refused"  # a second file under a used upload grant: recorded and audited, never read


class ValidateOutcome(StrEnum):
    """A validation request (metric prefix ``Validation``)."""

    VALIDATED = "validated"
    RESENT = "resent"  # validated before: the score request is sent again
    STALE = "stale"  # another round, or the application moved on
    SUPERSEDED = "superseded"  # it moved on while the checks ran
    UNKNOWN_APPLICATION = "unknown_application"


class ScoreOutcome(StrEnum):
    """A score request (metric prefix ``Decision``): the decision, or why there was none."""

    APPROVE = "approve"
    REVIEW = "review"
    DECLINE = "decline"
    RESENT = "resent"  # approved before: the contract request and the decision event sent again
    STALE = "stale"
    SUPERSEDED = "superseded"
    UNKNOWN_APPLICATION = "unknown_application"


class ContractOutcome(StrEnum):
    """A contract request (metric prefix ``Contract``)."""

    RENDERED = "rendered"
    DUPLICATE = "duplicate"  # rendered before (its ContractReady sent again)
    NOT_APPROVED = "not_approved"
    STALE = "stale"
    SUPERSEDED = "superseded"
    UNKNOWN_APPLICATION = "unknown_application"


class SealOutcome(StrEnum):
    """A seal request (metric prefix ``Seal``)."""

    SIGNED = "signed"
    DUPLICATE = "duplicate"  # sealed and announced before
    ANNOUNCED = "announced"  # sealed before; its events had not gone out yet, now they have
    NOT_SIGNING = "not_signing"  # no captured signature, or not awaiting one
    SIGNATURE_REFUSED = "signature_refused"  # the image could not be stamped: the customer signs again
    STALE = "stale"
    SUPERSEDED = "superseded"
    UNKNOWN_APPLICATION = "unknown_application"


class FlagOutcome(StrEnum):
    """Another application found carrying an image this one carries."""

    FLAGGED = "flagged"
    PULLED_BACK = "pulled_back"  # it was approved: back to a reviewer before the customer signs
    CLOSED = "closed"  # signed, declined or cancelled: left as it is
    UNCHANGED = "unchanged"  # flagged by this application before
