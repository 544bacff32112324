"""What travels between the validate and score stages (and into DynamoDB): JSON-serialisable models.

``ApplicationCase`` is the input of ``validate``: the declared application, every document slot with its
extraction and the evidence of its file, and the clock the time-dependent checks use.
``ValidationReport`` is its output and, with the case, the input of ``decide``, which returns a ``Decision``.
Amounts are Decimal (strings in JSON), dates are ``date``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from loanpipe.domain.application import DeclaredApplication, RepaymentMethod
from loanpipe.domain.documents import DocType, ExtractionResult

SCHEMA_VERSION = 1


class DocumentState(StrEnum):
    EXTRACTED = "EXTRACTED"
    RETAKE_REQUESTED = "RETAKE_REQUESTED"
    REJECTED_INPUT = "REJECTED_INPUT"
    MISSING = "MISSING"


class ImageEvidence(BaseModel):
    """What the file itself says, beside its content (documents.forensics.image_evidence reads it).

    ``phash`` is a 64-bit DCT perceptual hash as 16 hex digits (first page of a PDF). ``taken_at`` is EXIF
    DateTimeOriginal: naive (camera local time) unless the file gave an offset. ``received_at`` is when the
    server received the file (set by the upload stage).
    """

    model_config = ConfigDict(frozen=True)

    phash: str | None = Field(default=None, pattern=r"^[0-9a-f]{16}$")
    software: str | None = None
    gps_lat: float | None = Field(default=None, ge=-90, le=90)
    gps_lon: float | None = Field(default=None, ge=-180, le=180)
    taken_at: datetime | None = None
    received_at: datetime | None = None
    content_type: str | None = None
    width: int | None = None
    height: int | None = None


class CaseDocument(BaseModel):
    model_config = ConfigDict(frozen=True)

    document_id: str = Field(min_length=1)
    doc_type: DocType
    state: DocumentState
    extraction: ExtractionResult | None = None
    evidence: ImageEvidence | None = None
    state_reasons: list[str] = Field(default_factory=list)  # retake / rejection codes, when not EXTRACTED


class ApplicationCase(BaseModel):
    """One application as the validate stage sees it.

    ``clock`` is the capture time every time-dependent check uses (ID expiry, recency, age); it defaults to
    the declared ``capture.captured_at``. ``received_at`` is the server's receipt of the submission (None when
    replaying past applications, ``replay=True``, as a risk team back-tests a policy).
    """

    model_config = ConfigDict(frozen=True)

    schema_version: int = SCHEMA_VERSION
    application_id: str = Field(min_length=1)
    declared: DeclaredApplication
    documents: list[CaseDocument] = Field(default_factory=list)
    clock: datetime | None = None
    received_at: datetime | None = None
    replay: bool = False

    @model_validator(mode="after")
    def _clock(self) -> ApplicationCase:
        if self.clock is None:
            object.__setattr__(self, "clock", self.declared.capture.captured_at)
        if self.now.tzinfo is None:
            raise ValueError("clock needs a time zone offset")
        if self.received_at is not None and self.received_at.tzinfo is None:
            raise ValueError("received_at needs a time zone offset")
        return self

    @property
    def now(self) -> datetime:
        """The decision clock (``clock``, which defaults to the capture time once the model is built)."""
        return self.clock if self.clock is not None else self.declared.capture.captured_at

    @property
    def as_of(self) -> date:
        """The capture date in the capture's own time zone."""
        return self.now.date()

    def documents_of(self, doc_type: DocType) -> list[CaseDocument]:
        return [document for document in self.documents if document.doc_type == doc_type]


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
