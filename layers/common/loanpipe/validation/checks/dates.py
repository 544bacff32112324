"""The income certificate's dates: issued recently before the capture, employment started before it."""

from __future__ import annotations

from datetime import date

from loanpipe.domain.calendar import full_months
from loanpipe.domain.case import CaseDocument
from loanpipe.policy.model import CertificateRules
from loanpipe.validation.checks.fields import read_date
from loanpipe.validation.checks.log import CheckLog


def check_certificate_dates(log: CheckLog, certificate: CaseDocument | None, as_of: date,
                            rules: CertificateRules) -> int | None:
    """Recency of the certificate; returns the months of employment at the capture (None when unknown)."""
    if certificate is None:
        log.not_run("certificate_recent", "no readable income certificate")
        return None
    issued = read_date(log, certificate, "issue_date")
    started = read_date(log, certificate, "employment_start")
    if issued is None:
        log.not_run("certificate_recent", "no readable issue date", certificate)
    else:
        age = (as_of - issued).days
        if age < 0:
            log.failed("certificate_recent", "document_dated_after_capture",
                       f"issued {issued.isoformat()}, after the capture", certificate)
        elif age > rules.max_age_days:
            log.failed("certificate_recent", "certificate_stale",
                       f"issued {age} days before capture, policy {rules.max_age_days}", certificate)
        else:
            log.passed("certificate_recent", f"issued {age} days before capture", certificate)
    if started is None:
        return None
    if started > as_of:
        log.failed("employment_start", "document_dated_after_capture",
                   f"employment starts {started.isoformat()}, after the capture", certificate)
        return None
    return full_months(started, as_of)
