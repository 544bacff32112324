"""Typed errors.

Two families, handled differently by every stage:
- ``UserInputError``: something a user caused (bad file, bad field, wrong role). It ends in a
  terminal state with a reason code and is never retried.
- anything else (``PlatformError`` and unexpected exceptions): retried by SQS, then a DLQ.
"""

from __future__ import annotations


class LoanpipeError(Exception):
    """Base of every error the domain raises on purpose."""


class UserInputError(LoanpipeError):
    """A user caused it; carries a stable reason code and a message safe to show (no personal data)."""

    status = 400

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class RejectedInput(UserInputError):
    """A document file that cannot be read as a document (wrong type, empty, too big, broken)."""

    status = 422


class NotFound(UserInputError):
    status = 404

    def __init__(self, what: str):
        super().__init__("not_found", f"{what} not found")


class Forbidden(UserInputError):
    status = 403

    def __init__(self, message: str = "your role does not allow this"):
        super().__init__("forbidden", message)


class Conflict(UserInputError):
    """The request is valid but the application is not in a state that allows it."""

    status = 409


class StaleWrite(LoanpipeError):
    """A conditional write lost a race: the item changed since it was read. Callers re-read and retry."""


class PlatformError(LoanpipeError):
    """The platform failed (a dependency, a timeout); the message is retried and ends in a DLQ."""
