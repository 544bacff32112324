"""What the field officer declares when creating an application (``application.json``)."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict, field_validator

from loanpipe.domain.idnumber import IdNumberError, parse_id_number
from loanpipe.domain.money import to_money

MAX_AMOUNT = Decimal("100000000")  # a hundred million yuan: far above any car, far below what breaks arithmetic


def _at_most_fen(value: Decimal) -> Decimal:
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ValueError("an amount has at most two decimals (fen)")
    if value >= MAX_AMOUNT:
        raise ValueError(f"an amount must be below {MAX_AMOUNT:,} yuan")
    return value


Money = Annotated[Decimal, BeforeValidator(to_money)]
RequestMoney = Annotated[Decimal, BeforeValidator(to_money), AfterValidator(_at_most_fen)]
def _no_boolean(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("a number is expected, not true or false")
    return value


# ``true`` is no coordinate and no term; ``"36"`` or ``36.0`` no count of months. Coordinates may come as decimal
# strings (a client that keeps JSON numbers as decimals sends them so), never as booleans.
Coordinate = Annotated[float, BeforeValidator(_no_boolean)]
StrictInt = Annotated[int, Strict()]


def clean_text(value: str, what: str) -> str:
    """NFC, trimmed; refused when it carries control, format or invisible characters (a NUL, a line break, a
    bidi override, a zero-width joiner): they hide what a reader sees, in the contract and in the console."""
    text = unicodedata.normalize("NFC", value).strip()
    bad = [char for char in text if unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp")]
    if bad:
        raise ValueError(f"{what} contains control or invisible characters")
    return text


def _clean_name(value: str) -> str:
    text = clean_text(value, "the name")
    if not all(char.isalpha() or char in "·•. -" for char in text) or not any(char.isalpha() for char in text):
        raise ValueError("a name holds letters only (and the middle dot of transcribed names)")
    return text


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


# ------------------------------------------------------------------ what the API accepts at creation
# The stored form above can hold whatever was declared (so the checks can judge it, and old items load); a new
# application through the API must be one no officer could mean otherwise. Refused here, the officer corrects it
# at the door.
class ApplicantRequest(Applicant):
    name: Annotated[str, AfterValidator(_clean_name)] = Field(min_length=1, max_length=40)
    id_number: str = Field(min_length=18, max_length=18)
    phone: str = Field(pattern=r"^1[0-9]{10}$")  # ASCII digits: [0-9], never \d (which takes ٣ and ３)

    @field_validator("id_number")
    @classmethod
    def _valid_id_number(cls, value: str) -> str:
        """A real birth date and a right check character (GB 11643): a typo or a made-up number is refused,
        and nobody can open a draft in another person's name with a number that is not one."""
        try:
            parsed = parse_id_number(value.strip())
        except IdNumberError as exc:
            raise ValueError(str(exc)) from exc
        if not parsed.check_digit_ok:
            raise ValueError("id_checksum_invalid: the ID number's check character is wrong")
        return parsed.number

    @field_validator("address")
    @classmethod
    def _clean_address(cls, value: str) -> str:
        return clean_text(value, "the address")


class LoanRequestInput(LoanRequest):
    amount: RequestMoney = Field(gt=0)
    term_months: StrictInt = Field(ge=1, le=120)
    vehicle_price: RequestMoney = Field(gt=0)


class CaptureInput(Capture):
    lat: Coordinate = Field(ge=-90, le=90)
    lon: Coordinate = Field(ge=-180, le=180)


class ApplicationRequest(DeclaredApplication):
    """``POST /applications``: the declared application, strictly."""

    applicant: ApplicantRequest
    loan: LoanRequestInput
    capture: CaptureInput

    def declared(self) -> DeclaredApplication:
        return DeclaredApplication.model_validate(self.model_dump())


def read_declared(text: str | bytes) -> DeclaredApplication:
    """Parse ``application.json``; JSON numbers become Decimal, never float."""
    return DeclaredApplication.model_validate(json.loads(text, parse_float=Decimal))
