"""The audit trail: one entry per transition or human action, written with the transition itself."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class AuditEntry(BaseModel):
    at: datetime
    actor: str  # "system:<stage>" or the user name of an officer / reviewer / admin
    action: str  # e.g. "application.created", "document.extracted", "review.approved"
    from_state: str | None = None
    to_state: str | None = None
    document_id: str | None = None
    detail: dict = Field(default_factory=dict)  # never personal data: reason codes, ids, counts
