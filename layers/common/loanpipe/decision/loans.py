"""Loan arithmetic: 等额本息 (equal instalments) and 等额本金 (equal principal), to the fen, and the APR.

Interest of a month is the outstanding balance times the monthly rate (annual / 12), rounded to the fen
half up. The last row absorbs every rounding so the balance closes at exactly 0.00.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext

from pydantic import BaseModel, ConfigDict

from loanpipe.domain.application import RepaymentMethod
from loanpipe.domain.money import fen

_ZERO = Decimal("0.00")
_APR_PLACES = Decimal("0.000001")


class ScheduleRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    period: int  # 1-based month number
    payment: Decimal
    principal: Decimal
    interest: Decimal
    balance: Decimal  # outstanding after this payment


class Schedule(BaseModel):
    model_config = ConfigDict(frozen=True)

    method: RepaymentMethod
    principal: Decimal
    annual_rate: Decimal
    months: int
    rows: list[ScheduleRow]

    @property
    def first_payment(self) -> Decimal:
        return self.rows[0].payment

    @property
    def max_payment(self) -> Decimal:
        return max(row.payment for row in self.rows)

    @property
    def total_payment(self) -> Decimal:
        return sum((row.payment for row in self.rows), _ZERO)

    @property
    def total_interest(self) -> Decimal:
        return sum((row.interest for row in self.rows), _ZERO)


def schedule(
    principal: Decimal,
    annual_rate: Decimal,
    months: int,
    method: RepaymentMethod | str = RepaymentMethod.EQUAL_INSTALLMENT,
) -> Schedule:
    """The full repayment schedule; raises ValueError for a non-positive principal or term, a negative rate."""
    method = RepaymentMethod(method)
    principal = _check_terms(principal, annual_rate, months)
    monthly_rate = Decimal(annual_rate) / 12
    if method is RepaymentMethod.EQUAL_INSTALLMENT:
        payment = level_payment(principal, annual_rate, months)
        principal_part = None
    else:
        payment = None
        principal_part = fen(principal / months)
    rows: list[ScheduleRow] = []
    balance = principal
    for period in range(1, months + 1):
        interest = fen(balance * monthly_rate)
        if period == months:
            repaid = balance
        elif payment is not None:
            repaid = min(payment - interest, balance)
        else:
            repaid = min(principal_part, balance)
        balance = balance - repaid
        rows.append(ScheduleRow(period=period, payment=repaid + interest, principal=repaid, interest=interest,
                                balance=balance))
    return Schedule(method=method, principal=principal, annual_rate=Decimal(annual_rate), months=months, rows=rows)


def level_payment(principal: Decimal, annual_rate: Decimal, months: int) -> Decimal:
    """等额本息: ``P r (1+r)^n / ((1+r)^n - 1)`` rounded to the fen (``P / n`` at a zero rate)."""
    principal = _check_terms(principal, annual_rate, months)
    monthly_rate = Decimal(annual_rate) / 12
    if monthly_rate == 0:
        return fen(principal / months)
    with localcontext() as ctx:
        ctx.prec = 50
        growth = (1 + monthly_rate) ** months
        exact = principal * monthly_rate * growth / (growth - 1)
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def monthly_payment(
    principal: Decimal,
    annual_rate: Decimal,
    months: int,
    method: RepaymentMethod | str = RepaymentMethod.EQUAL_INSTALLMENT,
) -> Decimal:
    """The first month's payment: the level payment (等额本息) or the largest, first one (等额本金)."""
    method = RepaymentMethod(method)
    if method is RepaymentMethod.EQUAL_INSTALLMENT:
        return level_payment(principal, annual_rate, months)
    principal = _check_terms(principal, annual_rate, months)
    first_principal = principal if months == 1 else fen(principal / months)
    return first_principal + fen(principal * Decimal(annual_rate) / 12)


def apr(principal: Decimal, payments: Sequence[Decimal], fees: Decimal = _ZERO) -> Decimal:
    """Annualised IRR (monthly IRR x 12, the IRR method of Chinese APR disclosure), 6 decimal places.

    ``principal - fees`` is what the borrower receives, ``payments`` what they pay at the end of each month.
    For an amortising loan without fees it equals the nominal rate (up to the fen rounding).
    """
    received = Decimal(principal) - Decimal(fees)
    if received <= 0 or not payments:
        raise ValueError("the APR needs a positive amount received and at least one payment")
    paid = [Decimal(p) for p in payments]
    if sum(paid) < received:
        raise ValueError("the payments do not repay the amount received")
    with localcontext() as ctx:
        ctx.prec = 40

        def present_value(rate: Decimal) -> Decimal:
            discount = 1 / (1 + rate)
            total = Decimal(0)
            for payment in reversed(paid):  # Horner: ((p_n v + p_{n-1}) v + ...) v
                total = (total + payment) * discount
            return total

        low, high = Decimal(0), Decimal(1)
        while present_value(high) > received:
            high *= 2
        for _ in range(100):
            middle = (low + high) / 2
            if present_value(middle) > received:
                low = middle
            else:
                high = middle
        annual = (low + high) / 2 * 12
    return annual.quantize(_APR_PLACES, rounding=ROUND_HALF_UP)


def _check_terms(principal: Decimal, annual_rate: Decimal, months: int) -> Decimal:
    principal = Decimal(principal)
    if not principal.is_finite() or principal <= 0:
        raise ValueError("the principal must be a positive amount")
    if fen(principal) != principal:
        raise ValueError("the principal must be a whole number of fen")
    if not isinstance(months, int) or months < 1:
        raise ValueError("the term must be at least one month")
    rate = Decimal(annual_rate)
    if not rate.is_finite() or rate < 0:
        raise ValueError("the annual rate cannot be negative")
    return principal
