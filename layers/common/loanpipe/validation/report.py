"""The validation report: each check's outcome and the figures the checks established.

``validate`` returns it; with the case it is the input of ``decision.decide``, and it is stored beside the
application (JSON: amounts as strings, dates as ISO dates). Field names and values are a stored contract.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from loanpipe.domain.case import SCHEMA_VERSION


class CheckStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not_run"  # a field it needs is missing: another check failed with the reason
    NOT_APPLICABLE = "not_applicable"  # e.g. the receipt-time check when replaying


class CheckResult(BaseModel):
    """One check's outcome; ``detail`` is for people and never holds a full ID or account number."""

    model_config = ConfigDict(frozen=True)

    check: str
    status: CheckStatus
    reason: str | None = None  # the reason code when failed
    detail: str = ""
    document_id: str | None = None


class Figures(BaseModel):
    """Figures the checks established, used by the scorecard and shown to reviewers."""

    certified_monthly_income: Decimal | None = None
    median_salary_credit: Decimal | None = None
    salary_months: int = 0
    verified_monthly_income: Decimal | None = None  # min(certificate, median salary credit) when they agree
    statement_days: int | None = None
    statement_end_age_days: int | None = None
    latest_closing_balance: Decimal | None = None
    birth_date: date | None = None
    age_at_application: int | None = None
    age_at_maturity: int | None = None
    employment_months: int | None = None
    capture_spread_meters: int | None = None


class ValidationReport(BaseModel):
    schema_version: int = SCHEMA_VERSION
    application_id: str
    policy_version: str
    as_of: datetime  # the case clock the checks ran against
    replay: bool
    checks: list[CheckResult]
    figures: Figures
    cross_flags: list[str] = Field(default_factory=list)  # OTHER applications to flag (duplicate image)

    @property
    def failed(self) -> list[CheckResult]:
        return [check for check in self.checks if check.status is CheckStatus.FAILED]

    @property
    def reason_codes(self) -> list[str]:
        """Distinct reason codes of the failed checks, in check order."""
        return list(dict.fromkeys(check.reason for check in self.failed if check.reason))

    def check(self, name: str) -> list[CheckResult]:
        return [check for check in self.checks if check.check == name]
