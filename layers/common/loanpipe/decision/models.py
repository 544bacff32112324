"""The decision outputs: the outcome, its reasons, the score factors and the loan terms.

``decide`` returns a ``Decision``; the score stage stores a summary of it on the application record
(``domain.records.RecordedDecision``). Field names and values are a stored and sent contract.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from loanpipe.domain.application import RepaymentMethod
from loanpipe.domain.case import SCHEMA_VERSION
from loanpipe.validation.report import CheckResult


class Outcome(StrEnum):
    APPROVE = "approve"
    REVIEW = "review"
    DECLINE = "decline"


class DecisionReason(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    zh: str
    en: str
    knock_out: bool = False
    details: list[str] = Field(default_factory=list)


class ScoreFactor(BaseModel):
    """One scorecard characteristic: its value, the points it earned and the most it could earn."""

    model_config = ConfigDict(frozen=True)

    characteristic: str
    label_zh: str
    label_en: str
    value: Decimal | None
    points: int
    max_points: int

    @property
    def shortfall(self) -> int:
        return self.max_points - self.points


class LoanTerms(BaseModel):
    model_config = ConfigDict(frozen=True)

    amount: Decimal
    term_months: int
    method: RepaymentMethod
    annual_rate: Decimal
    apr: Decimal
    monthly_payment: Decimal  # the first (and, for 等额本金, the largest) payment
    total_interest: Decimal
    total_payment: Decimal


class Decision(BaseModel):
    schema_version: int = SCHEMA_VERSION
    application_id: str
    decision: Outcome
    score: int | None
    reasons: list[DecisionReason]  # top adverse first
    score_factors: list[ScoreFactor] = Field(default_factory=list)  # weakest first
    policy_checks: list[CheckResult] = Field(default_factory=list)  # amount, term, LTV, DTI
    policy_version: str
    validation_policy_version: str
    as_of: datetime
    terms: LoanTerms | None = None
    debt_to_income: Decimal | None = None
    loan_to_value: Decimal | None = None
    cross_flagged_by: list[str] = Field(default_factory=list)  # other applications that flagged this one

    @field_validator("reasons")
    @classmethod
    def _distinct(cls, reasons: list[DecisionReason]) -> list[DecisionReason]:
        codes = [reason.code for reason in reasons]
        if len(set(codes)) != len(codes):
            raise ValueError("a reason code appears twice")
        return reasons

    @property
    def reason_codes(self) -> list[str]:
        return [reason.code for reason in self.reasons]
