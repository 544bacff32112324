"""An application's audit trail checked against the head kept on the application (``domain.audit``)."""

from __future__ import annotations

from loanpipe.domain.audit import ChainReport, verify_chain
from loanpipe.service.ports import ApplicationRepository


def verify_trail(repo: ApplicationRepository, application_id: str) -> ChainReport:
    """Read the application (for its head) and its trail as stored, and say whether the trail is whole."""
    record = repo.get(application_id)
    return verify_chain(application_id, repo.audit_trail(application_id), record.audit_head)
