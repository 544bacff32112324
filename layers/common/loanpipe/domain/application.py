"""What the field officer declares when creating an application (``application.json``)."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from loanpipe.domain.money import to_money

Money = Annotated[Decimal, BeforeValidator(to_money)]


class VehicleType(StrEnum):
    NEW = "new"
    USED = "used"


class RepaymentMethod(StrEnum):
    EQUAL_INSTALLMENT = "equal_installment"  # 等额本息
    EQUAL_PRINCIPAL = "equal_principal"  # 等额本金


class Applicant(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=40)
    id_number: str = Field(min_length=15, max_length=18)
    phone: str = Field(pattern=r"^1\d{10}$")
    address: str = Field(default="", max_length=200)

    @field_validator("id_number")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.strip().upper()


class LoanRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    amount: Money = Field(gt=0)
    term_months: int = Field(ge=1, le=120)
    vehicle_price: Money = Field(gt=0)
    vehicle_type: VehicleType
    repayment_method: RepaymentMethod = RepaymentMethod.EQUAL_INSTALLMENT


class Capture(BaseModel):
    model_config = ConfigDict(frozen=True)

    officer_id: str = Field(min_length=1, max_length=40)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    captured_at: datetime

    @field_validator("captured_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("captured_at needs a time zone offset, e.g. 2026-11-20T10:31:00+08:00")
        return value


class PayoutAccount(BaseModel):
    """Where the loan is paid out: the dealer's account (new cars are paid to the dealer) or the customer's."""

    model_config = ConfigDict(frozen=True)

    payee: Literal["dealer", "customer"]
    account_name: str = Field(min_length=1, max_length=60)
    account_number: str = Field(pattern=r"^\d{8,30}$")
    bank_name: str = Field(min_length=2, max_length=40)


class DeclaredApplication(BaseModel):
    """The applicant, the loan asked for and where/when/by whom the documents were captured."""

    model_config = ConfigDict(frozen=True)

    applicant: Applicant
    loan: LoanRequest
    capture: Capture
    # Optional: without it the loan is paid to the applicant's account read from the bank statement.
    payout: PayoutAccount | None = None


def read_declared(text: str | bytes) -> DeclaredApplication:
    """Parse ``application.json``; JSON numbers become Decimal, never float."""
    return DeclaredApplication.model_validate(json.loads(text, parse_float=Decimal))
